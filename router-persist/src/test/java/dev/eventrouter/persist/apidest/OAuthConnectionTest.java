package dev.eventrouter.persist.apidest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.target.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OAuth client-credentials connections against a real token endpoint and API on loopback: the token request, the
 * token's reuse until shortly before it expires, a new token on expiry and on a 401 (the user guide: "EventBridge
 * refreshes OAuth tokens when a 401 or 407 response is returned" and "proactively ... if the token is about to
 * expire"), concurrent refreshes collapsed into one request, and a failed token request deauthorizing the connection.
 */
@Timeout(60)
class OAuthConnectionTest extends ApiDestinationsFixture {
    private static final String SECRET = "s3cr3t-client";

    private static LoopbackHttpServer.Answer token(final String token, final int expiresIn) {
        return LoopbackHttpServer.Answer.json(200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\","
            + "\"expires_in\":" + expiresIn + "}");
    }

    private Connection.OAuth oauth() {
        return new Connection.OAuth(server.url("/token"), "POST", "client", SECRET, new Connection.OAuthParameters(
            List.of(new Connection.Parameter("X-Tenant", "acme", false)),
            List.of(new Connection.Parameter("audience", "api", false)),
            List.of(new Connection.Parameter("grant_type", "client_credentials", false),
                new Connection.Parameter("scope", "events write", false))));
    }

    private void destinationOn(final String connection) {
        apis.createApiDestination("d", null, connection, server.url("/x"), "POST", null);
        router.putTargets(null, "r", List.of(apis.target("t", "d", null).withDeadLetter(deadLetters::add)));
    }

    private void publish(final int count) {
        for (int i = 0; i < count; i++) {
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("app", "t", "{\"n\":" + i + "}")))
                .failedEntryCount());
        }
    }

    private List<String> bearers() {
        final List<String> out = new ArrayList<>();
        server.requestsTo("/x").forEach(r -> out.add(r.headers().get("authorization")));
        return out;
    }

    @Test
    void shouldFetchATokenOnCreationAndSendItAsBearerOnEveryCallUntilItNearsExpiry() {
        server.answer("/token", token("tok-1", 100));
        apis.createConnection("o", null, oauth(), null);
        Await.until(() -> apis.connection("o").state() == Connection.State.AUTHORIZED, "authorized");
        final LoopbackHttpServer.Request request = server.requestsTo("/token").get(0);
        assertEquals("POST /token?audience=api", request.method() + " " + request.uri());
        assertEquals("Basic " + Base64.getEncoder().encodeToString(("client:" + SECRET).getBytes()),
            request.headers().get("authorization"));
        assertEquals("application/x-www-form-urlencoded", request.headers().get("content-type"));
        assertEquals("acme", request.headers().get("x-tenant"));
        assertEquals("grant_type=client_credentials&scope=events+write", request.body());
        assertEquals(Instant.ofEpochMilli(T0), apis.connection("o").lastAuthorizedTime());

        destinationOn("o");
        for (int i = 1; i <= 3; i++) {
            clock.update(T0 + 10L * i);   // one call per 10 ms: within the destination's rate
            publish(1);
            final int delivered = i;
            Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == delivered, i + " delivered");
        }
        assertEquals(List.of("Bearer tok-1", "Bearer tok-1", "Bearer tok-1"), bearers());
        assertEquals(1, server.requestsTo("/token").size(), "the token is reused");

        // 100 s of lifetime: fetched again a tenth early, at 90 s
        server.answer("/token", token("tok-2", 100));
        clock.update(T0 + 89_990);   // 10 ms before the refresh time, the token is still used
        publish(1);
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 4, "4 delivered");
        clock.update(T0 + 90_000);
        publish(1);
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 5, "5 delivered");
        assertEquals(List.of("Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2"),
            bearers());
        assertEquals(2, server.requestsTo("/token").size());
    }

    @Test
    void shouldFetchANewTokenWhenTheEndpointAnswers401AndRetryWithIt() {
        server.answer("/token", token("tok-1", 3600), token("tok-2", 3600));
        apis.createConnection("o", null, oauth(), null);
        Await.until(() -> apis.connection("o").state() == Connection.State.AUTHORIZED, "authorized");
        destinationOn("o");
        server.answer("/x", LoopbackHttpServer.Answer.of(401));
        publish(1);
        Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "refused with 401");
        clock.update(T0 + 2_000);   // past the first backoff
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "retried with a new token");
        assertEquals(List.of("Bearer tok-1", "Bearer tok-2"), bearers());
        assertEquals(2, server.requestsTo("/token").size());
        assertEquals(List.of(), deadLetters);
    }

    @Test
    void shouldCollapseConcurrentCallsWaitingForATokenIntoOneTokenRequest() {
        final CountDownLatch release = new CountDownLatch(1);
        server.answer("/token", new LoopbackHttpServer.Answer(200, java.util.Map.of(), release,
            "{\"access_token\":\"tok-1\",\"expires_in\":3600}"));
        apis.createConnection("o", null, oauth(), null);
        // five destinations on the connection, so that no rate limit spaces their calls on the unmoving clock
        final List<Target> targets = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            apis.createApiDestination("d" + i, null, "o", server.url("/x"), "POST", null);
            targets.add(apis.target("t" + i, "d" + i, null));
        }
        router.putTargets(null, "r", targets);
        try {
            publish(1);
            Await.until(() -> server.requestsTo("/token").size() == 1, "the token request is out");
            assertEquals(Connection.State.AUTHORIZING, apis.connection("o").state());
        } finally {
            release.countDown();
        }
        Await.until(() -> server.requestsTo("/x").size() == 5, "all 5 sent with the token");
        assertEquals(1, server.requestsTo("/token").size(), "one token request for all of them");
        assertEquals(List.of("Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-1"),
            bearers());
    }

    @Test
    void shouldDeauthorizeTheConnectionWhenTheTokenRequestFailsUntilItIsUpdated() {
        server.answer("/token", LoopbackHttpServer.Answer.of(400));
        apis.createConnection("o", null, oauth(), null);
        Await.until(() -> apis.connection("o").state() == Connection.State.DEAUTHORIZED, "deauthorized");
        final String reason = "the OAuth token request failed: HTTP 400 Bad Request from POST http://127.0.0.1:"
            + server.port() + "/token";
        assertEquals(reason, apis.connection("o").stateReason());
        destinationOn("o");
        publish(1);
        Await.until(() -> deadLetters.size() == 1, "refused");
        assertEquals("NO_PERMISSIONS", deadLetters.get(0).errorCode());
        assertEquals("connection o is DEAUTHORIZED: " + reason, deadLetters.get(0).errorMessage());
        assertEquals(0, server.requestsTo("/x").size());

        server.answer("/token", LoopbackHttpServer.Answer.json(200, "{\"access_token\":\"tok-9\"}"));
        apis.updateConnection("o", null, oauth(), null);
        Await.until(() -> apis.connection("o").state() == Connection.State.AUTHORIZED, "authorized again");
        publish(1);
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "delivered");
        assertEquals(List.of("Bearer tok-9"), bearers());

        final String outputs = apis.connections() + " " + apis.connection("o").authorization() + " " + deadLetters;
        assertFalse(outputs.contains(SECRET), outputs);
        assertFalse(outputs.contains("tok-9"), outputs);
        assertTrue(outputs.contains("clientSecret=******"), outputs);
    }

    @Test
    void shouldDeauthorizeWhenTheTokenAnswerHasNoAccessToken() {
        server.answer("/token", LoopbackHttpServer.Answer.json(200, "{\"error\":\"invalid_client\"}"));
        apis.createConnection("o", null, oauth(), null);
        Await.until(() -> apis.connection("o").state() == Connection.State.DEAUTHORIZED, "deauthorized");
        assertEquals("the OAuth token request failed: the answer has no access_token",
            apis.connection("o").stateReason());
    }
}
