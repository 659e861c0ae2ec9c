package dev.eventrouter.persist.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.InvalidPolicyException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Caller;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.NoSuchResourceException;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.ResourceExistsException;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetInput;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * EventBridge's operations over the AWS JSON 1.1 protocol: one JSON request body in, one JSON answer out, or an
 * {@link ApiException} with AWS's error code. Every call runs as the principal the request was signed by. Member
 * names, shapes and validation messages follow the EventBridge API reference. Thread-safe.
 */
final class EventsApi {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LIMIT = 100;

    private final Router router;
    private final Map<String, Function<Call, JsonNode>> operations = new LinkedHashMap<>();
    private static final byte[] EMPTY_OBJECT = {'{', '}'};
    private volatile java.util.function.BiFunction<Caller, String, EventBus> archivedBus = (caller, bus) -> null;
    private final AwsTargets targets;
    /** The distributed bus a local bus stands for, or {@code null} (set when a config declares some). */
    private volatile Function<EventBus, dev.eventrouter.persist.kafka.DistributedBus> distributed = bus -> null;
    private volatile java.util.function.Supplier<java.util.Collection<dev.eventrouter.persist.kafka.DistributedBus>>
        allDistributed = java.util.List::of;
    private final Map<Principal, Caller> callers = new ConcurrentHashMap<>();

    /** An accepted PutEvents entry (its index in {@code Entries}) whose bus has an archive. */
    record ArchivedEntry(int index, EventBus bus) {
    }

    /** One request: the caller and its body. */
    record Call(Caller caller, JsonNode body) {
        String text(final String member) {
            final JsonNode v = body.get(member);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw ApiException.validation("Member " + member + " must be a string");
            }
            return v.asText();
        }

        String required(final String member) {
            final String v = text(member);
            if (v == null) {
                throw ApiException.validation("1 validation error detected: Value null at '" + lowerFirst(member)
                    + "' failed to satisfy constraint: Member must not be null");
            }
            return v;
        }
    }

    EventsApi(final Router router, final AwsTargets targets) {
        this.router = router;
        this.targets = targets;
        // PutEvents is not in the map: it is read from the request's bytes, not a tree (putEvents(Principal, ...))
        operations.put("CreateEventBus", this::createEventBus);
        operations.put("DeleteEventBus", this::deleteEventBus);
        operations.put("DescribeEventBus", this::describeEventBus);
        operations.put("ListEventBuses", this::listEventBuses);
        operations.put("PutRule", this::putRule);
        operations.put("DescribeRule", this::describeRule);
        operations.put("ListRules", this::listRules);
        operations.put("DeleteRule", this::deleteRule);
        operations.put("EnableRule", c -> setState(c, true));
        operations.put("DisableRule", c -> setState(c, false));
        operations.put("ListRuleNamesByTarget", this::listRuleNamesByTarget);
        operations.put("PutTargets", this::putTargets);
        operations.put("RemoveTargets", this::removeTargets);
        operations.put("ListTargetsByRule", this::listTargetsByRule);
        operations.put("TestEventPattern", this::testEventPattern);
        operations.put("PutPermission", this::putPermission);
        operations.put("RemovePermission", this::removePermission);
        operations.put("TagResource", this::tagResource);
        operations.put("UntagResource", this::untagResource);
        operations.put("ListTagsForResource", this::listTagsForResource);
    }

    /**
     * One {@link Caller} per principal, kept: a caller caches its resolved principal (organization and tags) and
     * its bus names, and PutEvents' decision memo is keyed by that resolved principal's identity, so a caller made
     * per request would resolve again and miss the memo on every request. Principals come from the credentials file
     * (plus the one of unsigned requests), so the map is bounded by it.
     */
    private Caller callerOf(final Principal principal) {
        final Caller cached = callers.get(principal);
        return cached != null ? cached : callers.computeIfAbsent(principal, router::as);
    }

    /**
     * @param archived given the caller and an entry's EventBusName (name, ARN or {@code null} for the default bus),
     *                 that bus when it has an archive, else {@code null}; set when archives are served.
     */
    void archivedBuses(final java.util.function.BiFunction<Caller, String, EventBus> archived) {
        archivedBus = archived;
    }

    /** Serves one more operation (archives and replays register theirs). */
    void register(final String operation, final Function<Call, JsonNode> handler) {
        operations.put(operation, handler);
    }

    /** @return the router served. */
    Router router() {
        return router;
    }

    /** Lets PutTargets name API destinations by ARN (their targets call the destination's endpoint). */
    void apiDestinations(final dev.eventrouter.persist.apidest.ApiDestinations value) {
        targets.apiDestinations(value);
    }

    /** Lets targets whose ARN is {@code arn} (a queue, a function...) deliver to an in-process handler. */
    void bindTarget(final String arn, final EventHandler handler) {
        targets.bind(arn, handler);
    }

    /**
     * Serves distributed buses: rule calls on a bus {@code lookup} maps to a distributed bus run through its
     * {@link dev.eventrouter.persist.kafka.DistributedBus#changeRule} (every node gets them), and rule reads first
     * read its control topic to the end.
     */
    void distributedBuses(final Function<EventBus, dev.eventrouter.persist.kafka.DistributedBus> lookup,
                          final java.util.function.Supplier<java.util.Collection<dev.eventrouter.persist.kafka
                              .DistributedBus>> all) {
        distributed = lookup;
        allDistributed = all;
    }

    /** @return the distributed buses served (archives and replays look through them). */
    java.util.Collection<dev.eventrouter.persist.kafka.DistributedBus> distributedBuses() {
        return allDistributed.get();
    }

    /** @return the distributed bus a name or ARN names for this caller, or {@code null}. */
    dev.eventrouter.persist.kafka.DistributedBus distributedOf(final Call call, final String bus) {
        return distributedBus(call, bus);
    }

    /** @return the distributed bus behind the named bus (name or ARN, as the caller sees it), or {@code null}. */
    private dev.eventrouter.persist.kafka.DistributedBus distributedBus(final Call call, final String bus) {
        try {
            return distributed.apply(call.caller().eventBus(bus));
        } catch (RuntimeException e) {
            return null;   // no such bus: the call itself says so
        }
    }

    /** Runs a rule call: on a distributed bus through its control topic, else on the local bus. */
    private <T> T ruleCall(final Call call, final String bus, final String rule,
                           final java.util.function.Supplier<T> change) {
        final dev.eventrouter.persist.kafka.DistributedBus d = distributedBus(call, bus);
        return d == null ? change.get() : d.changeRule(rule, change);
    }

    /** Before a rule read on a distributed bus: reads its control topic to the end (read-your-writes). */
    private void ruleRead(final Call call, final String bus) {
        final dev.eventrouter.persist.kafka.DistributedBus d = distributedBus(call, bus);
        if (d != null) {
            d.sync();
        }
    }

    /** @return whether the operation is served. */
    boolean knows(final String operation) {
        return operation.equals("PutEvents") || operations.containsKey(operation);
    }

    /**
     * @param operation the {@code X-Amz-Target} operation name, any but PutEvents (read from the request's bytes and
     *                  answered without a tree: {@link #putEvents(Principal, byte[], List)}, {@link #answerBytes}).
     * @throws ApiException with AWS's code and message.
     */
    JsonNode handle(final String operation, final Principal principal, final byte[] body) {
        final Function<Call, JsonNode> op = operations.get(operation);
        if (op == null) {
            throw new ApiException("UnknownOperationException", "Unknown operation " + operation);
        }
        final JsonNode parsed;
        try {
            parsed = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new ApiException("SerializationException", "the request body is not JSON: "
                + e.getMessage().split("\n")[0]);
        }
        if (parsed == null || !parsed.isObject()) {
            throw new ApiException("SerializationException", "the request body must be a JSON object");
        }
        return invoke(() -> op.apply(new Call(callerOf(principal), parsed)));
    }

    /** Runs an operation, mapping the router's exceptions to AWS's error codes. */
    private static <T> T invoke(final java.util.function.Supplier<T> operation) {
        try {
            return operation.get();
        } catch (AccessDeniedException e) {
            throw new ApiException("AccessDeniedException", e.getMessage());
        } catch (InvalidPatternException e) {
            throw new ApiException("InvalidEventPatternException", "Event pattern is not valid. Reason: "
                + e.getMessage());
        } catch (InvalidPolicyException e) {
            throw new ApiException(e.errorCode(), e.getMessage());
        } catch (ApiException e) {
            throw e;
        } catch (NoSuchResourceException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (ResourceExistsException e) {
            throw new ApiException("ResourceAlreadyExistsException", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (IllegalStateException e) {
            throw new ApiException("InternalException", e.getMessage(), 500);
        }
    }

    private static String lowerFirst(final String member) {
        return Character.toLowerCase(member.charAt(0)) + member.substring(1);
    }

    // ---- PutEvents -----------------------------------------------------------------------------------------

    /**
     * Reads PutEvents' entries straight from the request's tokens (no tree: the most frequent request does not
     * build one), with AWS's validation messages for a missing, empty or oversized Entries.
     */
    static List<PutEventsEntry> entries(final com.fasterxml.jackson.core.JsonParser parser)
        throws java.io.IOException {
        return request(parser).entries();
    }

    /**
     * A PutEvents request: its entries, the {@code EndpointId} (global endpoints) or {@code null}, and the Region of
     * the router that forwarded it ({@link dev.eventrouter.persist.global.GlobalEndpoints#FORWARDED_FROM}) or
     * {@code null}.
     */
    record PutEventsRequest(List<PutEventsEntry> entries, String endpointId, String forwardedFrom) {
    }

    static PutEventsRequest request(final com.fasterxml.jackson.core.JsonParser parser) throws java.io.IOException {
        if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
            throw new ApiException("SerializationException", "the request body must be a JSON object");
        }
        List<PutEventsEntry> list = null;
        String endpointId = null;
        String forwardedFrom = null;
        while (parser.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            final com.fasterxml.jackson.core.JsonToken value = parser.nextToken();
            if (field.equals("EndpointId") && value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                endpointId = parser.getText();
            } else if (field.equals(dev.eventrouter.persist.global.GlobalEndpoints.FORWARDED_FROM)
                && value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                forwardedFrom = parser.getText();
            } else if (field.equals("Entries") && value == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                list = new ArrayList<>();
                while (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                    if (parser.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                        throw new ApiException("SerializationException", "Entries[" + list.size()
                            + "] must be an object");
                    }
                    list.add(entry(parser, list.size()));
                }
            } else {
                parser.skipChildren();
            }
        }
        if (list == null) {
            throw ApiException.validation("1 validation error detected: Value null at 'entries' failed to satisfy "
                + "constraint: Member must not be null");
        }
        if (list.isEmpty() || list.size() > 10) {
            throw ApiException.validation("1 validation error detected: Value '" + list.size() + " entries' at "
                + "'entries' failed to satisfy constraint: Member must have length " + (list.isEmpty()
                    ? "greater than or equal to 1" : "less than or equal to 10"));
        }
        return new PutEventsRequest(list, endpointId, forwardedFrom);
    }

    private static PutEventsEntry entry(final com.fasterxml.jackson.core.JsonParser parser, final int index)
        throws java.io.IOException {
        String source = null;
        String detailType = null;
        String detail = null;
        String busName = null;
        String traceHeader = null;
        Instant time = null;
        List<String> resources = List.of();
        while (parser.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            final com.fasterxml.jackson.core.JsonToken value = parser.nextToken();
            switch (field) {
                case "Source" -> source = scalar(parser, index, field);
                case "DetailType" -> detailType = scalar(parser, index, field);
                case "Detail" -> detail = scalar(parser, index, field);
                case "EventBusName" -> busName = scalar(parser, index, field);
                case "TraceHeader" -> traceHeader = scalar(parser, index, field);
                case "Time" -> {
                    final String seconds = scalar(parser, index, field);
                    try {
                        time = seconds == null ? null : Instant.ofEpochMilli(Math.round(
                            Double.parseDouble(seconds) * 1000));
                    } catch (NumberFormatException e) {
                        throw new ApiException("SerializationException", "Entries[" + index + "].Time must be "
                            + "epoch seconds, got " + seconds);
                    }
                }
                case "Resources" -> {
                    if (value == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                        resources = new ArrayList<>();
                        while (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                            resources.add(scalar(parser, index, "Resources"));
                        }
                    } else if (value != com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                        throw new ApiException("SerializationException", "Entries[" + index
                            + "].Resources must be a list of strings");
                    }
                }
                default -> parser.skipChildren();
            }
        }
        return new PutEventsEntry(source, detailType, detail, time, resources, busName, traceHeader);
    }

    /** @return the current scalar as text (JSON null as {@code null}); an object or array is refused. */
    private static String scalar(final com.fasterxml.jackson.core.JsonParser parser, final int index,
                                 final String field) throws java.io.IOException {
        final com.fasterxml.jackson.core.JsonToken token = parser.currentToken();
        if (token == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
            return null;
        }
        if (token == com.fasterxml.jackson.core.JsonToken.START_OBJECT
            || token == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
            throw new ApiException("SerializationException", "Entries[" + index + "]." + field
                + " must be a string, got " + (token == com.fasterxml.jackson.core.JsonToken.START_OBJECT
                    ? "an object" : "an array"));
        }
        return parser.getText();
    }

    /**
     * PutEvents from the request bytes: the server's path, parsed without a tree and answered without one
     * ({@link #answerBytes}).
     *
     * @param archived receives the accepted entries whose bus has an archive, or {@code null}.
     */
    PutEventsResult putEvents(final Principal principal, final byte[] body, final List<ArchivedEntry> archived) {
        return invoke(() -> {
            try (com.fasterxml.jackson.core.JsonParser parser = JSON.getFactory().createParser(
                body.length == 0 ? EMPTY_OBJECT : body)) {
                final PutEventsRequest request = request(parser);
                if (request.endpointId() != null) {
                    return endpointPutEvents(callerOf(principal), request);
                }
                return putEvents(callerOf(principal), request.entries(), archived);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new ApiException("SerializationException", "the request body is not JSON: "
                    + e.getMessage().split("\n")[0]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** PutEvents with an EndpointId: routed by the global endpoint (to this router's bus or the other Region's). */
    private PutEventsResult endpointPutEvents(final Caller caller, final PutEventsRequest request) {
        final dev.eventrouter.persist.global.GlobalEndpoints endpoints = global;
        if (endpoints == null) {
            throw ApiException.notFound("No endpoint has the EndpointId " + request.endpointId() + " (this router "
                + "serves no global endpoints).");
        }
        try {
            return endpoints.putEvents(caller, request.endpointId(), request.entries(), request.forwardedFrom());
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(e.getMessage());
        }
    }

    private volatile dev.eventrouter.persist.global.GlobalEndpoints global;

    /** Routes PutEvents with an EndpointId through {@code endpoints}. */
    void globalEndpoints(final dev.eventrouter.persist.global.GlobalEndpoints endpoints) {
        global = endpoints;
    }

    private PutEventsResult putEvents(final Caller caller, final List<PutEventsEntry> list,
                                      final List<ArchivedEntry> archived) {
        final PutEventsResult result;
        try {
            result = caller.putEvents(list);
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(e.getMessage());
        }
        if (archived != null) {
            final List<PutEventsResult.Entry> results = result.entries();
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).isAccepted()) {
                    final EventBus bus = archivedBus.apply(caller, list.get(i).eventBusName());
                    if (bus != null) {
                        archived.add(new ArchivedEntry(i, bus));
                    }
                }
            }
        }
        return result;
    }

    private static final byte[] ANSWER_START = "{\"FailedEntryCount\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER_ENTRIES = ",\"Entries\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER_ID = "{\"EventId\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER_CODE = "{\"ErrorCode\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER_MESSAGE = "\",\"ErrorMessage\":\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * @return PutEvents' answer as JSON bytes, written directly: building and printing a Jackson tree was a seventh
     *         of the server's work per request.
     */
    static byte[] answerBytes(final PutEventsResult result) {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(48 + 64 * result.entries().size());
        out.writeBytes(ANSWER_START);
        out.writeBytes(Integer.toString(result.failedEntryCount()).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(ANSWER_ENTRIES);
        boolean first = true;
        for (PutEventsResult.Entry entry : result.entries()) {
            if (!first) {
                out.write(',');
            }
            first = false;
            if (entry.isAccepted()) {
                out.writeBytes(ANSWER_ID);
                quoted(out, entry.eventId());
            } else {
                out.writeBytes(ANSWER_CODE);
                quoted(out, entry.error().code());
                out.writeBytes(ANSWER_MESSAGE);
                quoted(out, entry.error().message());
            }
            out.write('"');
            out.write('}');
        }
        out.write(']');
        out.write('}');
        return out.toByteArray();
    }

    /** Writes a string's JSON-escaped UTF-8 (without quotes); printable ASCII without quotes or backslashes as is. */
    private static void quoted(final java.io.ByteArrayOutputStream out, final String text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                out.writeBytes(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsUTF8(text));
                return;
            }
        }
        for (int i = 0; i < text.length(); i++) {
            out.write(text.charAt(i));
        }
    }

    static String textOrNull(final JsonNode node, final String member) {
        final JsonNode v = node.get(member);
        return v == null || v.isNull() ? null : v.asText();
    }

    // ---- buses ---------------------------------------------------------------------------------------------

    private JsonNode createEventBus(final Call call) {
        final String name = call.required("Name");
        if (call.text("EventSourceName") != null) {
            throw ApiException.validation("EventSourceName: partner event sources are not served here");
        }
        final EventBus bus = call.caller().createEventBus(name);
        final JsonNode tags = call.body().get("Tags");
        if (tags != null && tags.isArray() && !tags.isEmpty()) {
            call.caller().tagResource(bus.arn(), tagMap(tags));
        }
        return JSON.createObjectNode().put("EventBusArn", bus.arn());
    }

    private JsonNode deleteEventBus(final Call call) {
        final String name = call.required("Name");
        if (name.equals("default")) {
            throw ApiException.validation("Cannot delete event bus default.");
        }
        if (distributedBus(call, name) != null) {
            throw ApiException.validation("Cannot delete event bus " + name + ": it is a distributed bus of this "
                + "router's config (its nodes share it through Kafka)");
        }
        try {
            call.caller().deleteEventBus(name);
        } catch (NoSuchResourceException e) {
            // AWS answers DeleteEventBus of a missing bus with success
        }
        return JSON.createObjectNode();
    }

    private JsonNode describeEventBus(final Call call) {
        final EventBus bus = call.caller().eventBus(call.text("Name"));
        final ObjectNode out = JSON.createObjectNode().put("Name", bus.name()).put("Arn", bus.arn());
        if (bus.policy() != null) {
            out.put("Policy", bus.policy().json());
        }
        return out;
    }

    private JsonNode listEventBuses(final Call call) {
        final String prefix = call.text("NamePrefix");
        final List<JsonNode> items = new ArrayList<>();
        final String account = call.caller().principal().account();
        for (EventBus bus : router.eventBuses()) {
            if (bus.account().equals(account) && (prefix == null || bus.name().startsWith(prefix))) {
                final ObjectNode b = JSON.createObjectNode().put("Name", bus.name()).put("Arn", bus.arn());
                if (bus.policy() != null) {
                    b.put("Policy", bus.policy().json());
                }
                items.add(b);
            }
        }
        return page(call, items, "EventBuses");
    }

    // ---- rules ---------------------------------------------------------------------------------------------

    private JsonNode putRule(final Call call) {
        final String name = call.required("Name");
        final String schedule = call.text("ScheduleExpression");
        final String pattern = call.text("EventPattern");
        if (pattern == null && schedule == null) {
            throw ApiException.validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
        }
        final String state = call.text("State");
        final RuleState ruleState = state == null ? RuleState.ENABLED : ruleState(state);
        if (ruleState == null) {
            throw ApiException.validation("1 validation error detected: Value '" + state + "' at 'state' failed to "
                + "satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, "
                + "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
        }
        final Rule rule = new Rule(name, call.text("EventBusName"), pattern, ruleState, call.text("Description"),
            null, schedule);
        final String arn = ruleCall(call, rule.eventBus(), name, () -> call.caller().putRule(rule));
        final JsonNode tags = call.body().get("Tags");
        if (tags != null && tags.isArray() && !tags.isEmpty()) {
            call.caller().tagResource(arn, tagMap(tags));
        }
        return JSON.createObjectNode().put("RuleArn", arn);
    }

    private static RuleState ruleState(final String state) {
        for (RuleState value : RuleState.values()) {
            if (value.name().equals(state)) {
                return value;
            }
        }
        return null;
    }

    private ObjectNode describe(final Caller caller, final String bus, final Rule rule) {
        final EventBus eventBus = caller.eventBus(bus);
        final ObjectNode out = JSON.createObjectNode().put("Name", rule.name())
            .put("Arn", ruleArn(eventBus, rule.name()))
            .put("State", rule.state().name()).put("EventBusName", eventBus.name());
        if (rule.eventPattern() != null) {
            out.put("EventPattern", rule.eventPattern());
        }
        if (rule.scheduleExpression() != null) {
            out.put("ScheduleExpression", rule.scheduleExpression());
        }
        if (rule.description() != null) {
            out.put("Description", rule.description());
        }
        if (rule.createdBy() != null) {
            out.put("CreatedBy", rule.createdBy());
        }
        return out;
    }

    private static String ruleArn(final EventBus bus, final String rule) {
        return "arn:aws:events:" + bus.region() + ":" + bus.account() + ":rule/"
            + (bus.name().equals("default") ? "" : bus.name() + "/") + rule;
    }

    private JsonNode describeRule(final Call call) {
        final String bus = call.text("EventBusName");
        ruleRead(call, bus);
        return describe(call.caller(), bus, call.caller().describeRule(bus, call.required("Name")));
    }

    private JsonNode listRules(final Call call) {
        final String bus = call.text("EventBusName");
        final String prefix = call.text("NamePrefix");
        ruleRead(call, bus);
        final List<JsonNode> items = new ArrayList<>();
        for (Rule rule : call.caller().listRules(bus)) {
            if (prefix == null || rule.name().startsWith(prefix)) {
                items.add(describe(call.caller(), bus, rule));
            }
        }
        return page(call, items, "Rules");
    }

    private JsonNode deleteRule(final Call call) {
        final String bus = call.text("EventBusName");
        final String name = call.required("Name");
        call.caller().eventBus(bus); // a missing bus is an error
        try {
            ruleCall(call, bus, name, () -> {
                call.caller().deleteRule(bus, name);
                return null;
            });
        } catch (NoSuchResourceException e) {
            // AWS: deleting a missing rule succeeds
        }
        return JSON.createObjectNode();
    }

    private JsonNode setState(final Call call, final boolean enable) {
        final String bus = call.text("EventBusName");
        final String name = call.required("Name");
        ruleCall(call, bus, name, () -> {
            if (enable) {
                call.caller().enableRule(bus, name);
            } else {
                call.caller().disableRule(bus, name);
            }
            return null;
        });
        return JSON.createObjectNode();
    }

    private JsonNode listRuleNamesByTarget(final Call call) {
        final String targetArn = call.required("TargetArn");
        final String bus = call.text("EventBusName");
        final List<JsonNode> items = new ArrayList<>();
        for (Rule rule : call.caller().listRules(bus)) {
            for (Target target : call.caller().listTargetsByRule(bus, rule.name())) {
                if (targetArn.equals(arnOf(target))) {
                    items.add(JSON.getNodeFactory().textNode(rule.name()));
                    break;
                }
            }
        }
        return page(call, items, "RuleNames");
    }

    // ---- targets -------------------------------------------------------------------------------------------

    private String arnOf(final Target target) {
        final JsonNode spec = targets.encode(target);
        return spec != null ? spec.path("Arn").asText() : target.bus();
    }

    private JsonNode putTargets(final Call call) {
        final String bus = call.text("EventBusName");
        final String rule = call.required("Rule");
        final JsonNode targets = call.body().get("Targets");
        if (targets == null || !targets.isArray() || targets.isEmpty() || targets.size() > 100) {
            throw ApiException.validation("1 validation error detected: Value at 'targets' failed to satisfy "
                + "constraint: Member must have length between 1 and 100");
        }
        ruleRead(call, bus);
        call.caller().describeRule(bus, rule); // a missing rule fails the whole call, as in AWS
        final ObjectNode out = JSON.createObjectNode();
        final ArrayNode failed = JSON.createArrayNode();
        final List<Target> ok = new ArrayList<>();
        for (JsonNode t : targets) {
            final String id = textOrNull(t, "Id");
            try {
                ok.add(target(t));
            } catch (IllegalArgumentException e) {
                failed.addObject().put("TargetId", id).put("ErrorCode", "ValidationException")
                    .put("ErrorMessage", e.getMessage());
            }
        }
        if (!ok.isEmpty()) {
            ruleCall(call, bus, rule, () -> {
                call.caller().putTargets(bus, rule, ok);
                return null;
            });
        }
        out.put("FailedEntryCount", failed.size());
        out.set("FailedEntries", failed);
        return out;
    }

    private Target target(final JsonNode t) {
        return targets.decode(t);
    }

    private JsonNode removeTargets(final Call call) {
        final String bus = call.text("EventBusName");
        final String rule = call.required("Rule");
        final List<String> ids = new ArrayList<>();
        call.body().path("Ids").forEach(id -> ids.add(id.asText()));
        final List<String> present = new ArrayList<>();
        ruleRead(call, bus);
        call.caller().listTargetsByRule(bus, rule).forEach(t -> present.add(t.id()));
        final ArrayNode failed = JSON.createArrayNode();
        final List<String> removable = new ArrayList<>();
        for (String id : ids) {
            if (present.contains(id)) {
                removable.add(id);
            } else {
                failed.addObject().put("TargetId", id).put("ErrorCode", "ResourceNotFoundException")
                    .put("ErrorMessage", "target " + id + " does not exist on rule " + rule);
            }
        }
        if (!removable.isEmpty()) {
            ruleCall(call, bus, rule, () -> {
                call.caller().removeTargets(bus, rule, removable);
                return null;
            });
        }
        final ObjectNode out = JSON.createObjectNode().put("FailedEntryCount", failed.size());
        out.set("FailedEntries", failed);
        return out;
    }

    private JsonNode listTargetsByRule(final Call call) {
        final String bus = call.text("EventBusName");
        ruleRead(call, bus);
        final List<JsonNode> items = new ArrayList<>();
        for (Target target : call.caller().listTargetsByRule(bus, call.required("Rule"))) {
            final JsonNode spec = targets.encode(target);
            final ObjectNode t = spec != null ? (ObjectNode) spec.deepCopy()
                : JSON.createObjectNode().put("Id", target.id()).put("Arn", target.bus() != null ? target.bus()
                    : "arn:eventrouter:handler:" + target.id());
            if (!t.has("RetryPolicy")) {
                t.putObject("RetryPolicy").put("MaximumRetryAttempts", target.retryPolicy().maximumRetryAttempts())
                    .put("MaximumEventAgeInSeconds", target.retryPolicy().maximumEventAgeSeconds());
            }
            items.add(t);
        }
        return page(call, items, "Targets");
    }

    // ---- patterns, permissions, tags -----------------------------------------------------------------------

    private JsonNode testEventPattern(final Call call) {
        final String pattern = call.required("EventPattern");
        final String event = call.required("Event");
        final EventPattern parsed = new PatternParser(PatternLimits.DEFAULT).parse(pattern);
        final MatchAutomaton automaton = new RuleCompiler(PatternLimits.DEFAULT).compile(List.of(
            new RuleCompiler.Rule("pattern", parsed)));
        final int matched;
        try {
            matched = new EventMatcher(automaton).match(event.getBytes(StandardCharsets.UTF_8), rule -> { });
        } catch (MalformedEventException e) {
            throw ApiException.validation("Event is not valid. Reason: " + e.getMessage());
        }
        return JSON.createObjectNode().put("Result", matched > 0);
    }

    private JsonNode putPermission(final Call call) {
        final String bus = call.text("EventBusName");
        final String policy = call.text("Policy");
        if (policy != null) {
            call.caller().putPolicy(bus, policy);
            return JSON.createObjectNode();
        }
        String org = null;
        final JsonNode condition = call.body().get("Condition");
        if (condition != null && condition.isObject()) {
            if (!"StringEquals".equals(condition.path("Type").asText()) || !"aws:PrincipalOrgID".equals(
                condition.path("Key").asText())) {
                throw ApiException.validation("Condition: only Type StringEquals with Key aws:PrincipalOrgID is "
                    + "supported");
            }
            org = condition.path("Value").asText();
        }
        call.caller().putPermission(bus, call.required("StatementId"), call.text("Action") == null
            ? "events:PutEvents" : call.text("Action"), call.required("Principal"), org);
        return JSON.createObjectNode();
    }

    private JsonNode removePermission(final Call call) {
        final String bus = call.text("EventBusName");
        if (call.body().path("RemoveAllPermissions").asBoolean(false)) {
            call.caller().removeAllPermissions(bus);
        } else {
            call.caller().removePermission(bus, call.required("StatementId"));
        }
        return JSON.createObjectNode();
    }

    private static Map<String, String> tagMap(final JsonNode tags) {
        final Map<String, String> map = new LinkedHashMap<>();
        tags.forEach(t -> map.put(t.path("Key").asText(), t.path("Value").asText()));
        return map;
    }

    private JsonNode tagResource(final Call call) {
        call.caller().tagResource(call.required("ResourceARN"), tagMap(call.body().path("Tags")));
        return JSON.createObjectNode();
    }

    private JsonNode untagResource(final Call call) {
        final List<String> keys = new ArrayList<>();
        call.body().path("TagKeys").forEach(k -> keys.add(k.asText()));
        call.caller().untagResource(call.required("ResourceARN"), keys);
        return JSON.createObjectNode();
    }

    private JsonNode listTagsForResource(final Call call) {
        final ObjectNode out = JSON.createObjectNode();
        final ArrayNode tags = out.putArray("Tags");
        call.caller().listTagsForResource(call.required("ResourceARN")).forEach((k, v) ->
            tags.addObject().put("Key", k).put("Value", v));
        return out;
    }

    // ---- pagination ----------------------------------------------------------------------------------------

    /** AWS pagination: at most {@code Limit} (1-100) items, and an opaque {@code NextToken} while more remain. */
    static JsonNode page(final Call call, final List<JsonNode> items, final String member) {
        return page(call, items, member, "Limit");
    }

    /** @param limitMember the request member that bounds the page ({@code Limit}, or {@code MaxResults}). */
    static JsonNode page(final Call call, final List<JsonNode> items, final String member, final String limitMember) {
        final JsonNode limitNode = call.body().get(limitMember);
        final int limit = limitNode == null || limitNode.isNull() ? MAX_LIMIT : limitNode.asInt();
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.validation("1 validation error detected: Value '" + limit + "' at '" + lowerFirst(
                limitMember) + "' failed to satisfy constraint: Member must have value " + (limit < 1
                    ? "greater than or equal to 1" : "less than or equal to 100"));
        }
        int start = 0;
        final String token = call.text("NextToken");
        if (token != null) {
            try {
                start = Integer.parseInt(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8)
                    .substring(5));
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                throw ApiException.validation("The NextToken is not valid.");
            }
            if (start < 0 || start > items.size()) {
                throw ApiException.validation("The NextToken is not valid.");
            }
        }
        final ObjectNode out = JSON.createObjectNode();
        final ArrayNode array = out.putArray(member);
        final int end = Math.min(items.size(), start + limit);
        items.subList(start, end).forEach(array::add);
        if (end < items.size()) {
            out.put("NextToken", Base64.getUrlEncoder().withoutPadding().encodeToString(("next:" + end)
                .getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }
}
