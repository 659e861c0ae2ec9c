package dev.eventrouter.persist.apidest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * API destinations against a real HTTP server on loopback: the exact requests of each authorization type, the
 * parameters and their precedence, what is retried and what is dead-lettered, the timeout and the rate limit on the
 * injected clock, isolation of a slow endpoint, and secrets kept out of every output. Expected headers are the ones
 * the EventBridge user guide lists for API destinations (docs/api-destinations.md cites it).
 */
@Timeout(60)
class ApiDestinationsTest extends ApiDestinationsFixture {
    private static final Set<String> AWS_HEADERS = Set.of("host", "user-agent", "content-type", "range",
        "accept-encoding", "connection", "content-length");

    private void target(final Target target) {
        router.putTargets(null, "r", List.of(target.withDeadLetter(deadLetters::add)));
    }

    /** Destination {@code d} at this path of the server, on an API-key connection, as target {@code t}. */
    private void destination(final String path) {
        apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
        apis.createApiDestination("d", null, "c", server.url(path), "POST", null);
        target(apis.target("t", "d", null));
    }

    private String publish(final String detail) {
        final PutEventsResult result = router.putEvents(List.of(PutEventsEntry.of("app", "Order", detail)));
        assertEquals(0, result.failedEntryCount());
        return result.entries().get(0).eventId();
    }

    private static Set<String> extraHeaders(final LoopbackHttpServer.Request request) {
        final Set<String> extra = new java.util.TreeSet<>(request.headers().keySet());
        extra.removeAll(AWS_HEADERS);
        return extra;
    }

    @Test
    void shouldSendABasicAuthorizedCallWithExactlyTheHeadersEventBridgeSends() {
        apis.createConnection("basic", null, new Connection.Basic("user", "p@ss"), null);
        apis.createApiDestination("orders", null, "basic", server.url("/orders"), "POST", null);
        target(apis.target("t", "orders", null));
        final String id = publish("{\"n\":1}");
        Await.until(() -> apis.metrics("orders").successes() == 1, "answered");
        final LoopbackHttpServer.Request request = server.requests.get(0);
        assertEquals("POST /orders", request.method() + " " + request.uri());
        assertEquals(Set.of("authorization"), extraHeaders(request));
        assertEquals("Basic dXNlcjpwQHNz", request.headers().get("authorization"));
        assertEquals("127.0.0.1:" + server.port(), request.headers().get("host"));
        assertEquals("Amazon/EventBridge/ApiDestinations", request.headers().get("user-agent"));
        assertEquals("application/json; charset=utf-8", request.headers().get("content-type"));
        assertEquals("bytes=0-1048575", request.headers().get("range"));
        assertEquals("gzip,deflate", request.headers().get("accept-encoding"));
        assertEquals("close", request.headers().get("connection"));
        assertEquals(Integer.toString(request.body().getBytes(StandardCharsets.UTF_8).length),
            request.headers().get("content-length"));
        assertTrue(request.body().startsWith("{\"version\":\"0\",\"id\":\"" + id + "\""), request.body());
        assertTrue(request.body().endsWith("\"detail\":{\"n\":1}}"), request.body());
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "delivered");
        assertEquals(1, apis.metrics("orders").invocations());
        assertEquals(1, apis.metrics("orders").takeLatency().getTotalCount());
    }

    /** PutEvents' TraceHeader goes out as the X-Ray header, X-Amzn-Trace-Id; an event without one sends none. */
    @Test
    void shouldSendTheEventsTraceHeaderAsXAmznTraceId() {
        destination("/traced");
        final String trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
        assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("app", "Order", "{\"n\":1}")
            .withTraceHeader(trace))).failedEntryCount());
        Await.until(() -> apis.metrics("d").successes() == 1, "answered");
        clock.update(T0 + 1_000);   // the rate limit lets the next one go
        publish("{\"n\":2}");
        Await.until(() -> apis.metrics("d").successes() == 2, "answered twice");
        assertEquals(Set.of("k", "x-amzn-trace-id"), extraHeaders(server.requests.get(0)));
        assertEquals(trace, server.requests.get(0).headers().get("x-amzn-trace-id"));
        assertEquals(Set.of("k"), extraHeaders(server.requests.get(1)));
    }

    @Test
    void shouldFillPathQueryAndHeaderParametersFromTheEventWithTheConnectionWinningConflicts() {
        apis.createConnection("key", null, new Connection.ApiKey("x-api-key", "k-123"),
            new Connection.InvocationParameters(List.of(new Connection.Parameter("X-Shared", "from-connection",
                false)), List.of(new Connection.Parameter("shared", "connection", true))));
        apis.createApiDestination("items", null, "key", server.url("/orders/*/items/*"), "PUT", null);
        target(apis.target("t", "items", new HttpParameters(List.of("$.detail.order", "static v"),
            Map.of("X-Order", "$.detail.order", "X-Shared", "from-target", "X-Num", "$.detail.n"),
            Map.of("q", "$.detail.order", "shared", "target"))).withInput(
            dev.eventrouter.target.TargetInput.path("$.detail")));
        publish("{\"order\":\"a/b c\",\"n\":5}");
        Await.until(() -> apis.metrics("items").successes() == 1, "answered");
        final LoopbackHttpServer.Request request = server.requests.get(0);
        final String uri = request.uri();
        assertTrue(uri.startsWith("/orders/a%2Fb%20c/items/static%20v?"), uri);
        assertEquals(Set.of("q=a%2Fb+c", "shared=connection"), Set.of(uri.substring(uri.indexOf('?') + 1)
            .split("&")));
        assertEquals(Set.of("x-api-key", "x-num", "x-order", "x-shared"), extraHeaders(request));
        assertEquals("k-123", request.headers().get("x-api-key"));
        assertEquals("a/b c", request.headers().get("x-order"));
        assertEquals("5", request.headers().get("x-num"));
        assertEquals("from-connection", request.headers().get("x-shared"));
        assertEquals("PUT", request.method());
        assertEquals("{\"order\":\"a/b c\",\"n\":5}", request.body(), "the shaped input is the body");
    }

    @Test
    void shouldDeadLetterAnEventWhoseHeaderValueHttpCannotCarry() {
        apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
        apis.createApiDestination("d", null, "c", server.url("/x"), "POST", null);
        target(apis.target("t", "d", new HttpParameters(null, Map.of("X-Note", "$.detail.note"), null)));
        publish("{\"note\":\"line one\\nline two\"}");
        Await.until(() -> deadLetters.size() == 1, "dead-lettered");
        assertEquals("INVALID_PARAMETER", deadLetters.get(0).errorCode());
        assertEquals("HttpParameters.HeaderParameters.X-Note $.detail.note: character 8 of the event's value (U+000A)"
            + " cannot be sent in an HTTP header", deadLetters.get(0).errorMessage());
        assertEquals(0, server.requests.size());
    }

    @Test
    void shouldDeadLetterACallWhenTheEndpointGainedAWildcardTheTargetDoesNotFill() {
        destination("/x");
        apis.updateApiDestination("d", null, null, server.url("/x/*"), null, null);
        publish("{}");
        Await.until(() -> deadLetters.size() == 1, "dead-lettered");
        assertEquals("INVALID_PARAMETER", deadLetters.get(0).errorCode());
        assertEquals("api destination d: InvocationEndpoint " + server.url("/x/*") + " has 1 path wildcards ('*') "
            + "but HttpParameters.PathParameterValues has 0 values", deadLetters.get(0).errorMessage());
        assertEquals(0, server.requests.size());
    }

    @Test
    void shouldRetryA500AndDeliverOnTheRetry() {
        destination("/x");
        server.answers.add(LoopbackHttpServer.Answer.of(500));
        publish("{}");
        Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "the 500 failed the attempt");
        clock.update(T0 + 2_000);   // past the policy's first backoff (at most 1 s)
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "the retry delivered");
        assertEquals(2, server.requests.size());
        assertEquals(1, apis.metrics("d").serverErrors());
        assertEquals(1, apis.metrics("d").retries());
        assertEquals(List.of(), deadLetters);
    }

    @Test
    void shouldRetryA429NoEarlierThanItsRetryAfter() {
        destination("/x");
        server.answers.add(LoopbackHttpServer.Answer.of(429, "Retry-After", "30"));
        publish("{}");
        Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "throttled");
        clock.update(T0 + 2_000);
        awaitDispatcherCycle();
        assertEquals(1, server.requests.size(), "not at the policy's backoff");
        clock.update(T0 + 30_000);
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "retried after Retry-After");
        assertEquals(1, apis.metrics("d").throttledResponses());
    }

    @Test
    void shouldDeadLetterA400WithoutRetrying() {
        destination("/x");
        server.answers.add(LoopbackHttpServer.Answer.of(400));
        publish("{}");
        Await.until(() -> deadLetters.size() == 1, "dead-lettered");
        final DeadLetter dead = deadLetters.get(0);
        assertEquals("SDK_CLIENT_ERROR", dead.errorCode());
        assertEquals("HTTP 400 Bad Request from POST http://127.0.0.1:" + server.port() + "/x", dead.errorMessage());
        assertEquals(0, dead.retryAttempts());
        assertEquals(apis.apiDestination("d").arn(), dead.targetArn(), "TARGET_ARN is the API destination's ARN");
        assertTrue(dead.targetArn().startsWith("arn:aws:events:us-east-1:123456789012:api-destination/d/"),
            dead.targetArn());
        assertEquals(1, server.requests.size());
        assertEquals(1, apis.metrics("d").clientErrors());
    }

    @Test
    void shouldStopRetryingWhenRetryAfterIsNegative() {
        destination("/x");
        server.answers.add(LoopbackHttpServer.Answer.of(503, "Retry-After", "-1"));
        publish("{}");
        Await.until(() -> deadLetters.size() == 1, "dead-lettered");
        assertEquals("SDK_CLIENT_ERROR", deadLetters.get(0).errorCode());
        assertTrue(deadLetters.get(0).errorMessage().startsWith("HTTP 503 Service Unavailable from POST "),
            deadLetters.get(0).errorMessage());
    }

    @Test
    void shouldTimeOutAfterFiveSecondsOfTheInjectedClockAndRetry() {
        apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
        apis.createApiDestination("d", null, "c", server.url("/slow"), "POST", null);
        target(apis.target("t", "d", null));
        final CountDownLatch release = new CountDownLatch(1);
        server.answers.add(LoopbackHttpServer.Answer.held(release));
        try {
            publish("{}");
            Await.until(() -> server.requests.size() == 1, "the first request is held");
            clock.update(T0 + 4_999);
            awaitDispatcherCycle();
            assertEquals(0, apis.metrics("d").timeouts(), "not before 5 s");
            clock.update(T0 + 5_000);
            Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "timed out at 5 s");
            assertEquals(1, apis.metrics("d").timeouts());
            clock.update(T0 + 7_000);
            Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "the retry delivered");
            assertEquals(2, server.requests.size());
        } finally {
            release.countDown();
        }
    }

    @Test
    void shouldTimeEachCallFromItsOwnStart() {
        destination("/slow");
        final CountDownLatch release = new CountDownLatch(1);
        server.answers.add(LoopbackHttpServer.Answer.of(200));
        server.answers.add(LoopbackHttpServer.Answer.held(release));
        try {
            publish("{\"n\":1}");
            publish("{\"n\":2}");
            Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "the first answered");
            clock.update(T0 + 10);   // the rate limit lets the second go now
            Await.until(() -> server.requests.size() == 2, "the second is out, held");
            clock.update(T0 + 5_009);
            awaitDispatcherCycle();
            assertEquals(0, apis.metrics("d").timeouts(), "5 s after the first call's start, not the second's");
            clock.update(T0 + 5_010);
            Await.until(() -> apis.metrics("d").timeouts() == 1, "timed out 5 s after its own start");
            Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "its retry planned");
            clock.update(T0 + 7_010);
            Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 2, "the retry answered");
        } finally {
            release.countDown();
        }
    }

    @Test
    void shouldFailCallsStillOutWhenClosedSoThatTheRouterReportsThem() {
        destination("/slow");
        final CountDownLatch release = new CountDownLatch(1);
        server.answers.add(LoopbackHttpServer.Answer.held(release));
        try {
            final String id = publish("{}");
            Await.until(() -> server.requests.size() == 1, "the call is out");
            apis.close();
            Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "failed by close");
            final dev.eventrouter.bus.CloseReport report = router.close(Duration.ofMillis(100));
            assertFalse(report.drained());
            assertEquals(1, report.undelivered().size());
            assertTrue(report.undelivered().get(0).eventAsString().contains("\"id\":\"" + id + "\""));
            assertEquals("pending retry after 0 retries; last error THROTTLING: API destinations closed before POST "
                + "http://127.0.0.1:" + server.port() + "/slow answered", report.undelivered().get(0).reason());
        } finally {
            release.countDown();
        }
    }

    @Test
    void shouldRetryARefusedConnectionAndDeadLetterItWhenRetriesRunOut() throws IOException {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
        apis.createApiDestination("d", null, "c", "http://127.0.0.1:" + closedPort + "/x", "POST", null);
        target(apis.target("t", "d", null).withRetryPolicy(new RetryPolicy(0, 60)));
        publish("{}");
        Await.until(() -> deadLetters.size() == 1, "dead-lettered");
        assertEquals("CONNECTION_FAILURE", deadLetters.get(0).errorCode());
        assertEquals("MaximumRetryAttempts", deadLetters.get(0).exhaustedRetryCondition());
        assertEquals(1, apis.metrics("d").connectionFailures());
    }

    @Test
    void shouldSendAtTheRateLimitOnTheInjectedClockNeverEarly() {
        apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
        apis.createApiDestination("d", null, "c", server.url("/x"), "POST", 4);
        target(apis.target("t", "d", null));
        for (int i = 0; i < 9; i++) {
            publish("{\"n\":" + i + "}");
        }
        Await.until(() -> apis.metrics("d").invocations() == 1, "the first call goes at once");
        for (int k = 1; k <= 8; k++) {
            clock.update(T0 + 250L * k - 1);
            awaitDispatcherCycle();
            assertEquals(k, apis.metrics("d").invocations(), "none early at " + (250L * k - 1) + " ms");
            clock.update(T0 + 250L * k);
            final int sent = k + 1;
            Await.until(() -> apis.metrics("d").invocations() == sent, "call " + sent + " at " + (250L * sent) + " ms");
        }
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 9, "all delivered");
        assertEquals(8, apis.metrics("d").rateLimited());
        // sent in order, one per period; they may reach the server in another order (one connection each)
        final Set<String> details = new java.util.TreeSet<>();
        server.requests.forEach(r -> details.add(r.body().substring(r.body().lastIndexOf("{"))));
        assertEquals(Set.of("{\"n\":0}}", "{\"n\":1}}", "{\"n\":2}}", "{\"n\":3}}", "{\"n\":4}}", "{\"n\":5}}",
            "{\"n\":6}}", "{\"n\":7}}", "{\"n\":8}}"), details);
        // once nothing waits and the last period is over, the destination holds no rate-limit state
        clock.update(T0 + 250L * 9);
        awaitDispatcherCycle();
        assertEquals(0, apis.dispatcherLanes());
        publish("{\"n\":9}");   // and an idle destination earns no credit: the next call goes at once
        Await.until(() -> apis.metrics("d").invocations() == 10, "the tenth call at once");
    }

    @Test
    void shouldNotLetASlowEndpointHoldUpAnotherDestination() throws IOException {
        // the system clock here: the rate limit (300/s) must let the calls go as they come, with nobody moving a clock
        apis.close();
        apis = ApiDestinations.start(new ApiDestinations.Context().seed(1));
        try (LoopbackHttpServer other = new LoopbackHttpServer()) {
            apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
            apis.createApiDestination("slow", null, "c", server.url("/slow"), "POST", null);
            apis.createApiDestination("fast", null, "c", other.url("/fast"), "POST", null);
            final CountDownLatch release = new CountDownLatch(1);
            for (int i = 0; i < 20; i++) {
                server.answers.add(LoopbackHttpServer.Answer.held(release));
            }
            router.putTargets(null, "r", List.of(apis.target("s", "slow", null), apis.target("f", "fast", null)));
            try {
                for (int i = 0; i < 20; i++) {
                    publish("{\"n\":" + i + "}");
                }
                Await.until(() -> router.targetMetrics(null, "r", "f").delivered() == 20,
                    "the fast destination got every event while the slow one holds its calls");
                assertEquals(0, router.targetMetrics(null, "r", "s").delivered());
            } finally {
                release.countDown();
            }
            Await.until(() -> router.targetMetrics(null, "r", "s").delivered() == 20, "the slow one answers");
        }
    }

    @Test
    void shouldFailCallsOfADeauthorizedConnectionWithoutRetryingAndKeepSecretsOutOfEveryOutput() {
        final Connection basic = apis.createConnection("c", "desc", new Connection.Basic("user", "s3cr3t-pw"),
            new Connection.InvocationParameters(List.of(), List.of(new Connection.Parameter("token",
                "s3cr3t-param", true))));
        final Connection key = apis.createConnection("k", null, new Connection.ApiKey("x-key", "s3cr3t-key"), null);
        apis.createApiDestination("d", null, "c", server.url("/x"), "POST", null);
        target(apis.target("t", "d", null));
        apis.deauthorizeConnection("c");
        publish("{}");
        Await.until(() -> deadLetters.size() == 1, "refused");
        assertEquals("NO_PERMISSIONS", deadLetters.get(0).errorCode());
        assertEquals("connection c is DEAUTHORIZED: deauthorized by DeauthorizeConnection",
            deadLetters.get(0).errorMessage());
        assertEquals(0, server.requests.size());
        final String outputs = basic + " " + key + " " + apis.connections() + " " + basic.authorization() + " "
            + key.authorization() + " " + basic.invocation() + " " + deadLetters;
        for (String secret : List.of("s3cr3t-pw", "s3cr3t-key", "s3cr3t-param")) {
            assertFalse(outputs.contains(secret), secret + " in " + outputs);
        }
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> new Connection.ApiKey("x-key", "s3cr3t\u0001"));
        assertFalse(bad.getMessage().contains("s3cr3t"), bad.getMessage());
    }

    @Test
    void shouldRefuseBadDefinitionsNamingTheField() {
        apis.createConnection("c", null, new Connection.ApiKey("k", "v"), null);
        final Map<String, Runnable> bad = new java.util.LinkedHashMap<>();
        final List<String> expected = List.of(
            "HttpMethod=TRACE: must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE (CONNECT and TRACE are "
                + "not allowed)",
            "InvocationRateLimitPerSecond=301: must be 1-300",
            "InvocationEndpoint http://example.com/x must be an HTTPS URL (HTTP only on a loopback address: "
                + "localhost, 127.0.0.0/8 or [::1])",
            "Name=bad name: must be 1-64 characters of letters, digits, '.', '-' and '_'",
            "connection nope does not exist",
            "api destination c2 already exists",
            "api destination two: InvocationEndpoint https://example.com/*/* has 2 path wildcards ('*') but "
                + "HttpParameters.PathParameterValues has 1 values",
            "HttpParameters.HeaderParameters key 'bad header' does not match the pattern "
                + "[!#$%&'*+\\-.^_`|~0-9a-zA-Z]+",
            "BasicAuthParameters.Username must not contain ':' (it separates the username from the password in the "
                + "Authorization header)",
            "connection c is used by API destinations c2, two");
        apis.createApiDestination("c2", null, "c", "https://example.com/x", "POST", null);
        apis.createApiDestination("two", null, "c", "https://example.com/*/*", "POST", null);
        bad.put("method", () -> apis.createApiDestination("m", null, "c", "https://example.com", "TRACE", null));
        bad.put("rate", () -> apis.createApiDestination("r", null, "c", "https://example.com", "POST", 301));
        bad.put("http", () -> apis.createApiDestination("h", null, "c", "http://example.com/x", "POST", null));
        bad.put("name", () -> apis.createApiDestination("bad name", null, "c", "https://example.com", "POST", null));
        bad.put("connection", () -> apis.createApiDestination("n", null, "nope", "https://example.com", "POST",
            null));
        bad.put("taken", () -> apis.createApiDestination("c2", null, "c", "https://example.com", "POST", null));
        bad.put("wildcards", () -> apis.target("t", "two", new HttpParameters(List.of("one"), null, null)));
        bad.put("header", () -> new HttpParameters(null, Map.of("bad header", "v"), null));
        bad.put("colon", () -> new Connection.Basic("a:b", "p"));
        bad.put("in use", () -> apis.deleteConnection("c"));
        final List<String> messages = new ArrayList<>();
        bad.forEach((what, call) -> messages.add(assertThrows(IllegalArgumentException.class, call::run,
            what).getMessage()));
        assertEquals(expected, messages);
    }

    @Test
    void shouldReadRetryAfterAsSecondsOrAnHttpDate() {
        assertEquals(0, HttpDispatcher.retryAfterMillis(null, T0));
        assertEquals(30_000, HttpDispatcher.retryAfterMillis(" 30 ", T0));
        assertEquals(-1, HttpDispatcher.retryAfterMillis("-5", T0));
        assertEquals(120_000, HttpDispatcher.retryAfterMillis("Thu, 03 Dec 2026 10:02:00 GMT", T0));
        assertEquals(0, HttpDispatcher.retryAfterMillis("Thu, 03 Dec 2026 09:00:00 GMT", T0), "a date in the past");
        assertEquals(0, HttpDispatcher.retryAfterMillis("soon", T0));
    }

    /** Waits until the dispatcher finished a whole duty cycle begun after the caller's last clock change. */
    private void awaitDispatcherCycle() {
        final long seen = apis.dispatcherCycles();
        Await.until(() -> apis.dispatcherCycles() >= seen + 2, "a dispatcher cycle after the clock change");
    }
}
