package dev.eventrouter.bench;

import dev.eventrouter.persist.ServeChild;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/**
 * Measures a global endpoint's recovery (docs/global-endpoints.md): two {@code router serve} child JVMs (primary
 * us-east-1, secondary us-west-2, replication on), a producer putting events one call at a time through the
 * endpoint (the AWS SDK, SigV4a) at the secondary's URL, the primary SIGKILLed mid-stream, then restarted.
 * Reports RTO (the SIGKILL to the first event the secondary accepts), RPO (events the primary had acknowledged and
 * not yet replicated when it died: they reach the secondary only after the primary is back), the producer's failed
 * attempts, the time to fail back, and whether every acknowledged event reached the secondary in the end.
 * Usage: {@code GlobalEndpointRecoveryHarness [--period SECONDS (1)] [--evaluation-periods N (5)]
 * [--before SECONDS (10)] [--outage SECONDS (10)]}.
 */
public final class GlobalEndpointRecoveryHarness {
    private static final String ACCOUNT = "111111111111";

    private GlobalEndpointRecoveryHarness() {
    }

    private record Node(Process process, int port) {
    }

    public static void main(final String[] args) throws Exception {
        double period = 1;
        int evaluations = 5;
        double before = 10;
        double outage = 10;
        for (int i = 0; i < args.length; i += 2) {
            final String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--period" -> period = Double.parseDouble(value);
                case "--evaluation-periods" -> evaluations = Integer.parseInt(value);
                case "--before" -> before = Double.parseDouble(value);
                case "--outage" -> outage = Double.parseDouble(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--period, "
                    + "--evaluation-periods, --before, --outage)");
            }
        }
        final Path dir = Files.createTempDirectory("global-endpoint-harness");
        final int east = freePort();
        final int west = freePort();
        final String eastConfig = config("us-east-1", east, west, period, evaluations);
        Node primary = start(dir, "us-east-1", east, eastConfig);
        final Node secondary = start(dir, "us-west-2", west, config("us-west-2", east, west, period, evaluations));
        try (EventBridgeClient producer = EventBridgeClient.builder().endpointOverride(URI.create(
            "http://127.0.0.1:" + west)).region(Region.US_WEST_2).httpClient(UrlConnectionHttpClient.create())
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAHARNESS000000001",
                "harness-secret"))).build()) {
            final String id = producer.describeEndpoint(r -> r.name("orders-global")).endpointId();
            int n = 0;
            long deadline = System.nanoTime() + (long) (before * 1e9);
            while (System.nanoTime() < deadline) {
                put(producer, id, n++);
            }
            final int ackedBeforeKill = n;
            final double backlogAtKill = metric(east, "eventrouter_endpoint_replication_backlog");
            primary.process().destroyForcibly();
            final long killed = System.nanoTime();
            primary.process().waitFor(30, TimeUnit.SECONDS);
            long failures = 0;
            long firstAccepted = -1;
            deadline = killed + (long) (outage * 1e9);
            int ackedAfterKill = 0;
            while (System.nanoTime() < deadline || firstAccepted < 0) {
                final int attempts = put(producer, id, n++);
                failures += attempts - 1;
                if (firstAccepted < 0) {
                    firstAccepted = System.nanoTime();
                }
                ackedAfterKill++;
            }
            final double inWestDuringOutage = metric(west, "eventrouter_target_delivered_total");
            final long replicatedBeforeKill = Math.round(inWestDuringOutage) - ackedAfterKill;
            final long atRisk = ackedBeforeKill - replicatedBeforeKill;
            final long restarted = System.nanoTime();
            primary = start(dir, "us-east-1", east, eastConfig);
            while (metric(west, "eventrouter_endpoint_primary_active") != 1) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            final long failedBack = System.nanoTime();
            while (metric(east, "eventrouter_endpoint_replication_backlog")
                + metric(west, "eventrouter_endpoint_replication_backlog") > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            final long drained = System.nanoTime();
            final double inWest = metric(west, "eventrouter_target_delivered_total");
            System.out.printf(Locale.ROOT, "health check: %.1f s periods, %d evaluation periods%n", period,
                evaluations);
            System.out.printf(Locale.ROOT, "RTO: %.2f s from the SIGKILL to the first event the secondary accepted "
                + "(%d producer attempts failed meanwhile)%n", (firstAccepted - killed) / 1e9, failures);
            System.out.printf(Locale.ROOT, "RPO: %d of %d events acknowledged before the SIGKILL were not yet in the "
                + "secondary (the primary's outbox backlog last seen: %.0f); they arrive after the restart%n", atRisk,
                ackedBeforeKill, backlogAtKill);
            System.out.printf(Locale.ROOT, "fail-back: %.2f s after the restart; both outboxes empty %.2f s after "
                + "it%n", (failedBack - restarted) / 1e9, (drained - restarted) / 1e9);
            System.out.printf(Locale.ROOT, "secondary delivered %.0f deliveries for %d acknowledged events (every one "
                + "at least once: %s)%n", inWest, n, inWest >= n ? "yes" : "NO");
        } finally {
            primary.process().destroy();
            secondary.process().destroy();
            primary.process().waitFor(30, TimeUnit.SECONDS);
            secondary.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** @return attempts until the event was acknowledged (1 when the first one was). */
    private static int put(final EventBridgeClient producer, final String id, final int n) {
        int attempts = 0;
        while (true) {
            attempts++;
            final PutEventsResponse response = producer.putEvents(r -> r.endpointId(id).entries(e -> e.source("shop")
                .detailType("Order").detail("{\"n\":" + n + "}").eventBusName("orders")));
            if (response.failedEntryCount() == 0) {
                return attempts;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);   // a producer's back-off
        }
    }

    private static int freePort() throws IOException {
        return ServeChild.freePort();
    }

    private static String config(final String region, final int east, final int west, final double period,
                                 final int evaluations) {
        return """
            {"account": "%s", "region": "%s", "eventBuses": ["orders"],
             "rules": [{"name": "all", "eventBus": "orders", "eventPattern": {"source": ["shop"]},
                        "targets": [{"id": "out", "type": "file", "path": "out.ndjson", "truncate": true}]}],
             "globalEndpoints": {
               "regions": {"us-east-1": {"url": "http://127.0.0.1:%d", "accessKeyId": "AKIAHARNESS000000001",
                                         "secretAccessKey": "harness-secret"},
                           "us-west-2": {"url": "http://127.0.0.1:%d", "accessKeyId": "AKIAHARNESS000000001",
                                         "secretAccessKey": "harness-secret"}},
               "requestTimeoutSeconds": 2,
               "healthChecks": [{"name": "primary", "periodSeconds": %s, "evaluationPeriods": %d}],
               "endpoints": [{"name": "orders-global",
                 "routingConfig": {"failoverConfig": {"primary": {"healthCheck": "primary"},
                                                      "secondary": {"route": "us-west-2"}}},
                 "replicationConfig": {"state": "ENABLED"}, "roleArn": "arn:aws:iam::%s:role/replication",
                 "eventBuses": [{"eventBusArn": "arn:aws:events:us-east-1:%s:event-bus/orders"},
                                {"eventBusArn": "arn:aws:events:us-west-2:%s:event-bus/orders"}]}]}}
            """.formatted(ACCOUNT, region, east, west, Double.toString(period), evaluations, ACCOUNT, ACCOUNT,
            ACCOUNT);
    }

    private static Node start(final Path dir, final String region, final int port, final String config)
        throws IOException {
        return new Node(ServeChild.start(dir.resolve(region), port, config, "AKIAHARNESS000000001", "harness-secret",
            ACCOUNT), port);
    }

    private static double metric(final int port, final String name) {
        return ServeChild.metric(port, name, "");
    }
}
