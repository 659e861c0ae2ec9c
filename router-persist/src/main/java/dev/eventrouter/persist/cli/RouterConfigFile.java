package dev.eventrouter.persist.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.auth.Organizations;
import dev.eventrouter.auth.PolicyDocument;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.auth.Tags;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.bus.ScheduleExpression;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.TargetInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code router run} configuration file. Every error names the field, as in
 * {@code rules[2].targets[0].inputTransformer.inputTemplate: ...}; unknown fields are errors (a typo must not
 * silently drop a setting).
 *
 * <pre>{@code
 * {
 *   "account": "123456789012", "region": "us-east-1",
 *   "eventBuses": ["orders", "audit"],
 *   "deadLetterFile": "dead-letters.ndjson",
 *   "rules": [
 *     {"name": "big-orders", "eventBus": "orders", "state": "ENABLED", "description": "...",
 *      "eventPattern": {"detail": {"amount": [{"numeric": [">", 100]}]}},
 *      "targets": [
 *        {"id": "print", "type": "stdout", "inputPath": "$.detail"},
 *        {"id": "keep", "type": "file", "path": "big.ndjson",
 *         "retryPolicy": {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 600}},
 *        {"id": "audit", "type": "bus", "eventBus": "audit"},
 *        {"id": "out", "type": "kafka", "kafka": {"bootstrapServers": "b1:9092", "topic": "big-orders",
 *         "keyPath": "$.detail.customer"}},
 *        {"id": "shaped", "type": "stdout", "inputTransformer":
 *           {"inputPathsMap": {"id": "$.detail.id"}, "inputTemplate": "{\"order\": <id>}"}}]}]
 * }
 * }</pre>
 * Accounts (docs/accounts.md): {@code accounts} gives callers' organizations and tags; an {@code eventBuses} entry
 * may be an object {@code {"name": "NAME or ARN", "policy": {...}, "tags": {...}}}; a rule's {@code createdBy}
 * (account id or principal ARN) puts it and its targets as that caller; {@code sources} publish NDJSON files as
 * given principals:
 * <pre>{@code
 *   "accounts": {"222222222222": {"organization": "o-a1b2c3d4e5", "tags": {"environment": "production"}}},
 *   "sources": [{"events": "purple.ndjson", "eventBus": "arn:aws:events:...:event-bus/devops",
 *                "principal": "222222222222"}]
 * }</pre>
 */
final class RouterConfigFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A target as configured. */
    record TargetConfig(String field, String id, String type, Path path, boolean truncate, String eventBus,
                        TargetInput input, RetryPolicy retryPolicy, String apiDestination,
                        dev.eventrouter.persist.apidest.HttpParameters httpParameters, Path deadLetterFile,
                        dev.eventrouter.persist.kafka.KafkaTarget.Config kafka, JsonNode spec) {
    }

    /** A connection as configured (its values validated by {@link dev.eventrouter.persist.apidest.Connection}). */
    record ConnectionConfig(String field, String name, String description,
                            dev.eventrouter.persist.apidest.Connection.Authorization authorization,
                            dev.eventrouter.persist.apidest.Connection.InvocationParameters invocation) {
    }

    /** An API destination as configured. */
    record ApiDestinationConfig(String field, String name, String description, String connection, String endpoint,
                                String httpMethod, Integer rateLimitPerSecond) {
    }

    /** A rule as configured; {@code createdBy} is the caller that puts it, or {@code null} for the bus owner. */
    record RuleConfig(String field, String name, String eventBus, String eventPattern, RuleState state,
                      String description, List<TargetConfig> targets, Principal createdBy,
                      String scheduleExpression) {
    }

    /** A bus as configured: name or ARN, optional policy and tags; {@code distributed} when it scales out. */
    record BusConfig(String field, String nameOrArn, PolicyDocument policy, Map<String, String> tags,
                     dev.eventrouter.persist.kafka.DistributedBus.Config distributed) {
    }

    /**
     * Global endpoints ({@code router serve}, docs/global-endpoints.md): the Regions' routers, health checks and
     * endpoints.
     */
    record GlobalConfig(String field, Map<String, dev.eventrouter.persist.global.GlobalEndpoints.Peer> regions,
                        Map<String, dev.eventrouter.persist.global.HealthCheck.Config> healthChecks,
                        java.time.Duration requestTimeout, List<dev.eventrouter.persist.global.EndpointSpec> endpoints) {
    }

    /** A Kafka topic PutTargets may name by {@code arn} ({@code router serve}). */
    record KafkaTopicConfig(String field, String arn, dev.eventrouter.persist.kafka.KafkaTarget.Config kafka) {
    }

    /** An account's organization and tags. */
    record AccountConfig(String field, String account, String organization, Map<String, String> tags) {
    }

    /** An NDJSON file of event envelopes published to a bus as a principal ({@code null}: the bus owner). */
    record SourceConfig(String field, Path events, String eventBus, Principal principal) {
    }

    /** An archive as configured. */
    record ArchiveConfig(String field, String name, String eventBus, String eventPattern, int retentionDays,
                         Path dir) {
    }

    /** The whole file. */
    record Config(String account, String region, List<BusConfig> eventBuses, Path deadLetterFile,
                  List<RuleConfig> rules, List<ArchiveConfig> archives, List<AccountConfig> accounts,
                  List<SourceConfig> sources, List<ConnectionConfig> connections,
                  List<ApiDestinationConfig> apiDestinations, List<KafkaTopicConfig> kafkaTopics,
                  GlobalConfig global) {
        /** @return the organization registry the accounts section describes. */
        Organizations organizations() {
            return RouterConfigFile.organizations(accounts);
        }
    }

    /**
     * Reads a file holding just an {@code accounts} section ({@code router policy simulate --org-config}), with the
     * same fields and messages as the run config's.
     */
    static Organizations organizations(final Path file, final String option) {
        final JsonNode root;
        try {
            root = JSON.readTree(CliInput.readFile(option, file));
        } catch (JsonProcessingException e) {
            throw new UserError(option + " " + file + ": malformed JSON: " + e.getOriginalMessage());
        }
        try {
            final List<AccountConfig> accounts = new ArrayList<>();
            requireObject(root, "accounts");
            root.fields().forEachRemaining(e -> accounts.add(account(e.getKey(), e.getValue(), e.getKey())));
            return organizations(accounts);
        } catch (ConfigError | UserError e) {
            throw new UserError(option + " " + file + ": " + e.getMessage());
        }
    }

    private static Organizations organizations(final List<AccountConfig> accounts) {
        final Organizations.Builder builder = Organizations.builder();
        for (AccountConfig account : accounts) {
            try {
                if (account.organization() != null) {
                    builder.organization(account.organization(), List.of(account.account()));
                }
                builder.tagAccount(account.account(), account.tags());
            } catch (IllegalArgumentException e) {
                throw new UserError(account.field() + ": " + e.getMessage());
            }
        }
        return builder.build();
    }

    private RouterConfigFile() {
    }

    static Config load(final Path file) {
        final String text = CliInput.readFile("--config", file);
        final JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            final var at = e.getLocation();
            throw new UserError(file + ": malformed JSON: " + e.getOriginalMessage()
                + (at == null ? "" : " (line " + at.getLineNr() + ", col " + at.getColumnNr() + ")"));
        }
        if (root == null || !root.isObject()) {
            throw new UserError(file + ": must be a JSON object");
        }
        try {
            return parse((ObjectNode) root, file.toAbsolutePath().getParent());
        } catch (ConfigError e) {
            throw new UserError(file + ": " + e.getMessage());
        }
    }

    /** A config problem: {@code field: reason}. */
    private static final class ConfigError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConfigError(final String field, final String reason) {
            super(field + ": " + reason);
        }
    }

    private static Config parse(final ObjectNode root, final Path base) {
        allowOnly(root, "", Set.of("account", "region", "eventBuses", "deadLetterFile", "rules", "archives",
            "accounts", "sources", "connections", "apiDestinations", "kafkaTopics", "globalEndpoints"));
        final List<BusConfig> buses = list(root, "", "eventBuses", RouterConfigFile::bus);
        final List<AccountConfig> accounts = new ArrayList<>();
        final JsonNode accountMap = root.get("accounts");
        if (accountMap != null) {
            requireObject(accountMap, "accounts");
            accountMap.fields().forEachRemaining(e -> accounts.add(account(e.getKey(), e.getValue(),
                "accounts." + e.getKey())));
        }
        final List<SourceConfig> sources = list(root, "", "sources", (node, field) -> source(node, field, base));
        final List<RuleConfig> rules = list(root, "", "rules", (node, field) -> rule(node, field, base));
        final List<ArchiveConfig> archives = list(root, "", "archives",
            (node, field) -> archive(node, field, base));
        refuseDuplicates(rules, archives);
        final List<ConnectionConfig> connections = list(root, "", "connections", RouterConfigFile::connection);
        final List<ApiDestinationConfig> destinations = list(root, "", "apiDestinations",
            RouterConfigFile::apiDestination);
        return new Config(optionalText(root, "", "account", null), optionalText(root, "", "region", null), buses,
            root.has("deadLetterFile") ? base.resolve(text(root.get("deadLetterFile"), "deadLetterFile")) : null,
            rules, archives, accounts, sources, connections, destinations,
            list(root, "", "kafkaTopics", RouterConfigFile::kafkaTopic),
            root.has("globalEndpoints") ? global(root.get("globalEndpoints"), "globalEndpoints") : null);
    }

    private static GlobalConfig global(final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("regions", "healthChecks", "endpoints", "requestTimeoutSeconds"));
        final Map<String, dev.eventrouter.persist.global.GlobalEndpoints.Peer> regions = new LinkedHashMap<>();
        final JsonNode regionNodes = node.get("regions");
        if (regionNodes == null) {
            throw new ConfigError(field + ".regions", "is required: each Region's router URL (and the access key to "
                + "call the other one with)");
        }
        requireObject(regionNodes, field + ".regions");
        final Iterator<Map.Entry<String, JsonNode>> it = regionNodes.fields();
        while (it.hasNext()) {
            final Map.Entry<String, JsonNode> e = it.next();
            final String f = field + ".regions." + e.getKey();
            requireObject(e.getValue(), f);
            allowOnly(e.getValue(), f + ".", Set.of("url", "accessKeyId", "secretAccessKey"));
            final String url = text(e.getValue().get("url"), f + ".url");
            final java.net.URI uri;
            try {
                uri = java.net.URI.create(url);
            } catch (IllegalArgumentException ex) {
                throw new ConfigError(f + ".url", "not a URL: " + url);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new ConfigError(f + ".url", "an http:// or https:// URL with a host, got " + url);
            }
            final String key = optionalText(e.getValue(), f + ".", "accessKeyId", null);
            final String secret = optionalText(e.getValue(), f + ".", "secretAccessKey", null);
            if ((key == null) != (secret == null)) {
                throw new ConfigError(f, "accessKeyId and secretAccessKey go together");
            }
            regions.put(e.getKey(), new dev.eventrouter.persist.global.GlobalEndpoints.Peer(e.getKey(), uri, key,
                secret));
        }
        final Map<String, dev.eventrouter.persist.global.HealthCheck.Config> checks = new LinkedHashMap<>();
        for (dev.eventrouter.persist.global.HealthCheck.Config check : list(node, field + ".", "healthChecks",
            RouterConfigFile::healthCheck)) {
            if (checks.put(check.name(), check) != null) {
                throw new ConfigError(field + ".healthChecks", "two health checks named " + check.name());
            }
        }
        final double timeout = node.has("requestTimeoutSeconds") ? number(node, "requestTimeoutSeconds", field) : 5;
        if (timeout <= 0) {
            throw new ConfigError(field + ".requestTimeoutSeconds", "must be positive, got " + timeout);
        }
        final List<dev.eventrouter.persist.global.EndpointSpec> endpoints = list(node, field + ".", "endpoints",
            RouterConfigFile::endpoint);
        return new GlobalConfig(field, regions, checks, java.time.Duration.ofMillis(Math.round(timeout * 1000)),
            endpoints);
    }

    private static double number(final JsonNode node, final String name, final String field) {
        final JsonNode value = node.get(name);
        if (value == null || !value.isNumber()) {
            throw new ConfigError(field + "." + name, "must be a number");
        }
        return value.asDouble();
    }

    /**
     * {@code {"name": "orders-primary", "periodSeconds": 60, "evaluationPeriods": 5, "errorRateThreshold": 0.5,
     * "treatMissingData": "breaching"}} (defaults: EventBridge's recommended alarm).
     */
    private static dev.eventrouter.persist.global.HealthCheck.Config healthCheck(final JsonNode node,
                                                                                final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "periodSeconds", "evaluationPeriods", "errorRateThreshold",
            "treatMissingData"));
        final String name = text(node.get("name"), field + ".name");
        final dev.eventrouter.persist.global.HealthCheck.Config defaults =
            dev.eventrouter.persist.global.HealthCheck.Config.of(name);
        try {
            return new dev.eventrouter.persist.global.HealthCheck.Config(name, node.has("periodSeconds")
                ? Math.round(number(node, "periodSeconds", field) * 1000) : defaults.periodMillis(),
                integer(node, "evaluationPeriods", field, defaults.evaluationPeriods()),
                node.has("errorRateThreshold") ? number(node, "errorRateThreshold", field)
                    : defaults.errorRateThreshold(),
                node.has("treatMissingData") ? dev.eventrouter.persist.global.HealthCheck.TreatMissingData.of(
                    text(node.get("treatMissingData"), field + ".treatMissingData")) : defaults.treatMissingData());
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    /** An endpoint as CreateEndpoint declares it, in the config's spelling (camelCase members). */
    private static dev.eventrouter.persist.global.EndpointSpec endpoint(final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "description", "routingConfig", "replicationConfig", "roleArn",
            "eventBuses"));
        final JsonNode failover = node.path("routingConfig").path("failoverConfig");
        final List<String> buses = new ArrayList<>();
        node.path("eventBuses").forEach(bus -> buses.add(bus.path("eventBusArn").asText(null)));
        try {
            return new dev.eventrouter.persist.global.EndpointSpec(text(node.get("name"), field + ".name"),
                optionalText(node, field + ".", "description", null),
                failover.path("primary").path("healthCheck").asText(null),
                failover.path("secondary").path("route").asText(null),
                !"DISABLED".equals(node.path("replicationConfig").path("state").asText("ENABLED")),
                optionalText(node, field + ".", "roleArn", null), buses);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    /**
     * {@code {"arn": "arn:aws:kafka:us-east-1:111111111111:topic/local/orders", "kafka": {...as a kafka target's}}}:
     * targets PutTargets puts with that Arn produce to the topic.
     */
    private static KafkaTopicConfig kafkaTopic(final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("arn", "kafka"));
        final String arn = text(node.get("arn"), field + ".arn");
        if (!arn.startsWith("arn:") || arn.split(":", -1).length < 6) {
            throw new ConfigError(field + ".arn", "not an ARN (arn:partition:service:region:account:resource), got "
                + arn);
        }
        if (arn.contains(":event-bus/") || arn.contains(":api-destination/")) {
            throw new ConfigError(field + ".arn", "an event bus or API destination ARN already names its target");
        }
        return new KafkaTopicConfig(field, arn, kafka(node.get("kafka"), field + ".kafka"));
    }

    private static BusConfig bus(final JsonNode node, final String field) {
        if (node != null && node.isTextual()) {
            return new BusConfig(field, text(node, field), null, Map.of(), null);
        }
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "policy", "tags", "distributed"));
        PolicyDocument policy = null;
        final JsonNode policyNode = node.get("policy");
        if (policyNode != null) {
            if (!policyNode.isObject() && !policyNode.isTextual()) {
                throw new ConfigError(field + ".policy", "must be a policy object or a JSON string");
            }
            try {
                policy = PolicyDocument.parse(policyNode.isTextual() ? policyNode.asText() : policyNode.toString());
            } catch (IllegalArgumentException e) {
                throw new ConfigError(field + ".policy", e.getMessage());
            }
        }
        final String name = text(node.get("name"), field + ".name");
        return new BusConfig(field, name, policy, tags(node.get("tags"), field + ".tags"),
            node.has("distributed") ? distributed(name, node.get("distributed"), field + ".distributed") : null);
    }

    /**
     * {@code {"bootstrapServers": "b1:9092", "partitions": 6, "partitionKeyPath": "$.detail.customer",
     * "consumerProperties": {"session.timeout.ms": "10000"}, "eventsTopic": ..., "controlTopic": ..., "groupId": ...,
     * "openTimeoutSeconds": 30}}}: a bus that scales out over Kafka (docs/scale-out.md).
     */
    private static dev.eventrouter.persist.kafka.DistributedBus.Config distributed(final String bus,
                                                                                   final JsonNode node,
                                                                                   final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("bootstrapServers", "partitions", "partitionKeyPath",
            "consumerProperties", "eventsTopic", "controlTopic", "groupId", "openTimeoutSeconds"));
        if (bus.startsWith("arn:")) {
            throw new ConfigError(field, "a distributed bus is named, not an ARN (it is in the router's account)");
        }
        final String servers = text(node.get("bootstrapServers"), field + ".bootstrapServers");
        try {
            final dev.eventrouter.persist.kafka.DistributedBus.Config defaults =
                dev.eventrouter.persist.kafka.DistributedBus.Config.of(servers, bus);
            final int partitions = integer(node, "partitions", field, defaults.partitions());
            if (partitions < 1) {
                throw new ConfigError(field + ".partitions", "must be positive, got " + partitions);
            }
            final int timeout = integer(node, "openTimeoutSeconds", field,
                (int) defaults.openTimeout().toSeconds());
            if (timeout < 1) {
                throw new ConfigError(field + ".openTimeoutSeconds", "must be positive, got " + timeout);
            }
            final String keyPath = optionalText(node, field + ".", "partitionKeyPath", null);
            if (keyPath != null) {
                try {
                    dev.eventrouter.target.EventPath.compile(keyPath);
                } catch (IllegalArgumentException e) {
                    throw new ConfigError(field + ".partitionKeyPath", e.getMessage());
                }
            }
            return new dev.eventrouter.persist.kafka.DistributedBus.Config(servers, bus,
                optionalText(node, field + ".", "eventsTopic", defaults.eventsTopic()),
                optionalText(node, field + ".", "controlTopic", defaults.controlTopic()),
                optionalText(node, field + ".", "groupId", defaults.groupId()), partitions, keyPath,
                java.time.Duration.ofSeconds(timeout),
                node.has("consumerProperties") ? strings(node.get("consumerProperties"), field
                    + ".consumerProperties") : Map.of());
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    private static AccountConfig account(final String account, final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("organization", "tags"));
        try {
            Principal.account(account);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
        return new AccountConfig(field, account, optionalText(node, field + ".", "organization", null),
            tags(node.get("tags"), field + ".tags"));
    }

    private static SourceConfig source(final JsonNode node, final String field, final Path base) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("events", "eventBus", "principal"));
        final String principal = optionalText(node, field + ".", "principal", null);
        return new SourceConfig(field, base.resolve(text(node.get("events"), field + ".events")),
            optionalText(node, field + ".", "eventBus", null),
            principal == null ? null : principal(principal, field + ".principal"));
    }

    /** @return the principal an account id or principal ARN names. */
    static Principal principal(final String text, final String field) {
        try {
            return Principal.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    private static Map<String, String> tags(final JsonNode node, final String field) {
        if (node == null) {
            return Map.of();
        }
        requireObject(node, field);
        final Map<String, String> tags = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> tags.put(e.getKey(), text(e.getValue(), field + "." + e.getKey())));
        try {
            Tags.validate(tags, field);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage().substring(field.length() + 2));
        }
        return tags;
    }

    /**
     * Two rules of one name on one bus, two targets of one id on a rule, or two archives (of any name) in one
     * directory would silently replace or corrupt each other: each is an error naming the second occurrence.
     */
    private static void refuseDuplicates(final List<RuleConfig> rules, final List<ArchiveConfig> archives) {
        final Map<String, String> ruleFields = new LinkedHashMap<>();
        for (RuleConfig rule : rules) {
            final String key = (rule.eventBus() == null ? "default" : rule.eventBus()) + "/" + rule.name();
            final String first = ruleFields.putIfAbsent(key, rule.field());
            if (first != null) {
                throw new ConfigError(rule.field() + ".name", "rule " + rule.name() + " is already defined by "
                    + first);
            }
            final Map<String, String> targetFields = new LinkedHashMap<>();
            for (TargetConfig target : rule.targets()) {
                final String firstTarget = targetFields.putIfAbsent(target.id(), target.field());
                if (firstTarget != null) {
                    throw new ConfigError(target.field() + ".id", "target " + target.id() + " is already defined by "
                        + firstTarget);
                }
            }
        }
        final Map<Path, String> archiveFields = new LinkedHashMap<>();
        final Map<String, String> archiveNames = new LinkedHashMap<>();
        for (ArchiveConfig archive : archives) {
            final String first = archiveFields.putIfAbsent(archive.dir().toAbsolutePath().normalize(),
                archive.field());
            if (first != null) {
                throw new ConfigError(archive.field() + ".dir", archive.dir() + " is already the directory of "
                    + first + "; each archive needs its own");
            }
            final String firstName = archiveNames.putIfAbsent(archive.name(), archive.field());
            if (firstName != null) {
                throw new ConfigError(archive.field() + ".name", "archive " + archive.name()
                    + " is already defined by " + firstName);
            }
        }
    }

    /**
     * @return each element of the optional array {@code parent.name}, read by {@code element}, which gets the
     *         element's field path ({@code prefix + name + "[i]"}).
     */
    private static <T> List<T> list(final JsonNode parent, final String prefix, final String name,
                                    final java.util.function.BiFunction<JsonNode, String, T> element) {
        final List<T> items = new ArrayList<>();
        final JsonNode array = parent.get(name);
        if (array != null) {
            requireArray(array, prefix + name);
            for (int i = 0; i < array.size(); i++) {
                items.add(element.apply(array.get(i), prefix + name + "[" + i + "]"));
            }
        }
        return items;
    }

    private static ArchiveConfig archive(final JsonNode node, final String field, final Path base) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "eventBus", "eventPattern", "retentionDays", "dir"));
        final JsonNode pattern = node.get("eventPattern");
        if (pattern != null && !(pattern.isObject() || pattern.isTextual())) {
            throw new ConfigError(field + ".eventPattern", "must be a pattern object or a JSON string");
        }
        return new ArchiveConfig(field, text(node.get("name"), field + ".name"),
            optionalText(node, field + ".", "eventBus", null),
            pattern == null ? null : pattern.isTextual() ? pattern.asText() : pattern.toString(),
            integer(node, "retentionDays", field, 0), base.resolve(text(node.get("dir"), field + ".dir")));
    }

    private static RuleConfig rule(final JsonNode node, final String field, final Path base) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "eventBus", "eventPattern", "state", "description", "targets",
            "createdBy", "scheduleExpression"));
        final JsonNode pattern = node.get("eventPattern");
        final String schedule = optionalText(node, field + ".", "scheduleExpression", null);
        if (pattern == null && schedule == null) {
            throw new ConfigError(field + ".eventPattern", "required (a pattern object or a JSON string) unless the "
                + "rule has a scheduleExpression");
        }
        if (pattern != null && !(pattern.isObject() || pattern.isTextual())) {
            throw new ConfigError(field + ".eventPattern", "must be a pattern object or a JSON string");
        }
        if (schedule != null) {
            try {
                ScheduleExpression.parse(schedule);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(field + ".scheduleExpression", e.getMessage());
            }
        }
        final String stateText = optionalText(node, field + ".", "state", "ENABLED");
        final RuleState state;
        try {
            state = RuleState.valueOf(stateText);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field + ".state", "must be ENABLED, DISABLED or "
                + "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, got " + stateText);
        }
        final List<TargetConfig> targets = list(node, field + ".", "targets",
            (element, path) -> target(element, path, base));
        return new RuleConfig(field, text(node.get("name"), field + ".name"), optionalText(node, field + ".", "eventBus", null),
            pattern == null ? null : pattern.isTextual() ? pattern.asText() : pattern.toString(), state,
            optionalText(node, field + ".", "description", null), targets,
            node.has("createdBy") ? principal(text(node.get("createdBy"), field + ".createdBy"), field + ".createdBy")
                : null, schedule);
    }

    /**
     * Reads one target of a distributed bus's control topic (the config's shape, relative paths against this node's
     * config directory).
     *
     * @throws IllegalArgumentException naming the field.
     */
    static TargetConfig targetSpec(final JsonNode node, final String field, final Path base) {
        try {
            return target(node, field, base);
        } catch (ConfigError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static TargetConfig target(final JsonNode node, final String field, final Path base) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("id", "type", "path", "truncate", "eventBus", "input", "inputPath",
            "inputTransformer", "retryPolicy", "apiDestination", "httpParameters", "deadLetterFile", "kafka"));
        final String type = text(node.get("type"), field + ".type");
        Path path = null;
        String bus = null;
        String destination = null;
        dev.eventrouter.persist.apidest.HttpParameters http = null;
        dev.eventrouter.persist.kafka.KafkaTarget.Config kafka = null;
        switch (type) {
            case "stdout" -> { }
            case "file" -> path = base.resolve(text(node.get("path"), field + ".path"));
            case "bus" -> bus = text(node.get("eventBus"), field + ".eventBus");
            case "apiDestination" -> {
                destination = text(node.get("apiDestination"), field + ".apiDestination");
                http = httpParameters(node.get("httpParameters"), field + ".httpParameters");
            }
            case "kafka" -> kafka = kafka(node.get("kafka"), field + ".kafka");
            default -> throw new ConfigError(field + ".type", "must be stdout, file, bus, apiDestination or kafka, "
                + "got " + type);
        }
        if (node.has("kafka") && !"kafka".equals(type)) {
            throw new ConfigError(field + ".kafka", "for kafka targets only");
        }
        if (node.has("httpParameters") && !"apiDestination".equals(type)) {
            throw new ConfigError(field + ".httpParameters", "for apiDestination targets only");
        }
        boolean truncate = false;
        if (node.has("truncate")) {
            if (!"file".equals(type) || !node.get("truncate").isBoolean()) {
                throw new ConfigError(field + ".truncate", "true or false, for file targets only");
            }
            truncate = node.get("truncate").asBoolean();
        }
        return new TargetConfig(field, text(node.get("id"), field + ".id"), type, path, truncate, bus,
            input(node, field), retryPolicy(node.get("retryPolicy"), field + ".retryPolicy"), destination, http,
            node.has("deadLetterFile") ? base.resolve(text(node.get("deadLetterFile"), field + ".deadLetterFile"))
                : null, kafka, node.deepCopy());
    }

    /**
     * {@code {"bootstrapServers": "h:9092", "topic": "t", "keyPath": "$.detail.id", "headers": {"name": "$.path"},
     * "clientProperties": {"compression.type": "lz4"}}}: a Kafka topic (docs/kafka.md).
     */
    private static dev.eventrouter.persist.kafka.KafkaTarget.Config kafka(final JsonNode node, final String field) {
        if (node == null) {
            throw new ConfigError(field, "is required for a kafka target");
        }
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("bootstrapServers", "topic", "keyPath", "headers", "clientProperties"));
        final String servers = text(node.get("bootstrapServers"), field + ".bootstrapServers");
        final String topic = text(node.get("topic"), field + ".topic");
        final String keyPath = node.has("keyPath") ? text(node.get("keyPath"), field + ".keyPath") : null;
        try {
            return new dev.eventrouter.persist.kafka.KafkaTarget.Config(servers, topic, keyPath,
                strings(node.get("headers"), field + ".headers"),
                strings(node.get("clientProperties"), field + ".clientProperties"), java.time.Duration.ofSeconds(30));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    private static dev.eventrouter.persist.apidest.HttpParameters httpParameters(final JsonNode node,
                                                                               final String field) {
        if (node == null) {
            return null;
        }
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("pathParameterValues", "headerParameters", "queryStringParameters"));
        final List<String> path = list(node, field + ".", "pathParameterValues", RouterConfigFile::text);
        try {
            return new dev.eventrouter.persist.apidest.HttpParameters(path, strings(node.get("headerParameters"),
                field + ".headerParameters"), strings(node.get("queryStringParameters"),
                field + ".queryStringParameters"));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    /** An object of string values, in order. */
    private static Map<String, String> strings(final JsonNode node, final String field) {
        final Map<String, String> out = new LinkedHashMap<>();
        if (node != null) {
            requireObject(node, field);
            node.fields().forEachRemaining(e -> out.put(e.getKey(), text(e.getValue(), field + "." + e.getKey())));
        }
        return out;
    }

    private static List<dev.eventrouter.persist.apidest.Connection.Parameter> parameters(final JsonNode node,
                                                                                       final String field) {
        final List<dev.eventrouter.persist.apidest.Connection.Parameter> out = new ArrayList<>();
        strings(node, field).forEach((k, v) -> out.add(new dev.eventrouter.persist.apidest.Connection.Parameter(k,
            v, false)));
        return out;
    }

    private static ConnectionConfig connection(final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "description", "basic", "apiKey", "oauth",
            "headerParameters", "queryStringParameters"));
        final List<String> kinds = new ArrayList<>();
        for (String kind : List.of("basic", "apiKey", "oauth")) {
            if (node.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            throw new ConfigError(field, "exactly one of basic, apiKey and oauth is required, got " + kinds);
        }
        final String kind = kinds.get(0);
        final JsonNode auth = node.get(kind);
        final String at = field + "." + kind;
        requireObject(auth, at);
        try {
            final dev.eventrouter.persist.apidest.Connection.Authorization authorization = switch (kind) {
                case "basic" -> {
                    allowOnly(auth, at + ".", Set.of("username", "password"));
                    yield new dev.eventrouter.persist.apidest.Connection.Basic(text(auth.get("username"),
                        at + ".username"), text(auth.get("password"), at + ".password"));
                }
                case "apiKey" -> {
                    allowOnly(auth, at + ".", Set.of("name", "value"));
                    yield new dev.eventrouter.persist.apidest.Connection.ApiKey(text(auth.get("name"), at + ".name"),
                        text(auth.get("value"), at + ".value"));
                }
                default -> {
                    allowOnly(auth, at + ".", Set.of("authorizationEndpoint", "httpMethod", "clientId",
                        "clientSecret", "headerParameters", "queryStringParameters", "bodyParameters"));
                    yield new dev.eventrouter.persist.apidest.Connection.OAuth(
                        text(auth.get("authorizationEndpoint"), at + ".authorizationEndpoint"),
                        text(auth.get("httpMethod"), at + ".httpMethod"), text(auth.get("clientId"), at + ".clientId"),
                        text(auth.get("clientSecret"), at + ".clientSecret"),
                        new dev.eventrouter.persist.apidest.Connection.OAuthParameters(
                            parameters(auth.get("headerParameters"), at + ".headerParameters"),
                            parameters(auth.get("queryStringParameters"), at + ".queryStringParameters"),
                            parameters(auth.get("bodyParameters"), at + ".bodyParameters")));
                }
            };
            return new ConnectionConfig(field, text(node.get("name"), field + ".name"),
                optionalText(node, field + ".", "description", null), authorization,
                new dev.eventrouter.persist.apidest.Connection.InvocationParameters(
                    parameters(node.get("headerParameters"), field + ".headerParameters"),
                    parameters(node.get("queryStringParameters"), field + ".queryStringParameters")));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field, e.getMessage());
        }
    }

    private static ApiDestinationConfig apiDestination(final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("name", "description", "connection", "invocationEndpoint", "httpMethod",
            "invocationRateLimitPerSecond"));
        return new ApiDestinationConfig(field, text(node.get("name"), field + ".name"),
            optionalText(node, field + ".", "description", null), text(node.get("connection"), field + ".connection"),
            text(node.get("invocationEndpoint"), field + ".invocationEndpoint"),
            text(node.get("httpMethod"), field + ".httpMethod"), node.has("invocationRateLimitPerSecond")
                ? integer(node, "invocationRateLimitPerSecond", field, 0) : null);
    }

    private static TargetInput input(final JsonNode node, final String field) {
        final List<String> given = new ArrayList<>();
        for (String name : List.of("input", "inputPath", "inputTransformer")) {
            if (node.has(name)) {
                given.add(name);
            }
        }
        if (given.size() > 1) {
            throw new ConfigError(field, "only one of input, inputPath and inputTransformer may be given, got "
                + given);
        }
        if (given.isEmpty()) {
            return TargetInput.wholeEvent();
        }
        final String name = given.get(0);
        final JsonNode value = node.get(name);
        try {
            return switch (name) {
                case "input" -> TargetInput.constant(value.isTextual() ? value.asText() : value.toString());
                case "inputPath" -> TargetInput.path(text(value, field + ".inputPath"));
                default -> transformer(value, field + ".inputTransformer");
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigError(field + "." + fieldOf(name, e.getMessage()), stripField(e.getMessage()));
        }
    }

    private static TargetInput transformer(final JsonNode node, final String field) {
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("inputPathsMap", "inputTemplate"));
        final Map<String, String> paths = new LinkedHashMap<>();
        final JsonNode map = node.get("inputPathsMap");
        if (map != null) {
            requireObject(map, field + ".inputPathsMap");
            final Iterator<Map.Entry<String, JsonNode>> fields = map.fields();
            while (fields.hasNext()) {
                final Map.Entry<String, JsonNode> entry = fields.next();
                paths.put(entry.getKey(), text(entry.getValue(), field + ".inputPathsMap." + entry.getKey()));
            }
        }
        return TargetInput.transformer(paths, text(node.get("inputTemplate"), field + ".inputTemplate"));
    }

    /** Maps a message's leading field ({@code InputTemplate: ...}) to the config's camel-case spelling. */
    private static String fieldOf(final String option, final String message) {
        if (message.startsWith("InputTemplate")) {
            return "inputTransformer.inputTemplate";
        }
        if (message.startsWith("InputPathsMap")) {
            final int colon = message.indexOf(':');
            return "inputTransformer.inputPathsMap" + message.substring("InputPathsMap".length(), colon);
        }
        return option;
    }

    private static String stripField(final String message) {
        final int colon = message.indexOf(": ");
        return colon < 0 ? message : message.substring(colon + 2);
    }

    private static RetryPolicy retryPolicy(final JsonNode node, final String field) {
        if (node == null) {
            return RetryPolicy.DEFAULT;
        }
        requireObject(node, field);
        allowOnly(node, field + ".", Set.of("maximumRetryAttempts", "maximumEventAgeInSeconds"));
        try {
            return new RetryPolicy(integer(node, "maximumRetryAttempts", field, 185),
                integer(node, "maximumEventAgeInSeconds", field, 86_400));
        } catch (IllegalArgumentException e) {
            final String name = e.getMessage().startsWith("RetryPolicy.MaximumRetryAttempts")
                ? "maximumRetryAttempts" : "maximumEventAgeInSeconds";
            throw new ConfigError(field + "." + name, stripField(e.getMessage()));
        }
    }

    private static int integer(final JsonNode node, final String name, final String field, final int otherwise) {
        final JsonNode value = node.get(name);
        if (value == null) {
            return otherwise;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new ConfigError(field + "." + name, "must be an integer");
        }
        return value.intValue();
    }

    private static void allowOnly(final JsonNode node, final String prefix, final Set<String> allowed) {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            final String name = names.next();
            if (!allowed.contains(name)) {
                throw new ConfigError(prefix + name, "unknown field (expected one of " + new java.util.TreeSet<>(
                    allowed) + ")");
            }
        }
    }

    private static String text(final JsonNode node, final String field) {
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new ConfigError(field, "required: a non-empty string");
        }
        return node.asText();
    }

    private static String optionalText(final JsonNode parent, final String prefix, final String name,
                                       final String otherwise) {
        final JsonNode node = parent.get(name);
        return node == null ? otherwise : text(node, prefix + name);
    }

    private static void requireArray(final JsonNode node, final String field) {
        if (!node.isArray()) {
            throw new ConfigError(field, "must be an array");
        }
    }

    private static void requireObject(final JsonNode node, final String field) {
        if (node == null || !node.isObject()) {
            throw new ConfigError(field, "must be an object");
        }
    }
}
