package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ServeChild;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/**
 * A global endpoint across two {@code router serve} processes (child JVMs), one per Region, driven by the AWS SDK for
 * Java (PutEvents with an EndpointId, which the SDK signs with SigV4a through the AWS CRT): events go to the primary
 * while it is healthy; after the primary is SIGKILLed the producer's calls fail only until the health check turns
 * (2 periods of 0.5 s here), then succeed in the secondary; every acknowledged event reaches both Regions once the
 * primary is back (replication, fail-back included), and none goes back and forth.
 */
@Timeout(240)
class GlobalEndpointFailoverTest {
    private static final String ACCOUNT = "111111111111";
    private static final String EAST = "us-east-1";
    private static final String WEST = "us-west-2";

    @TempDir
    Path dir;

    /** A router serve child JVM of one Region. */
    private record Node(Process process, int port, Path dir) {
        void kill() throws InterruptedException {
            process.destroyForcibly();   // SIGKILL
            process.waitFor(30, TimeUnit.SECONDS);
        }

        int stop() throws IOException, InterruptedException {
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running after SIGTERM");
            return process.exitValue();
        }
    }

    private static int freePort() throws IOException {
        return ServeChild.freePort();
    }

    private String config(final String region, final int eastPort, final int westPort, final boolean replication) {
        return config(region, eastPort, westPort, replication, 0.5, 2);
    }

    /**
     * @param period      the health check's period in seconds.
     * @param evaluations how many breaching periods turn it unhealthy.
     */
    private String config(final String region, final int eastPort, final int westPort, final boolean replication,
                          final double period, final int evaluations) {
        return """
            {"account": "%s", "region": "%s", "eventBuses": ["orders"],
             "rules": [{"name": "all", "eventBus": "orders", "eventPattern": {"source": ["shop"]},
                        "targets": [{"id": "out", "type": "file", "path": "out.ndjson", "inputPath": "$.detail"}]}],
             "globalEndpoints": {
               "regions": {"%s": {"url": "http://127.0.0.1:%d", "accessKeyId": "AKIASERVETEST0000001",
                                  "secretAccessKey": "s3cret"},
                           "%s": {"url": "http://127.0.0.1:%d", "accessKeyId": "AKIASERVETEST0000001",
                                  "secretAccessKey": "s3cret"}},
               "requestTimeoutSeconds": 2,
               "healthChecks": [{"name": "orders-primary", "periodSeconds": %s, "evaluationPeriods": %d}],
               "endpoints": [{"name": "orders-global",
                 "routingConfig": {"failoverConfig": {"primary": {"healthCheck": "orders-primary"},
                                                      "secondary": {"route": "%s"}}},
                 "replicationConfig": {"state": "%s"}, "roleArn": "arn:aws:iam::%s:role/replication",
                 "eventBuses": [{"eventBusArn": "arn:aws:events:%s:%s:event-bus/orders"},
                                {"eventBusArn": "arn:aws:events:%s:%s:event-bus/orders"}]}]}}
            """.formatted(ACCOUNT, region, EAST, eastPort, WEST, westPort, Double.toString(period), evaluations, WEST,
            replication ? "ENABLED" : "DISABLED", ACCOUNT, EAST, ACCOUNT, WEST, ACCOUNT);
    }

    private Node start(final String region, final int port, final String config) throws IOException {
        final Path home = dir.resolve(region);
        return new Node(ServeChild.start(home, port, config, "AKIASERVETEST0000001", "s3cret", ACCOUNT), port, home);
    }

    private static EventBridgeClient client(final int port) {
        return EventBridgeClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
            .region(Region.US_WEST_2).httpClient(UrlConnectionHttpClient.create())
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                "AKIASERVETEST0000001", "s3cret"))).build();
    }

    /** Puts one event until the endpoint acknowledges it. @return the failed attempts before that. */
    private static int put(final EventBridgeClient client, final String endpointId, final int n) {
        int failures = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            final PutEventsResponse response = client.putEvents(r -> r.endpointId(endpointId).entries(e -> e
                .source("shop").detailType("Order").detail("{\"n\":" + n + "}").eventBusName("orders")));
            if (response.failedEntryCount() == 0) {
                return failures;
            }
            failures++;
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("event " + n + " not acknowledged within 60 s: " + response.entries());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);   // as a producer backs off
        }
    }

    private static Map<Integer, Integer> counts(final Path file) throws IOException {
        final Map<Integer, Integer> counts = new TreeMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                counts.merge(Integer.parseInt(line.substring(5, line.length() - 1)), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static DescribeEndpointResponse describe(final EventBridgeClient client) {
        return client.describeEndpoint(r -> r.name("orders-global"));
    }

    @Test
    void failsOverWhenThePrimaryDiesAndEveryAcknowledgedEventReachesBothRegions() throws Exception {
        final int eastPort = freePort();
        final int westPort = freePort();
        Node east = start(EAST, eastPort, config(EAST, eastPort, westPort, true));
        final Node west = start(WEST, westPort, config(WEST, eastPort, westPort, true));
        try (EventBridgeClient producer = client(westPort); EventBridgeClient eastClient = client(eastPort)) {
            final DescribeEndpointResponse described = describe(producer);
            assertEquals("arn:aws:events:us-east-1:" + ACCOUNT + ":endpoint/orders-global", described.arn());
            assertEquals("ENABLED", described.replicationConfig().stateAsString());
            assertEquals(described.endpointId(), describe(eastClient).endpointId(), "one id in both Regions");
            final String id = described.endpointId();
            awaitPrimaryActive(westPort);

            // healthy: the west router forwards to the primary (east), which replicates to west
            for (int n = 0; n < 20; n++) {
                assertEquals(0, put(producer, id, n), "no failure while the primary is healthy");
            }
            east.kill();
            final long killed = System.nanoTime();
            int failures = 0;
            long firstAcceptedInWest = -1;
            for (int n = 20; n < 40; n++) {
                failures += put(producer, id, n);
                if (firstAcceptedInWest < 0) {
                    firstAcceptedInWest = System.nanoTime();
                }
            }
            System.out.printf("global endpoint: failed over %.2f s after the SIGKILL, %d producer retries%n",
                (firstAcceptedInWest - killed) / 1e9, failures);
            assertTrue(failures > 0, "the calls forwarded to the dead primary failed until the health check turned");
            assertEquals(false, primaryActive(westPort), "the west router sends to the secondary");

            // the primary comes back (same data directory): fail-back, and west's outbox drains into it
            east = start(EAST, eastPort, config(EAST, eastPort, westPort, true));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!primaryActive(westPort)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("no fail-back within 60 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            }
            for (int n = 40; n < 50; n++) {
                put(producer, id, n);
            }
            while (backlog(westPort) + backlog(eastPort) > 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("replication did not catch up within 60 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            }
        }
        assertEquals(0, east.stop());
        assertEquals(0, west.stop());
        final Map<Integer, Integer> inWest = counts(west.dir().resolve("out.ndjson"));
        final Map<Integer, Integer> inEast = counts(east.dir().resolve("out.ndjson"));
        for (int n = 0; n < 50; n++) {
            assertTrue(inWest.getOrDefault(n, 0) >= 1, "event " + n + " reached the secondary: " + inWest);
            assertTrue(inWest.getOrDefault(n, 0) <= 2, "event " + n + " went back and forth: " + inWest);
            assertTrue(inEast.getOrDefault(n, 0) <= 2, "event " + n + " went back and forth: " + inEast);
        }
        for (int n = 20; n < 50; n++) {
            assertTrue(inEast.getOrDefault(n, 0) >= 1, "event " + n + " reached the primary after fail-back: "
                + inEast);
        }
    }

    @Test
    void withoutReplicationTheSecondaryGetsOnlyWhatIsRoutedThereAndEndpointCallsReachBothRegions() throws Exception {
        final int eastPort = freePort();
        final int westPort = freePort();
        // no failover wanted here: a health check slow enough that a loaded machine's late probe answers never
        // turn it (with replication off, an event routed west by a false alarm would not reach east)
        final Node east = start(EAST, eastPort, config(EAST, eastPort, westPort, false, 5, 6));
        final Node west = start(WEST, westPort, config(WEST, eastPort, westPort, false, 5, 6));
        try (EventBridgeClient onWest = client(westPort); EventBridgeClient onEast = client(eastPort)) {
            final String id = describe(onWest).endpointId();
            assertEquals("DISABLED", describe(onEast).replicationConfig().stateAsString());
            awaitPrimaryActive(westPort);
            for (int n = 0; n < 5; n++) {
                assertEquals(0, put(onWest, id, n));
            }
            // an endpoint made over HTTP on one Region's router is made on the other's too, and so is its deletion
            final var created = onEast.createEndpoint(r -> r.name("second").roleArn("arn:aws:iam::" + ACCOUNT
                + ":role/replication").routingConfig(c -> c.failoverConfig(f -> f.primary(p -> p.healthCheck(
                    "arn:aws:route53:::healthcheck/second")).secondary(x -> x.route(WEST)))).eventBuses(
                b -> b.eventBusArn("arn:aws:events:us-east-1:" + ACCOUNT + ":event-bus/orders"),
                b -> b.eventBusArn("arn:aws:events:us-west-2:" + ACCOUNT + ":event-bus/orders")));
            assertEquals("CREATING", created.stateAsString());
            assertEquals(List.of("orders-global", "second"), onWest.listEndpoints(r -> r.homeRegion(EAST))
                .endpoints().stream().map(x -> x.name()).toList());
            assertEquals("ACTIVE", onWest.describeEndpoint(r -> r.name("second")).stateAsString());
            assertEquals("ResourceAlreadyExistsException", org.junit.jupiter.api.Assertions.assertThrows(
                software.amazon.awssdk.services.eventbridge.model.EventBridgeException.class,
                () -> onWest.createEndpoint(r -> r.name("second").roleArn("arn:aws:iam::" + ACCOUNT + ":role/r")
                    .routingConfig(c -> c.failoverConfig(f -> f.primary(p -> p.healthCheck("h")).secondary(
                        x -> x.route(WEST)))).eventBuses(b -> b.eventBusArn("arn:aws:events:us-east-1:" + ACCOUNT
                        + ":event-bus/orders"), b -> b.eventBusArn("arn:aws:events:us-west-2:" + ACCOUNT
                        + ":event-bus/orders")))).awsErrorDetails().errorCode());
            assertEquals("ValidationException", org.junit.jupiter.api.Assertions.assertThrows(
                software.amazon.awssdk.services.eventbridge.model.EventBridgeException.class,
                () -> onWest.createEndpoint(r -> r.name("bad").replicationConfig(x -> x.state("DISABLED"))
                    .routingConfig(c -> c.failoverConfig(f -> f.primary(p -> p.healthCheck("h")).secondary(
                        x -> x.route(WEST)))).eventBuses(b -> b.eventBusArn("arn:aws:events:us-east-1:" + ACCOUNT
                        + ":event-bus/orders")))).awsErrorDetails().errorCode(), "one bus instead of two");
            // UpdateEndpoint on one router changes it on both (only what the call names; the rest is kept)
            final var updated = onWest.updateEndpoint(r -> r.name("second").description("second, described"));
            assertEquals("UPDATING", updated.stateAsString());
            assertEquals("second, described", onEast.describeEndpoint(r -> r.name("second")).description());
            assertEquals("arn:aws:route53:::healthcheck/second", onEast.describeEndpoint(r -> r.name("second"))
                .routingConfig().failoverConfig().primary().healthCheck());
            onWest.deleteEndpoint(r -> r.name("second"));
            assertEquals(List.of("orders-global"), onEast.listEndpoints(r -> r.maxResults(10)).endpoints().stream()
                .map(x -> x.name()).toList());
        }
        assertEquals(0, east.stop());
        assertEquals(0, west.stop());
        assertEquals(Map.of(0, 1, 1, 1, 2, 1, 3, 1, 4, 1), counts(east.dir().resolve("out.ndjson")));
        assertEquals(Map.of(), counts(west.dir().resolve("out.ndjson")), "nothing replicated, nothing routed west");
    }

    /** Waits until the router's view of the primary is healthy (its first probes answered). */
    private static void awaitPrimaryActive(final int port) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!primaryActive(port)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the router on " + port + " never saw the primary healthy");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }

    private static boolean primaryActive(final int port) {
        return metric(port, "eventrouter_endpoint_primary_active") == 1;
    }

    private static long backlog(final int port) {
        return (long) metric(port, "eventrouter_endpoint_replication_backlog");
    }

    /** @return a gauge of the router's {@code /metrics} (not in the SDK's model of DescribeEndpoint). */
    private static double metric(final int port, final String name) {
        return ServeChild.metric(port, name, "");
    }
}
