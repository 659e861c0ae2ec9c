package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ServeChild;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;

/**
 * {@code router serve} as a real child process: the SDK puts signed events over loopback, SIGTERM stops it, and it
 * exits 0 after delivering every accepted event to the config's file target.
 */
@Timeout(120)
class ServeProcessTest {
    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryAcceptedEventAndExitZeroOnSigterm() throws IOException, InterruptedException {
        final Path config = Files.writeString(dir.resolve("router.json"), "{\"account\": \"111111111111\","
            + " \"eventBuses\": [\"orders\"], \"rules\": [{\"name\": \"all\", \"eventBus\": \"orders\","
            + " \"eventPattern\": {\"source\": [\"shop\"]}, \"targets\": [{\"id\": \"out\", \"type\": \"file\","
            + " \"path\": \"out.ndjson\"}]}]}");
        final Path creds = credentials();
        final Served server = serve(config, creds);
        final Process process = server.process;
        final BufferedReader stderr = server.stderr;
        final List<String> lines = server.lines;
        String line;
        try (EventBridgeClient client = server.client()) {
            for (int call = 0; call < 10; call++) {
                final List<PutEventsRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    entries.add(PutEventsRequestEntry.builder().source("shop").detailType("Order")
                        .detail("{\"n\":" + (call * 10 + i) + "}").eventBusName("orders").build());
                }
                assertEquals(0, client.putEvents(r -> r.entries(entries)).failedEntryCount());
            }
        }
        // a real SIGTERM (Process.destroy would also close our end of its stderr)
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running after SIGTERM");
        while ((line = stderr.readLine()) != null) {
            lines.add(line);
        }
        assertEquals(0, process.exitValue(), String.join("\n", lines));
        assertEquals(List.of("router serve: stopping", "router serve: stopped; every accepted event delivered"),
            lines.subList(lines.size() - 2, lines.size()));
        final List<String> out = Files.readAllLines(dir.resolve("out.ndjson"));
        assertEquals(100, out.size());
        for (int n = 0; n < 100; n++) {
            assertTrue(out.get(n).endsWith(",\"detail\":{\"n\":" + n + "}}"), out.get(n));
        }
    }

    /** @return the credentials file of the tests: one access key of account 111111111111. */
    private Path credentials() throws IOException {
        return Files.writeString(dir.resolve("creds.json"), "{\"AKIASERVETEST0000001\": "
            + "{\"secretAccessKey\": \"s3cret\", \"principal\": \"111111111111\"}}");
    }

    /** A started {@code router serve} child: its process, stderr (past the listening line) and port. */
    record Served(Process process, BufferedReader stderr, List<String> lines, int port) {
        EventBridgeClient client() {
            return EventBridgeClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    "AKIASERVETEST0000001", "s3cret"))).build();
        }

        void stop() throws IOException, InterruptedException {
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running after SIGTERM");
            assertEquals(0, process.exitValue());
        }
    }

    static Served serve(final Path config, final Path creds, final String... more) throws IOException {
        final List<String> args = new ArrayList<>(List.of("serve", "--config", config.toString(), "--port", "0",
            "--credentials", creds.toString(), "--data-dir", config.getParent().resolve("data").toString()));
        args.addAll(List.of(more));
        final ServeChild.Launched launched = ServeChild.launch(args);
        final List<String> lines = launched.lines();
        final int port = launched.port();
        assertTrue(port > 0, "no listening line: " + lines);
        assertEquals("router serve: listening on http://127.0.0.1:" + port + " (SigV4 required)", lines.get(0));
        return new Served(launched.process(), launched.stderr(), lines, port);
    }

    @Test
    void shouldKeepTheConfigsRulesAndArchivedEventsAcrossARestart() throws IOException, InterruptedException {
        final Path config = Files.writeString(dir.resolve("router.json"), "{\"account\": \"111111111111\","
            + " \"eventBuses\": [\"orders\"], \"rules\": [{\"name\": \"all\", \"eventBus\": \"orders\","
            + " \"eventPattern\": {\"source\": [\"shop\"]}}], \"archives\": [{\"name\": \"orders-archive\","
            + " \"eventBus\": \"orders\", \"dir\": \"archives/orders\"}]}");
        final Path creds = credentials();
        final Served first = serve(config, creds);
        try (EventBridgeClient client = first.client()) {
            for (int n = 0; n < 20; n++) {
                final int i = n;
                assertEquals(0, client.putEvents(r -> r.entries(PutEventsRequestEntry.builder().source("shop")
                    .detailType("Order").detail("{\"n\":" + i + "}").eventBusName("orders").build()))
                    .failedEntryCount());
            }
        }
        first.stop();
        final Served second = serve(config, creds);
        try (EventBridgeClient client = second.client()) {
            assertEquals(20L, client.describeArchive(r -> r.archiveName("orders-archive")).eventCount());
            assertEquals(List.of("all"), client.listRules(r -> r.eventBusName("orders")).rules().stream()
                .map(x -> x.name()).toList());
            assertEquals(0, client.putEvents(r -> r.entries(PutEventsRequestEntry.builder().source("shop")
                .detailType("Order").detail("{\"n\":20}").eventBusName("orders").build())).failedEntryCount());
        }
        second.stop();
    }

    /**
     * The promise of issue 12: a SIGKILL of {@code router serve} loses no event it acknowledged to an archive-backed
     * bus. Four producers put 10-entry batches as fast as the server answers; after 3,000 acknowledged events the
     * process is killed; every acknowledged event must be in the archive's files.
     */
    @Test
    void shouldLoseNoAcknowledgedEventOfAnArchiveBackedBusOnSigkill() throws Exception {
        final Path archiveDir = dir.resolve("archives").resolve("orders");
        final Path config = Files.writeString(dir.resolve("router.json"), "{\"account\": \"111111111111\","
            + " \"eventBuses\": [\"orders\"], \"rules\": [{\"name\": \"all\", \"eventBus\": \"orders\","
            + " \"eventPattern\": {\"source\": [\"shop\"]}}], \"archives\": [{\"name\": \"orders-archive\","
            + " \"eventBus\": \"orders\", \"dir\": \"" + archiveDir + "\"}]}");
        final Path creds = credentials();
        final Served served = serve(config, creds);
        final java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.concurrent.CountDownLatch enough = new java.util.concurrent.CountDownLatch(1);
        final List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            final int producer = p;
            producers.add(new Thread(() -> {
                try (EventBridgeClient client = served.client()) {
                    for (int call = 0; ; call++) {
                        final List<PutEventsRequestEntry> entries = new ArrayList<>();
                        for (int i = 0; i < 10; i++) {
                            entries.add(PutEventsRequestEntry.builder().source("shop").detailType("Order")
                                .detail("{\"n\":\"" + producer + "-" + call + "-" + i + "\"}").eventBusName("orders")
                                .build());
                        }
                        final var answer = client.putEvents(r -> r.entries(entries));
                        for (int i = 0; i < 10; i++) {
                            if (answer.entries().get(i).eventId() != null) {
                                acknowledged.add(producer + "-" + call + "-" + i);
                            }
                        }
                        if (acknowledged.size() >= 3_000) {
                            enough.countDown();
                        }
                    }
                } catch (RuntimeException e) {
                    // the server was killed: this producer stops
                }
            }, "producer-" + p));
        }
        producers.forEach(Thread::start);
        assertTrue(enough.await(90, TimeUnit.SECONDS), "3,000 events acknowledged");
        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(served.process.pid())).start().waitFor());
        assertTrue(served.process.waitFor(30, TimeUnit.SECONDS));
        for (Thread t : producers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        final java.util.Set<String> archived = new java.util.HashSet<>();
        try (dev.eventrouter.persist.archive.ArchiveStore store =
                 dev.eventrouter.persist.archive.ArchiveStore.openReadOnly(archiveDir);
             dev.eventrouter.persist.archive.ArchiveReader reader = store.reader()) {
            while (reader.next()) {
                final String event = reader.eventAsString();
                final int at = event.indexOf("\"detail\":{\"n\":\"") + 15;
                archived.add(event.substring(at, event.indexOf('"', at)));
            }
        }
        final java.util.Set<String> lost = new java.util.TreeSet<>(acknowledged);
        lost.removeAll(archived);
        assertEquals(java.util.Set.of(), lost, acknowledged.size() + " acknowledged, " + archived.size() + " archived");
        assertTrue(acknowledged.size() >= 3_000, acknowledged.size() + " acknowledged");
    }

    /** {@code --bind-target ARN=FILE}: a rule put over HTTP with that target Arn delivers to the file as NDJSON. */
    @Test
    void shouldDeliverATargetBoundOnTheCommandLineToItsFile() throws IOException, InterruptedException {
        final Path config = Files.writeString(dir.resolve("router.json"), "{\"account\": \"111111111111\"}");
        final Path creds = credentials();
        final String queue = "arn:aws:sqs:us-east-1:111111111111:orders";
        final Path out = dir.resolve("orders.ndjson");
        final Served served = serve(config, creds, "--bind-target", queue + "=" + out);
        try (EventBridgeClient client = served.client()) {
            client.putRule(r -> r.name("big").eventPattern("{\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}"));
            assertEquals(0, client.putTargets(r -> r.rule("big").targets(t -> t.id("q").arn(queue)
                .inputPath("$.detail"))).failedEntryCount());
            final var unbound = client.putTargets(r -> r.rule("big").targets(t -> t.id("f")
                .arn("arn:aws:lambda:us-east-1:111111111111:function:f")));
            assertEquals(1, unbound.failedEntryCount());
            for (int amount : new int[] {50, 150, 250}) {
                assertEquals(0, client.putEvents(r -> r.entries(PutEventsRequestEntry.builder().source("shop")
                    .detailType("Order").detail("{\"amount\":" + amount + "}").build())).failedEntryCount());
            }
        }
        served.stop();
        assertEquals(List.of("{\"amount\":150}", "{\"amount\":250}"), Files.readAllLines(out));
    }

    /** Refused before anything starts (in-process: no child JVM needed), each with the binding named. */
    @Test
    void shouldRefuseABindingThatIsNotAnArnOrThatNamesABus() throws IOException {
        final Path config = Files.writeString(dir.resolve("router.json"), "{\"account\": \"111111111111\"}");
        final CliRun notArn = CliRun.of("serve", "--config", config.toString(), "--port", "0", "--allow-unsigned",
            "--bind-target", "orders=" + dir.resolve("o.ndjson"));
        assertEquals(2, notArn.code(), notArn.err());
        assertTrue(notArn.err().contains("--bind-target orders: not an ARN (arn:partition:service:region:account:"
            + "resource)"), notArn.err());
        final CliRun bus = CliRun.of("serve", "--config", config.toString(), "--port", "0", "--allow-unsigned",
            "--bind-target", "arn:aws:events:us-east-1:111111111111:event-bus/audit=" + dir.resolve("o.ndjson"));
        assertEquals(2, bus.code(), bus.err());
        assertTrue(bus.err().contains("--bind-target arn:aws:events:us-east-1:111111111111:event-bus/audit: an event "
            + "bus ARN is delivered bus to bus, not to a file"), bus.err());
    }
}
