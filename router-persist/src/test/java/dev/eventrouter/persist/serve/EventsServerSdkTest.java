package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.EventBridgeException;
import software.amazon.awssdk.services.eventbridge.model.InvalidEventPatternException;
import software.amazon.awssdk.services.eventbridge.model.ListEventBusesResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.RuleState;

/**
 * The real AWS SDK for Java v2 ({@code EventBridgeClient}, SigV4-signing, over a real socket) against
 * {@code router serve}'s protocol. Expected shapes and error codes: the EventBridge API reference.
 */
@Timeout(60)
class EventsServerSdkTest {
    static final String OWNER = "111111111111";
    static final String KEY = "AKIAOWNER00000000001";
    static final String SECRET = "owner-secret";
    static final String PURPLE_KEY = "AKIAPURPLE0000000001";

    private Router router;
    private EventsServer server;
    private EventBridgeClient client;

    @BeforeEach
    void setUp() {
        router = Router.start(new RouterContext().account(OWNER).publishTimeout(Duration.ZERO));
        final Credentials credentials = new Credentials(Map.of(
            KEY, new Credentials.Entry(SECRET, Principal.account(OWNER)),
            PURPLE_KEY, new Credentials.Entry("purple-secret", Principal.of("arn:aws:iam::222222222222:role/pub"))));
        server = EventsServer.start(router, new InetSocketAddress("127.0.0.1", 0), credentials,
            Principal.account(OWNER), Clock.systemUTC(), 2);
        client = client(KEY, SECRET);
    }

    private EventBridgeClient client(final String key, final String secret) {
        return EventBridgeClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
            .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret))).build();
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.close();
        router.close(Duration.ofSeconds(10));
    }

    @Test
    void shouldRouteEventsPutThroughTheSdkToABoundTarget() {
        final List<String> got = new CopyOnWriteArrayList<>();
        server.bindTarget("arn:aws:sqs:us-east-1:111111111111:orders", d -> got.add(d.payloadAsString()));
        assertEquals("arn:aws:events:us-east-1:111111111111:event-bus/orders",
            client.createEventBus(r -> r.name("orders")).eventBusArn());
        assertEquals("arn:aws:events:us-east-1:111111111111:rule/orders/big", client.putRule(r -> r.name("big")
            .eventBusName("orders").eventPattern("{\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}")).ruleArn());
        assertEquals(0, client.putTargets(r -> r.rule("big").eventBusName("orders").targets(t -> t.id("q")
            .arn("arn:aws:sqs:us-east-1:111111111111:orders").inputPath("$.detail"))).failedEntryCount());
        final PutEventsResponse put = client.putEvents(r -> r.entries(
            PutEventsRequestEntry.builder().source("shop").detailType("Order").detail("{\"amount\":150}")
                .eventBusName("orders").time(Instant.parse("2026-12-02T10:00:00Z")).build(),
            PutEventsRequestEntry.builder().source("shop").detailType("Order").detail("{\"amount\":50}")
                .eventBusName("orders").build(),
            PutEventsRequestEntry.builder().source("shop").detailType("Order").detail("[1]")
                .eventBusName("orders").build(),
            PutEventsRequestEntry.builder().source("shop").detailType("Order").detail("{}")
                .eventBusName("nope").build()));
        assertEquals(2, put.failedEntryCount());
        assertEquals(36, put.entries().get(0).eventId().length());
        assertNull(put.entries().get(0).errorCode());
        assertEquals("MalformedDetail", put.entries().get(2).errorCode());
        assertEquals("ResourceNotFoundException", put.entries().get(3).errorCode());
        router.close(Duration.ofSeconds(10));
        assertEquals(List.of("{\"amount\":150}"), got);
    }

    /** A PutEvents entry's TraceHeader, as the SDK sends it, reaches the target beside the event. */
    @Test
    void shouldCarryTheTraceHeaderTheSdkSends() {
        final List<String> got = new CopyOnWriteArrayList<>();
        server.bindTarget("arn:aws:sqs:us-east-1:111111111111:traced", d -> got.add(d.traceHeaderAsString()));
        client.putRule(r -> r.name("all").eventPattern("{\"source\":[\"shop\"]}"));
        client.putTargets(r -> r.rule("all").targets(t -> t.id("q").arn("arn:aws:sqs:us-east-1:111111111111:traced")));
        final String trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
        final PutEventsResponse put = client.putEvents(r -> r.entries(
            PutEventsRequestEntry.builder().source("shop").detailType("Order").detail("{}").traceHeader(trace).build(),
            PutEventsRequestEntry.builder().source("shop").detailType("Order").detail("{}").traceHeader("").build()));
        assertEquals(1, put.failedEntryCount());
        assertEquals("InvalidArgument", put.entries().get(1).errorCode());
        router.close(Duration.ofSeconds(10));
        assertEquals(List.of(trace), got);
    }

    /**
     * HTTP/2 cleartext, as the SDK's Netty client speaks it with {@code Protocol.HTTP2} (prior knowledge: the
     * connection preface, many streams on one connection), and as the JDK's client asks for it (an HTTP/1.1 request
     * with {@code Upgrade: h2c}, answered on stream 1 after 101 Switching Protocols).
     */
    @Test
    void shouldServeHttp2CleartextByPriorKnowledgeAndByUpgrade() throws Exception {
        try (software.amazon.awssdk.services.eventbridge.EventBridgeAsyncClient h2 =
                 software.amazon.awssdk.services.eventbridge.EventBridgeAsyncClient.builder()
                     .endpointOverride(URI.create("http://127.0.0.1:" + server.port())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)))
                     .httpClientBuilder(software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
                         .protocol(software.amazon.awssdk.http.Protocol.HTTP2).maxConcurrency(1)).build()) {
            final List<java.util.concurrent.CompletableFuture<PutEventsResponse>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                final int n = i;
                calls.add(h2.putEvents(r -> r.entries(PutEventsRequestEntry.builder().source("shop")
                    .detailType("Order").detail("{\"n\":" + n + "}").build())));
            }
            for (java.util.concurrent.CompletableFuture<PutEventsResponse> call : calls) {
                assertEquals(0, call.join().failedEntryCount());
            }
            assertEquals("arn:aws:events:us-east-1:111111111111:event-bus/default",
                h2.listEventBuses(r -> { }).join().eventBuses().get(0).arn());
            final java.util.concurrent.CompletionException missing = assertThrows(
                java.util.concurrent.CompletionException.class, () -> h2.describeRule(r -> r.name("nope")).join());
            assertEquals(ResourceNotFoundException.class, missing.getCause().getClass());
        }
        assertEquals(20, router.eventBus(null).metrics().published());
        final java.net.http.HttpResponse<String> upgraded = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_2).build().send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, upgraded.version());
        assertEquals("{\"status\":\"UP\"}", upgraded.body());
    }

    @Test
    void shouldExposeHealthAndPrometheusMetrics() throws Exception {
        client.putRule(r -> r.name("all").eventPattern("{\"source\":[\"shop\"]}"));
        server.bindTarget("arn:aws:sqs:us-east-1:111111111111:q", d -> { });
        client.putTargets(r -> r.rule("all").targets(t -> t.id("q").arn("arn:aws:sqs:us-east-1:111111111111:q")));
        client.putEvents(r -> r.entries(PutEventsRequestEntry.builder().source("shop").detailType("d").detail("{}")
            .build()));
        assertThrows(ResourceNotFoundException.class, () -> client.describeRule(r -> r.name("nope")));
        final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        final String base = "http://127.0.0.1:" + server.port();
        assertEquals("{\"status\":\"UP\"}", http.send(java.net.http.HttpRequest.newBuilder(URI.create(base
            + "/health")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        // the counters are the router's: wait until the match stage delivered the event
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (router.targetMetrics(null, "all", "q").delivered() < 1) {
            assertTrue(System.nanoTime() < deadline, "the event was not delivered");
            Thread.onSpinWait();
        }
        final String text = http.send(java.net.http.HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        final String bus = "bus=\"arn:aws:events:us-east-1:111111111111:event-bus/default\"";
        assertTrue(text.contains("eventrouter_bus_published_total{" + bus + "} 1.0"), text);
        assertTrue(text.contains("eventrouter_target_delivered_total{" + bus + ",rule=\"all\",target=\"q\"} 1.0"),
            text);
        assertTrue(text.contains("eventrouter_http_requests_seconds_count{operation=\"PutEvents\",outcome=\"ok\"} "
            + "1"), text);
        assertTrue(text.contains("eventrouter_http_requests_seconds_count{operation=\"DescribeRule\","
            + "outcome=\"ResourceNotFoundException\"} 1"), text);
        assertTrue(text.contains("eventrouter_http_requests_seconds_bucket{operation=\"PutEvents\",outcome=\"ok\","),
            "a latency histogram: " + text);
    }

    /** What no SDK sends: an unsigned request, an unknown operation, a body over the limit (plain HTTP here). */
    @Test
    void shouldAnswerRequestsNoSdkWouldSend() throws Exception {
        final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        final URI uri = URI.create("http://127.0.0.1:" + server.port() + "/");
        final java.net.http.HttpResponse<String> unsigned = http.send(java.net.http.HttpRequest.newBuilder(uri)
            .header("X-Amz-Target", "AWSEvents.ListRules").POST(java.net.http.HttpRequest.BodyPublishers
                .ofString("{}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(400, unsigned.statusCode());
        assertEquals("{\"__type\":\"MissingAuthenticationTokenException\",\"message\":\"Missing Authentication "
            + "Token\"}", unsigned.body());
        assertEquals("MissingAuthenticationTokenException", unsigned.headers().firstValue("x-amzn-ErrorType")
            .orElseThrow());
        final java.net.http.HttpResponse<String> noTarget = http.send(java.net.http.HttpRequest.newBuilder(uri)
            .header("X-Amz-Target", "Other.Op").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"__type\":\"UnknownOperationException\",\"message\":\"X-Amz-Target must be "
            + "AWSEvents.<Operation>, got Other.Op\"}", noTarget.body());
        final java.net.http.HttpResponse<String> tooBig = http.send(java.net.http.HttpRequest.newBuilder(uri)
            .header("X-Amz-Target", "AWSEvents.PutEvents").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                "x".repeat(EventsServer.MAX_REQUEST_BYTES + 1))).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(413, tooBig.statusCode());
        // the server is still up for the next client
        assertEquals(List.of("default"), client.listEventBuses(r -> { }).eventBuses().stream().map(b -> b.name())
            .toList());
    }

    @Test
    void shouldManageRulesAndTargetsAsTheApiReferenceDescribes() {
        client.putRule(r -> r.name("a").eventPattern("{\"source\":[\"x\"]}").description("first"));
        client.putRule(r -> r.name("b").eventPattern("{\"source\":[\"y\"]}").state(RuleState.DISABLED));
        final var rule = client.describeRule(r -> r.name("b"));
        assertEquals("DISABLED", rule.stateAsString());
        assertEquals("default", rule.eventBusName());
        assertEquals(OWNER, rule.createdBy());
        assertEquals(List.of("a", "b"), client.listRules(r -> r.limit(5)).rules().stream().map(x -> x.name())
            .toList());
        final var first = client.listRules(r -> r.limit(1));
        assertEquals(List.of("a"), first.rules().stream().map(x -> x.name()).toList());
        assertEquals(List.of("b"), client.listRules(r -> r.limit(1).nextToken(first.nextToken())).rules().stream()
            .map(x -> x.name()).toList());
        client.enableRule(r -> r.name("b"));
        assertEquals("ENABLED", client.describeRule(r -> r.name("b")).stateAsString());
        // the PutRule reference's third state: kept as given; it matches as ENABLED (no CloudTrail events here)
        client.putRule(r -> r.name("c").eventPattern("{\"source\":[\"z\"]}")
            .state(RuleState.ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS));
        assertEquals("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
            client.describeRule(r -> r.name("c")).stateAsString());
        client.deleteRule(r -> r.name("c"));
        // scheduled rules: the default bus only, AWS's messages for a bad expression and for another bus
        client.putRule(r -> r.name("tick").scheduleExpression("cron(0/15 * * * ? *)"));
        final var tick = client.describeRule(r -> r.name("tick"));
        assertEquals("cron(0/15 * * * ? *)", tick.scheduleExpression());
        assertNull(tick.eventPattern());
        final EventBridgeException badSchedule = assertThrows(EventBridgeException.class,
            () -> client.putRule(r -> r.name("bad").scheduleExpression("rate(1 minutes)")));
        assertEquals("ValidationException", badSchedule.awsErrorDetails().errorCode());
        assertEquals("Parameter ScheduleExpression is not valid. Reason: a rate of 1 takes a singular unit and a "
            + "larger one a plural unit, got '1 minutes'.", badSchedule.awsErrorDetails().errorMessage());
        client.createEventBus(r -> r.name("sched"));
        final EventBridgeException otherBus = assertThrows(EventBridgeException.class,
            () -> client.putRule(r -> r.name("s").eventBusName("sched").scheduleExpression("rate(5 minutes)")));
        assertEquals("ScheduleExpression is supported only on the default event bus.",
            otherBus.awsErrorDetails().errorMessage());
        client.deleteRule(r -> r.name("tick"));
        client.createEventBus(r -> r.name("audit"));
        client.putTargets(r -> r.rule("a").targets(t -> t.id("to-audit")
            .arn("arn:aws:events:us-east-1:111111111111:event-bus/audit")));
        final var unbindable = client.putTargets(r -> r.rule("a").targets(t -> t.id("fn")
            .arn("arn:aws:lambda:us-east-1:111111111111:function:f")));
        assertEquals(1, unbindable.failedEntryCount());
        assertEquals("fn", unbindable.failedEntries().get(0).targetId());
        assertTrue(unbindable.failedEntries().get(0).errorMessage().contains("nothing is bound to "
            + "arn:aws:lambda:us-east-1:111111111111:function:f"), unbindable.failedEntries().toString());
        assertEquals(List.of("arn:aws:events:us-east-1:111111111111:event-bus/audit"), client.listTargetsByRule(
            r -> r.rule("a")).targets().stream().map(t -> t.arn()).toList());
        assertEquals(List.of("a"), client.listRuleNamesByTarget(r -> r.targetArn(
            "arn:aws:events:us-east-1:111111111111:event-bus/audit")).ruleNames());
        final EventBridgeException hasTargets = assertThrows(EventBridgeException.class,
            () -> client.deleteRule(r -> r.name("a")));
        assertEquals("ValidationException", hasTargets.awsErrorDetails().errorCode());
        final var removed = client.removeTargets(r -> r.rule("a").ids("to-audit", "ghost"));
        assertEquals(1, removed.failedEntryCount());
        client.deleteRule(r -> r.name("a"));
        client.deleteRule(r -> r.name("a")); // deleting a missing rule succeeds, as in AWS
        assertThrows(ResourceNotFoundException.class, () -> client.describeRule(r -> r.name("a")));
        final InvalidEventPatternException bad = assertThrows(InvalidEventPatternException.class,
            () -> client.putRule(r -> r.name("bad").eventPattern("{\"source\":\"x\"}")));
        assertTrue(bad.getMessage().startsWith("Event pattern is not valid. Reason: "), bad.getMessage());
        // The case the issue records as AWS's answer to TestEventPattern: wildcard complexity over the limit.
        final InvalidEventPatternException complex = assertThrows(InvalidEventPatternException.class,
            () -> client.testEventPattern(r -> r.eventPattern("{\"EventBusArn\":[{\"wildcard\":\"*:*:*:*:*:event-bus/*\"}]}")
                .event("{\"id\":\"1\",\"source\":\"x\",\"detail-type\":\"t\",\"account\":\"1\",\"time\":"
                    + "\"2026-12-02T10:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{}}")));
        assertTrue(complex.getMessage().startsWith("Event pattern is not valid. Reason: $.EventBusArn: Rule is too "
            + "complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard "
            + "character"), complex.getMessage());
        assertTrue(client.testEventPattern(r -> r.eventPattern("{\"source\":[\"x\"]}").event(
            "{\"id\":\"1\",\"source\":\"x\",\"detail-type\":\"t\",\"account\":\"1\",\"time\":\"2026-12-02T10:00:00Z\","
                + "\"region\":\"us-east-1\",\"resources\":[],\"detail\":{}}")).result());
    }

    @Test
    void shouldPaginateBusesAndAnswerAwsErrorsForBadInput() {
        for (int i = 0; i < 5; i++) {
            final int n = i;
            client.createEventBus(r -> r.name("bus-" + n));
        }
        ListEventBusesResponse page = client.listEventBuses(r -> r.limit(4));
        assertEquals(List.of("default", "bus-0", "bus-1", "bus-2"), page.eventBuses().stream().map(b -> b.name())
            .toList());
        final String token = page.nextToken();
        page = client.listEventBuses(r -> r.limit(4).nextToken(token));
        assertEquals(List.of("bus-3", "bus-4"), page.eventBuses().stream().map(b -> b.name()).toList());
        assertNull(page.nextToken());
        final EventBridgeException limit = assertThrows(EventBridgeException.class,
            () -> client.listEventBuses(r -> r.limit(101)));
        assertEquals("ValidationException", limit.awsErrorDetails().errorCode());
        final EventBridgeException exists = assertThrows(EventBridgeException.class,
            () -> client.createEventBus(r -> r.name("bus-0")));
        assertEquals("ResourceAlreadyExistsException", exists.awsErrorDetails().errorCode());
        final EventBridgeException tooMany = assertThrows(EventBridgeException.class, () -> client.putEvents(r ->
            r.entries(java.util.Collections.nCopies(11, PutEventsRequestEntry.builder().source("s").detailType("d")
                .detail("{}").build()))));
        assertEquals("ValidationException", tooMany.awsErrorDetails().errorCode());
        assertEquals(400, tooMany.statusCode());
        // entry size = Source 1 + DetailType 1 + Detail: the entries of a call "must be less than" 1 MiB together
        final String fits = "{\"x\":\"" + "y".repeat(1024 * 1024 - 3 - 8) + "\"}";
        final String atLimit = "{\"x\":\"" + "y".repeat(1024 * 1024 - 2 - 8) + "\"}";
        final PutEventsResponse sized = client.putEvents(r -> r.entries(
            PutEventsRequestEntry.builder().source("s").detailType("d").detail(fits).build()));
        assertEquals(0, sized.failedEntryCount());
        final EventBridgeException total = assertThrows(EventBridgeException.class, () -> client.putEvents(r ->
            r.entries(PutEventsRequestEntry.builder().source("s").detailType("d").detail(atLimit).build())));
        assertEquals("ValidationException", total.awsErrorDetails().errorCode());
        assertEquals(400, total.statusCode());
        assertEquals("Total size of the entries in the request is over the limit. (1048576 bytes; the entries of a "
            + "call must total less than 1048576 bytes)", total.awsErrorDetails().errorMessage());
        final PutEventsResponse reserved = client.putEvents(r -> r.entries(
            PutEventsRequestEntry.builder().source("aws.s3").detailType("Object Created").detail("{}").build()));
        assertEquals("NotAuthorizedForSourceException", reserved.entries().get(0).errorCode());
        assertEquals("Not authorized for the source.", reserved.entries().get(0).errorMessage());
        assertThrows(ResourceNotFoundException.class, () -> client.describeEventBus(r -> r.name("nope")));
    }

    /**
     * What AWS answered when LocalStack recorded {@code tests/aws/services/events/test_events.snapshot.json} against it
     * (December 2024): {@code TestEventBus.test_put_permission}, {@code test_remove_permission},
     * {@code test_remove_permission_non_existing_sid}, {@code test_put_permission_non_existing_event_bus},
     * {@code test_create_multiple_event_buses_same_name}, {@code test_describe_delete_not_existing_event_bus},
     * {@code test_delete_default_event_bus}, {@code TestEventRule.test_describe_nonexistent_rule},
     * {@code test_delete_rule_with_targets}, and {@code TestEvents.test_put_events_without_source},
     * {@code test_put_event_without_detail}, {@code test_put_event_without_detail_type},
     * {@code test_put_event_malformed_detail}. The snapshot's placeholders are filled with this test's names; where
     * our message adds what and where after AWS's, the test checks that AWS's message comes first.
     */
    @Test
    void shouldAnswerAsAwsAnsweredInLocalStacksRecordedSnapshots() throws Exception {
        final String secondary = "222222222222";
        final String busArn = "arn:aws:events:us-east-1:111111111111:event-bus/snap";
        client.createEventBus(r -> r.name("snap"));
        client.putPermission(r -> r.eventBusName("snap").action("events:PutEvents").principal(OWNER).statementId("s1"));
        client.putPermission(r -> r.eventBusName("snap").action("events:PutEvents").principal(OWNER).statementId("s2"));
        client.putPermission(r -> r.eventBusName("snap").action("events:PutEvents").principal(secondary)
            .statementId("s3"));
        final String statements = "{\"Sid\":\"s1\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
            + "\"arn:aws:iam::111111111111:root\"},\"Action\":\"events:PutEvents\",\"Resource\":\"" + busArn + "\"},"
            + "{\"Sid\":\"s2\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},"
            + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + busArn + "\"},"
            + "{\"Sid\":\"s3\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:root\"},"
            + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + busArn + "\"}";
        assertJson("{\"Version\":\"2012-10-17\",\"Statement\":[" + statements + "]}",
            client.describeEventBus(r -> r.name("snap")).policy());
        // "put permission just replaces the existing permission"
        for (int i = 0; i < 2; i++) {
            client.putPermission(r -> r.eventBusName("snap").action("events:PutEvents").principal("*")
                .statementId("s4"));
        }
        assertJson("{\"Version\":\"2012-10-17\",\"Statement\":[" + statements + ",{\"Sid\":\"s4\",\"Effect\":"
            + "\"Allow\",\"Principal\":\"*\",\"Action\":\"events:PutEvents\",\"Resource\":\"" + busArn + "\"}]}",
            client.describeEventBus(r -> r.name("snap")).policy());
        final String document = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"s5\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"Service\":\"events.amazonaws.com\"},\"Action\":\"events:ListRules\","
            + "\"Resource\":\"*\"}]}";
        client.putPermission(r -> r.eventBusName("snap").policy(document));
        assertJson(document, client.describeEventBus(r -> r.name("snap")).policy());

        client.putPermission(r -> r.action("events:PutEvents").principal(OWNER).statementId("p1"));
        client.putPermission(r -> r.action("events:PutEvents").principal(secondary).statementId("p2"));
        client.removePermission(r -> r.statementId("p1").removeAllPermissions(false));
        assertJson("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"p2\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:root\"},\"Action\":\"events:PutEvents\","
            + "\"Resource\":\"arn:aws:events:us-east-1:111111111111:event-bus/default\"}]}",
            client.describeEventBus(r -> { }).policy());
        client.removePermission(r -> r.removeAllPermissions(true));
        assertNull(client.describeEventBus(r -> { }).policy());
        assertError(ResourceNotFoundException.class, "Statement with the provided id does not exist.",
            () -> client.removePermission(r -> r.statementId("non-existing-sid")));
        assertError(ResourceNotFoundException.class, "Statement with the provided id does not exist.",
            () -> client.removePermission(r -> r.eventBusName("snap").statementId("non-existing-sid")));
        assertError(ResourceNotFoundException.class, "Event bus nope does not exist.", () -> client.putPermission(r ->
            r.eventBusName("nope").action("events:PutEvents").principal("*").statementId("statement-id")));
        assertError(EventBridgeException.class, "Event bus snap already exists.",
            () -> client.createEventBus(r -> r.name("snap")));
        assertError(ResourceNotFoundException.class, "Event bus nope does not exist.",
            () -> client.describeEventBus(r -> r.name("nope")));
        assertError(EventBridgeException.class, "Cannot delete event bus default.",
            () -> client.deleteEventBus(r -> r.name("default")));
        assertError(ResourceNotFoundException.class, "Rule missing does not exist on EventBus default.",
            () -> client.describeRule(r -> r.name("missing")));
        server.bindTarget("arn:aws:sqs:us-east-1:111111111111:q", d -> { });
        client.putRule(r -> r.name("kept").eventPattern("{\"source\":[\"x\"]}"));
        client.putTargets(r -> r.rule("kept").targets(t -> t.id("t").arn("arn:aws:sqs:us-east-1:111111111111:q")));
        assertError(EventBridgeException.class, "Rule can't be deleted since it has targets.",
            () -> client.deleteRule(r -> r.name("kept")));

        final String pattern = "core.update-account-command";
        final List<PutEventsRequestEntry> refused = List.of(
            PutEventsRequestEntry.builder().detailType(pattern).detail("{}").build(),
            PutEventsRequestEntry.builder().source(pattern).detailType(pattern).build(),
            PutEventsRequestEntry.builder().source("some.source").detailType("").detail("{}").build());
        final List<String> answers = new java.util.ArrayList<>();
        for (PutEventsRequestEntry entry : refused) {
            final PutEventsResponse one = client.putEvents(r -> r.entries(entry));
            assertEquals(1, one.failedEntryCount());
            answers.add(one.entries().get(0).errorCode() + ": " + one.entries().get(0).errorMessage());
        }
        assertEquals(List.of(
            "InvalidArgument: Parameter Source is not valid. Reason: Source is a required argument.",
            "InvalidArgument: Parameter Detail is not valid. Reason: Detail is a required argument.",
            "InvalidArgument: Parameter DetailType is not valid. Reason: DetailType is a required argument."), answers);
        for (String detail : List.of("NotJSON", "[]", "{{}", "\"NotJSON\"")) {
            final PutEventsResponse one = client.putEvents(r -> r.entries(PutEventsRequestEntry.builder()
                .source(pattern).detailType(pattern).detail(detail).build()));
            assertEquals("MalformedDetail", one.entries().get(0).errorCode(), detail);
            assertTrue(one.entries().get(0).errorMessage().startsWith("Detail is malformed."), detail);
        }
    }

    private static void assertJson(final String expected, final String actual) throws Exception {
        final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(json.readTree(expected), json.readTree(actual), actual);
    }

    private static void assertError(final Class<? extends EventBridgeException> type, final String awsMessage,
                                    final org.junit.jupiter.api.function.Executable call) {
        final EventBridgeException e = assertThrows(type, call);
        assertTrue(e.awsErrorDetails().errorMessage().startsWith(awsMessage), e.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldRejectBadSignaturesWithAwsErrorCodes() {
        try (EventBridgeClient wrongSecret = client(KEY, "not-the-secret");
             EventBridgeClient unknown = client("AKIAUNKNOWN000000001", "x")) {
            final EventBridgeException mismatch = assertThrows(EventBridgeException.class,
                () -> wrongSecret.listEventBuses(r -> { }));
            assertEquals("InvalidSignatureException", mismatch.awsErrorDetails().errorCode());
            assertTrue(mismatch.awsErrorDetails().errorMessage().startsWith("The request signature we calculated does "
                + "not match the signature you provided."), mismatch.getMessage());
            final EventBridgeException unrecognized = assertThrows(EventBridgeException.class,
                () -> unknown.listEventBuses(r -> { }));
            assertEquals("UnrecognizedClientException", unrecognized.awsErrorDetails().errorCode());
        }
    }

    @Test
    void shouldAuthorizeCallsAsTheSigningPrincipal() {
        try (EventBridgeClient purple = client(PURPLE_KEY, "purple-secret")) {
            final String central = "arn:aws:events:us-east-1:111111111111:event-bus/default";
            final PutEventsResponse denied = purple.putEvents(r -> r.entries(PutEventsRequestEntry.builder()
                .source("com.purple").detailType("E2").detail("{}").eventBusName(central).build()));
            assertEquals("AccessDeniedException", denied.entries().get(0).errorCode());
            client.putPermission(r -> r.statementId("purple").principal("222222222222").action("events:PutEvents"));
            assertTrue(client.describeEventBus(r -> { }).policy().contains("\"Sid\":\"purple\""));
            final PutEventsResponse allowed = purple.putEvents(r -> r.entries(PutEventsRequestEntry.builder()
                .source("com.purple").detailType("E2").detail("{}").eventBusName(central).build()));
            assertEquals(0, allowed.failedEntryCount());
            final EventBridgeException rule = assertThrows(EventBridgeException.class, () -> purple.putRule(r ->
                r.name("theirs").eventBusName(central).eventPattern("{\"source\":[\"x\"]}")));
            assertEquals("AccessDeniedException", rule.awsErrorDetails().errorCode());
            client.removePermission(r -> r.statementId("purple"));
            assertFalse(client.describeEventBus(r -> { }).policy() != null);
            client.tagResource(r -> r.resourceARN(central).tags(t -> t.key("team").value("devops")));
            assertEquals("devops", client.listTagsForResource(r -> r.resourceARN(central)).tags().get(0).value());
            client.untagResource(r -> r.resourceARN(central).tagKeys("team"));
            assertTrue(client.listTagsForResource(r -> r.resourceARN(central)).tags().isEmpty());
        }
    }
}
