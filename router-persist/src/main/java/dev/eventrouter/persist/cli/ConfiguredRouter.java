package dev.eventrouter.persist.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Caller;
import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.PutRulesException;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.persist.archive.ArchiveSpec;
import dev.eventrouter.persist.apidest.ApiDestinations;
import dev.eventrouter.persist.archive.ArchiveStage;
import dev.eventrouter.persist.kafka.DistributedBus;
import dev.eventrouter.persist.kafka.KafkaTarget;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.Target;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link Router} built from a {@link RouterConfigFile.Config}: stdout and NDJSON-file targets, bus targets, and a
 * dead-letter file. Owns the files it writes; {@link #close} drains the router and flushes them.
 */
final class ConfiguredRouter implements AutoCloseable {
    private final Router router;
    private final RouterConfigFile.Config config;
    private final PrintWriter stdout;
    private final Map<Path, OutputStream> files = new LinkedHashMap<>();
    /** Kafka producers of targets, one per distinct config (targets naming the same topic and settings share it). */
    private final Map<KafkaTarget.Config, KafkaTarget> kafkaTargets = new LinkedHashMap<>();
    /** PutTargets-shaped targets ({@code router serve}'s, and those a distributed bus's control topic carries). */
    private final dev.eventrouter.persist.serve.AwsTargets awsTargets = new dev.eventrouter.persist.serve.AwsTargets();
    /** The config's distributed buses, by ARN. */
    private final Map<String, DistributedBus> distributed = new LinkedHashMap<>();
    /** The directory relative paths of targets are resolved against. */
    private Path base;
    private final OutputStream deadLetters;
    private final PrintWriter err;
    private ArchiveStage archiveStage;
    /** The connections and API destinations of the config (and of {@code router serve}'s HTTP API). */
    private ApiDestinations apiDestinations;

    private ConfiguredRouter(final RouterConfigFile.Config config, final PrintWriter stdout, final PrintWriter err,
                             final Router router, final OutputStream deadLetters) {
        this.config = config;
        this.stdout = stdout;
        this.err = err;
        this.router = router;
        this.deadLetters = deadLetters;
        if (deadLetters != null) {
            files.put(config.deadLetterFile(), deadLetters);   // a target naming the same file shares the stream
        }
    }

    static ConfiguredRouter start(final Path file, final RouterConfigFile.Config config, final PrintWriter stdout,
                                  final PrintWriter err) {
        return start(file, config, stdout, err, Duration.ofMinutes(1), false);
    }

    /** @param publishTimeout how long a publisher waits on a full router ({@code router serve}: zero, throttle). */
    static ConfiguredRouter start(final Path file, final RouterConfigFile.Config config, final PrintWriter stdout,
                                  final PrintWriter err, final Duration publishTimeout,
                                  final boolean archiveStage) {
        return start(file, config, stdout, err, publishTimeout, archiveStage, Map.of());
    }

    /**
     * @param bindTargets ARNs whose PutTargets-shaped targets append to a file ({@code router serve --bind-target}),
     *                    bound before distributed buses join (their control topics may name them).
     */
    static ConfiguredRouter start(final Path file, final RouterConfigFile.Config config, final PrintWriter stdout,
                                  final PrintWriter err, final Duration publishTimeout,
                                  final boolean archiveStage, final Map<String, Path> bindTargets) {
        final RouterContext context = new RouterContext().publishTimeout(publishTimeout);
        if (config.eventBuses().stream().anyMatch(b -> b.distributed() != null)) {
            context.trackEnds(true);   // a distributed bus's node commits only what has ended
        }
        if (config.account() != null) {
            context.account(config.account());
        }
        if (config.region() != null) {
            context.region(config.region());
        }
        try {
            context.conclude();
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage().replaceFirst("=[^:]*:", ":"));
        }
        final ArchiveStage archives = new ArchiveStage();
        if (archiveStage || !config.archives().isEmpty()) {
            context.addStage(archives);
        }
        final OutputStream deadLetters = config.deadLetterFile() == null ? null
            : open(config.deadLetterFile(), false, "deadLetterFile", err);
        final ConfiguredRouter[] self = new ConfiguredRouter[1];
        context.defaultDeadLetter(letter -> self[0].deadLetter(letter));
        self[0] = new ConfiguredRouter(config, stdout, err, Router.start(context), deadLetters);
        self[0].archiveStage = archives;
        self[0].base = file.toAbsolutePath().getParent();
        try {
            final EventBus defaultBus = self[0].router.eventBus(null);
            self[0].apiDestinations = ApiDestinations.start(new ApiDestinations.Context()
                .account(defaultBus.account()).region(defaultBus.region()));
            self[0].awsTargets.apiDestinations(self[0].apiDestinations);
            bindTargets.forEach((arn, path) -> self[0].awsTargets.bind(arn, self[0].appendTo(path,
                "--bind-target " + arn)));
            for (RouterConfigFile.KafkaTopicConfig topic : config.kafkaTopics()) {
                if (bindTargets.containsKey(topic.arn())) {
                    throw new UserError(file + ": " + topic.field() + ".arn: " + topic.arn() + " is also given to "
                        + "--bind-target");
                }
                // the producer opens when a target first names the topic (a shared one per topic config)
                self[0].awsTargets.bindTargets(topic.arn(), id -> self[0].kafkaTopic(topic, id));
            }
            self[0].applyApiDestinations(file);
            self[0].apply(file);
            self[0].applyArchives(file, archives);
        } catch (RuntimeException e) {
            self[0].close(Duration.ofSeconds(5));
            throw e;
        }
        return self[0];
    }

    private void apply(final Path file) {
        try {
            router.organizations(config.organizations());
        } catch (UserError e) {
            throw new UserError(file + ": " + e.getMessage());
        }
        for (RouterConfigFile.BusConfig bus : config.eventBuses()) {
            try {
                final EventBus created = bus.distributed() != null ? join(file, bus)
                    : router.createEventBus(bus.nameOrArn());
                if (bus.policy() != null) {
                    router.putPolicy(created.arn(), bus.policy().json());
                }
                if (!bus.tags().isEmpty()) {
                    router.tagResource(created.arn(), bus.tags());
                }
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + bus.field() + ": " + e.getMessage());
            }
        }
        // the rules of each creator in one putRules call: each bus compiles once, however many rules the file has
        final Map<Principal, List<RouterConfigFile.RuleConfig>> byCreator = new LinkedHashMap<>();
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            final DistributedBus on = distributedOf(rule);
            if (on == null) {
                byCreator.computeIfAbsent(rule.createdBy(), k -> new ArrayList<>()).add(rule);
            } else {
                applyDistributed(file, rule, on);
            }
        }
        for (Map.Entry<Principal, List<RouterConfigFile.RuleConfig>> group : byCreator.entrySet()) {
            final List<Rule> declared = new ArrayList<>(group.getValue().size());
            for (RouterConfigFile.RuleConfig rule : group.getValue()) {
                declared.add(new Rule(rule.name(), rule.eventBus(), rule.eventPattern(), rule.state(),
                    rule.description(), null, rule.scheduleExpression()));
            }
            try {
                if (group.getKey() == null) {
                    router.putRules(declared);
                } else {
                    router.as(group.getKey()).putRules(declared);
                }
            } catch (PutRulesException e) {
                final RouterConfigFile.RuleConfig rule = group.getValue().get(e.index());
                throw new UserError(file + ": " + rule.field() + (e.getCause() instanceof InvalidPatternException
                    ? ".eventPattern" : "") + ": " + e.getCause().getMessage());
            }
        }
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            if (distributedOf(rule) != null) {
                continue;   // put with its rule, through the bus's control topic
            }
            final Caller caller = rule.createdBy() == null ? null : router.as(rule.createdBy());
            for (RouterConfigFile.TargetConfig target : rule.targets()) {
                try {
                    if (caller == null) {
                        router.putTargets(rule.eventBus(), rule.name(), List.of(target(target)));
                    } else {
                        caller.putTargets(rule.eventBus(), rule.name(), List.of(target(target)));
                    }
                } catch (IllegalArgumentException | AccessDeniedException e) {
                    throw new UserError(file + ": " + target.field() + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * Joins a distributed bus of the config (creating its topics when missing): it reads the bus's control topic to
     * its end, rebuilding the rules and targets other nodes put, then takes its share of the events topic.
     */
    private EventBus join(final Path file, final RouterConfigFile.BusConfig bus) {
        final DistributedBus joined;
        try {
            joined = DistributedBus.join(router, bus.distributed(), new NodeTargets());
        } catch (IllegalStateException e) {
            throw new UserError(file + ": " + bus.field() + ".distributed: cannot join: " + e.getMessage());
        }
        distributed.put(joined.localBus().arn(), joined);
        if (joined.applyErrors() > 0) {
            err.println("router: " + bus.field() + ": " + joined.applyErrors() + " rule records of "
                + bus.distributed().controlTopic() + " could not be applied on this node; the last: "
                + joined.lastApplyError());
            err.flush();
        }
        return joined.localBus();
    }

    /**
     * Puts a config rule on a distributed bus: on this node as the config says (its creator's authorization), then
     * through the control topic on every node. Only what differs from the topic is appended (a restarted node with
     * the same config appends nothing); targets put over HTTP stay.
     */
    private void applyDistributed(final Path file, final RouterConfigFile.RuleConfig rule, final DistributedBus bus) {
        final Caller caller = rule.createdBy() == null ? null : router.as(rule.createdBy());
        try {
            bus.changeRule(rule.name(), () -> {
                final Rule declared = new Rule(rule.name(), rule.eventBus(), rule.eventPattern(), rule.state(),
                    rule.description(), null, rule.scheduleExpression());
                if (caller == null) {
                    router.putRule(declared);
                } else {
                    caller.putRule(declared);
                }
                final List<Target> targets = new ArrayList<>();
                for (RouterConfigFile.TargetConfig target : rule.targets()) {
                    try {
                        targets.add(target(target));
                    } catch (IllegalArgumentException e) {
                        throw new UserError(file + ": " + target.field() + ": " + e.getMessage());
                    }
                }
                if (!targets.isEmpty()) {
                    if (caller == null) {
                        router.putTargets(rule.eventBus(), rule.name(), targets);
                    } else {
                        caller.putTargets(rule.eventBus(), rule.name(), targets);
                    }
                }
                return null;
            });
        } catch (InvalidPatternException e) {
            throw new UserError(file + ": " + rule.field() + ".eventPattern: " + e.getMessage());
        } catch (IllegalArgumentException | AccessDeniedException | IllegalStateException e) {
            throw new UserError(file + ": " + rule.field() + ": " + e.getMessage());
        }
    }

    /** @return the distributed bus of a config rule, or {@code null} (also when its bus does not exist). */
    private DistributedBus distributedOf(final RouterConfigFile.RuleConfig rule) {
        if (distributed.isEmpty()) {
            return null;
        }
        try {
            return distributedOf(busOf(rule));
        } catch (RuntimeException e) {
            return null;   // putRules names the missing bus and the field
        }
    }

    /** @return the distributed bus a local bus stands for, or {@code null}. */
    DistributedBus distributedOf(final EventBus bus) {
        return bus == null ? null : distributed.get(bus.arn());
    }

    /** @return the config's distributed buses. */
    java.util.Collection<DistributedBus> distributedBuses() {
        return java.util.Collections.unmodifiableCollection(distributed.values());
    }

    /** @return whether the config declares distributed buses. */
    boolean hasDistributedBuses() {
        return !distributed.isEmpty();
    }

    /** @return the PutTargets-shaped targets' maker ({@code router serve} shares it). */
    dev.eventrouter.persist.serve.AwsTargets awsTargets() {
        return awsTargets;
    }

    /**
     * The targets of this node's distributed buses: the config's target shape ({@code "type"}: stdout, file, bus,
     * apiDestination, kafka, with input shaping, retry policy and dead-letter file; relative paths against this
     * node's config directory) and PutTargets' shape ({@code "Arn"}: what {@code router serve} was given).
     */
    private final class NodeTargets implements dev.eventrouter.persist.kafka.TargetCodec {
        @Override
        public Target decode(final com.fasterxml.jackson.databind.JsonNode spec) {
            if (spec.has("Arn")) {
                return awsTargets.decode(spec);
            }
            return target(RouterConfigFile.targetSpec(spec, "target " + spec.path("id").asText(), base));
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode encode(final Target target) {
            final com.fasterxml.jackson.databind.JsonNode spec = configSpecs.get(target);
            return spec != null ? spec : awsTargets.encode(target);
        }
    }

    /** @return the archive stage (on the ring when the config has archives, or when asked for at start). */
    ArchiveStage archives() {
        return archiveStage;
    }

    /** @return the router's default account (the owner of unsigned requests). */
    String account() {
        return router.eventBus(null).account();
    }

    /** @return the router as this principal, for publishing a source's events. */
    Caller as(final Principal principal) {
        return router.as(principal);
    }

    private void applyArchives(final Path file, final ArchiveStage archives) {
        for (RouterConfigFile.ArchiveConfig archive : config.archives()) {
            DistributedBus on = null;
            try {
                on = distributedOf(router.eventBus(archive.eventBus()));
            } catch (RuntimeException e) {
                // a missing bus: the archive's creation names it
            }
            if (on != null) {
                throw new UserError(file + ": " + archive.field() + ": bus " + on.localBus().name() + " is "
                    + "distributed: its archives are views of its events topic, made with CreateArchive (router "
                    + "serve) or DistributedBus.createArchive, not files of one node");
            }
            try {
                archives.create(router, new ArchiveSpec(archive.name(), archive.eventBus(), archive.eventPattern(),
                    archive.retentionDays(), archive.dir()));
            } catch (InvalidPatternException e) {
                throw new UserError(file + ": " + archive.field() + ".eventPattern: " + e.getMessage());
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new UserError(file + ": " + archive.field() + ": " + e.getMessage());
            }
        }
    }

    private void applyApiDestinations(final Path file) {
        for (RouterConfigFile.ConnectionConfig c : config.connections()) {
            try {
                apiDestinations.createConnection(c.name(), c.description(), c.authorization(), c.invocation());
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + c.field() + ": " + e.getMessage());
            }
        }
        for (RouterConfigFile.ApiDestinationConfig d : config.apiDestinations()) {
            try {
                apiDestinations.createApiDestination(d.name(), d.description(), d.connection(), d.endpoint(),
                    d.httpMethod(), d.rateLimitPerSecond());
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + d.field() + ": " + e.getMessage());
            }
        }
    }

    /** @return the connections and API destinations (declared in the config, and those made over HTTP). */
    ApiDestinations apiDestinations() {
        return apiDestinations;
    }

    private Target target(final RouterConfigFile.TargetConfig config) {
        final Target target = switch (config.type()) {
            case "stdout" -> Target.handler(config.id(), toStdout());
            case "file" -> Target.handler(config.id(), toFile(config));
            case "apiDestination" -> apiDestinations.target(config.id(), config.apiDestination(),
                config.httpParameters());
            case "kafka" -> kafka(config).target(config.id());
            default -> Target.bus(config.id(), config.eventBus());
        };
        final Target shaped = target.withInput(config.input()).withRetryPolicy(config.retryPolicy());
        if (config.deadLetterFile() == null) {
            remember(shaped, config);
            return shaped;
        }
        final OutputStream out = files.computeIfAbsent(config.deadLetterFile(),
            path -> open(path, false, config.field() + ".deadLetterFile", err));
        final Target withDeadLetter = shaped.withDeadLetter(letter -> deadLetter(letter, out));
        remember(withDeadLetter, config);
        return withDeadLetter;
    }

    /** Config targets put on this node, with their spec: what a distributed bus's control topic carries. */
    private final Map<Target, com.fasterxml.jackson.databind.JsonNode> configSpecs =
        java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private void remember(final Target target, final RouterConfigFile.TargetConfig config) {
        if (config.spec() != null) {
            configSpecs.put(target, config.spec());
        }
    }

    /** @return a target producing to a config's {@code kafkaTopics} topic (PutTargets naming its ARN). */
    private Target kafkaTopic(final RouterConfigFile.KafkaTopicConfig topic, final String id) {
        synchronized (kafkaTargets) {
            try {
                return kafkaTargets.computeIfAbsent(topic.kafka(), KafkaTarget::open).target(id).withArn(topic.arn());
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("target " + id + ": " + topic.arn() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Opens the target's producer (closed after the router, so what it still sends is flushed). */
    private KafkaTarget kafka(final RouterConfigFile.TargetConfig config) {
        synchronized (kafkaTargets) {
            try {
                return kafkaTargets.computeIfAbsent(config.kafka(), KafkaTarget::open);
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new IllegalArgumentException("kafka: " + e.getMessage(), e);
            }
        }
    }

    private EventHandler toStdout() {
        return delivery -> {
            synchronized (stdout) {
                stdout.println(delivery.payloadAsString());
            }
        };
    }

    private EventHandler toFile(final RouterConfigFile.TargetConfig target) {
        return ndjson(files.computeIfAbsent(target.path(),
            path -> open(path, target.truncate(), target.field() + ".path", err)));
    }

    /**
     * @param field names the file's origin in errors (a command-line option).
     * @return a handler appending each delivered payload to {@code path} as one NDJSON line; the file is this
     *         router's (shared with config targets writing the same path, flushed and closed by {@link #close}).
     */
    EventHandler appendTo(final Path path, final String field) {
        return ndjson(files.computeIfAbsent(path, p -> open(p, false, field, err)));
    }

    private static EventHandler ndjson(final OutputStream out) {
        return delivery -> {
            final byte[] line = delivery.payloadCopy();
            synchronized (out) {
                out.write(line);
                out.write('\n');
            }
        };
    }

    /**
     * Opens an NDJSON output: appended to (a partial last line left by a crash is cut off first, and said on
     * stderr), or emptied when the config asks.
     */
    private static OutputStream open(final Path path, final boolean truncate, final String field,
                                     final PrintWriter err) {
        return NdjsonAppender.open(path, truncate, field, err, "");
    }

    private void deadLetter(final DeadLetter letter) throws IOException {
        deadLetter(letter, deadLetters);
    }

    /** Writes a dead letter as one NDJSON line to {@code out}, or to stderr when {@code out} is null. */
    private void deadLetter(final DeadLetter letter, final OutputStream out) throws IOException {
        final StringBuilder line = new StringBuilder(256).append("{\"ruleArn\":").append(quote(letter.ruleArn()))
            .append(",\"targetArn\":").append(quote(letter.targetArn()))
            .append(",\"errorCode\":").append(quote(letter.errorCode()))
            .append(",\"errorMessage\":").append(quote(letter.errorMessage()))
            .append(",\"retryAttempts\":").append(letter.retryAttempts())
            .append(",\"exhaustedRetryCondition\":").append(quote(letter.exhaustedRetryCondition()))
            .append(",\"event\":").append(new String(letter.event(), StandardCharsets.UTF_8)).append('}');
        if (out != null) {
            final byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (out) {
                out.write(bytes);
            }
        } else {
            synchronized (err) {
                err.println("dead letter: " + line);
            }
        }
    }

    private static String quote(final String text) {
        return text == null ? "null" : "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    Router router() {
        return router;
    }

    EventBus bus(final String name) {
        return router.eventBus(name);
    }

    /**
     * Leaves the distributed buses (their nodes commit what has ended; the rest is delivered again by the other
     * nodes), drains the router, flushes and closes every file.
     */
    CloseReport close(final Duration timeout) {
        for (DistributedBus bus : distributed.values()) {
            try {
                bus.close();
            } catch (RuntimeException e) {
                err.println("router: leaving distributed bus " + bus.localBus().name() + ": " + e);
            }
        }
        final CloseReport report = router.close(timeout);
        if (apiDestinations != null) {
            apiDestinations.close();   // after the router: calls still out were reported by its close
        }
        for (KafkaTarget kafka : kafkaTargets.values()) {
            kafka.close();   // after the router: its sends have completed or were reported by its close
        }
        stdout.flush();
        try {
            for (OutputStream out : files.values()) {
                out.close();   // the config's deadLetterFile among them
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return report;
    }

    @Override
    public void close() {
        close(Duration.ofMinutes(1));
    }

    /** @return deliveries that ended dead-lettered or dropped, over every configured target. */
    long failedDeliveries() {
        long failed = 0;
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            for (RouterConfigFile.TargetConfig target : rule.targets()) {
                final var metrics = router.targetMetrics(busOf(rule).arn(), rule.name(), target.id());
                failed += metrics.deadLettered() + metrics.dropped() + metrics.deadLetterFailed();
            }
        }
        return failed;
    }

    /** @return the rule's bus: a rule put by another account names its bus in that account. */
    private EventBus busOf(final RouterConfigFile.RuleConfig rule) {
        return rule.createdBy() == null ? router.eventBus(rule.eventBus())
            : router.as(rule.createdBy()).eventBus(rule.eventBus());
    }

    /** Prints counters per bus, rule and target. */
    void printSummary(final PrintWriter out) {
        out.printf(Locale.ROOT, "%-24s %12s %12s %12s%n", "bus", "published", "matched", "unmatched");
        for (EventBus bus : router.eventBuses()) {
            out.printf(Locale.ROOT, "%-24s %,12d %,12d %,12d%n", bus.name(), bus.metrics().published(),
                bus.metrics().matched(), bus.metrics().unmatched());
        }
        out.printf(Locale.ROOT, "%n%-24s %-16s %12s%n", "rule", "bus", "matched");
        final List<String[]> targets = new ArrayList<>();
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            final EventBus bus = busOf(rule);
            out.printf(Locale.ROOT, "%-24s %-16s %,12d%n", rule.name(), bus.name(),
                router.ruleMetrics(bus.arn(), rule.name()).matched());
            rule.targets().forEach(t -> targets.add(new String[] {bus.arn(), rule.name(), t.id()}));
        }
        out.printf(Locale.ROOT, "%n%-24s %-24s %12s %8s %8s %8s %8s%n", "target", "rule", "delivered", "failed",
            "retried", "dead", "dropped");
        for (String[] t : targets) {
            final var metrics = router.targetMetrics(t[0], t[1], t[2]);
            out.printf(Locale.ROOT, "%-24s %-24s %,12d %,8d %,8d %,8d %,8d%n", t[2], t[1], metrics.delivered(),
                metrics.failed(), metrics.retried(), metrics.deadLettered(), metrics.dropped());
        }
        out.flush();
    }
}
