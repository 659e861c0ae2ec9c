package dev.eventrouter.persist.apidest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.ManualClock;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API destinations over real TLS: an HTTPS server on loopback (the JDK's) with a certificate made by the JDK's
 * {@code keytool}. A certificate from a CA the router trusts is accepted; one the JVM's trust store does not know,
 * or one for another host name, fails the call as a connection failure naming TLS, retried and then dead-lettered
 * (the request never reaches the server).
 */
class ApiDestinationsTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final long T0 = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();

    @TempDir
    static Path dir;
    /** Certificate for localhost and 127.0.0.1; certificate for other.example only. */
    private static KeyStore local;
    private static KeyStore other;

    private final ManualClock clock = new ManualClock();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private Router router;
    private ApiDestinations apis;
    private LoopbackHttpServer server;

    @BeforeAll
    static void certificates() throws Exception {
        local = keyStore("local", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        other = keyStore("other", "CN=other.example", "SAN=dns:other.example");
    }

    /** Makes a self-signed EC key pair and certificate with the JDK's keytool, in a child process. */
    private static KeyStore keyStore(final String name, final String dname, final String san) throws Exception {
        final Path file = dir.resolve(name + ".p12");
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool")
            .toString(), "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
            "-ext", san, "-validity", "30", "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass",
            new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        final String output = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), output);
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static SSLContext serverTls(final KeyStore store) throws Exception {
        final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }

    private static TrustManagerFactory trusting(final KeyStore store) throws Exception {
        final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        return trust;
    }

    private void start(final KeyStore serverKey, final TrustManagerFactory trust) throws Exception {
        clock.update(T0);
        server = new LoopbackHttpServer(serverTls(serverKey));
        router = Router.start(new RouterContext().clock(clock).seed(7));
        router.putRule(Rule.of("r", "{\"source\":[\"app\"]}"));
        apis = ApiDestinations.start(new ApiDestinations.Context().clock(clock).seed(1).trustManagerFactory(trust));
        apis.createConnection("c", null, new Connection.ApiKey("x-api-key", "secret"), null);
    }

    private void deliverTo(final String url) {
        apis.createApiDestination("d", null, "c", url, "POST", null);
        router.putTargets(null, "r", List.of(apis.target("t", "d", null).withRetryPolicy(new RetryPolicy(1, 3600))
            .withDeadLetter(deadLetters::add)));
        assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("app", "Order", "{\"n\":1}")))
            .failedEntryCount());
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close(Duration.ofSeconds(10));
        }
        if (apis != null) {
            apis.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldDeliverOverTlsToAnEndpointWhoseCertificateIsTrusted() throws Exception {
        start(local, trusting(local));
        deliverTo(server.url("localhost", "/hook"));
        Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "delivered over TLS");
        assertEquals(1, server.requests.size());
        final LoopbackHttpServer.Request request = server.requests.get(0);
        assertTrue(request.tls() != null && request.tls().startsWith("TLSv1."), request.tls());
        assertEquals("POST /hook", request.method() + " " + request.uri());
        assertEquals("secret", request.headers().get("x-api-key"));
        assertTrue(request.body().contains("\"detail\":{\"n\":1}"), request.body());
        assertEquals(List.of(), deadLetters);
    }

    @Test
    void shouldFailACertificateTheJvmDoesNotTrustAsAConnectionFailureAndDeadLetterIt() throws Exception {
        start(local, null);   // the JVM's own trust store: it does not know this self-signed certificate
        deliverTo(server.url("localhost", "/hook"));
        assertFailsTls("unable to find valid certification path");
    }

    @Test
    void shouldRefuseACertificateForAnotherHostName() throws Exception {
        start(other, trusting(other));   // trusted, but made out to other.example
        deliverTo(server.url("localhost", "/hook"));
        assertFailsTls("No subject alternative DNS name matching localhost found");
    }

    private void assertFailsTls(final String reason) {
        Await.until(() -> router.targetMetrics(null, "r", "t").failed() == 1, "the first attempt failed");
        clock.update(T0 + 2_000);   // past the policy's first backoff (at most 1 s)
        Await.until(() -> deadLetters.size() == 1, "dead-lettered after its one retry");
        final DeadLetter dead = deadLetters.get(0);
        assertEquals("CONNECTION_FAILURE", dead.errorCode());
        assertTrue(dead.errorMessage().startsWith("TLS with POST https://localhost:" + server.port() + "/hook failed: "),
            dead.errorMessage());
        assertTrue(dead.errorMessage().contains(reason), dead.errorMessage());
        assertEquals(1, dead.retryAttempts());
        assertEquals(2, apis.metrics("d").connectionFailures());
        assertEquals(0, server.requests.size(), "no request reaches a server the router does not trust");
    }
}
