package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        final Path creds = Files.writeString(dir.resolve("creds.json"), "{\"AKIASERVETEST0000001\": "
            + "{\"secretAccessKey\": \"s3cret\", \"principal\": \"111111111111\"}}");
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

    static Served serve(final Path config, final Path creds) throws IOException {
        final Process process = ChildJvm.builder(RouterCli.class, "serve", "--config", config.toString(), "--port",
            "0", "--credentials", creds.toString(), "--data-dir", config.getParent().resolve("data").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(),
            StandardCharsets.UTF_8));
        final List<String> lines = new ArrayList<>();
        String line;
        int port = -1;
        while (port < 0 && (line = stderr.readLine()) != null) {
            lines.add(line);
            if (line.startsWith("router serve: listening on http://127.0.0.1:")) {
                port = Integer.parseInt(line.substring(44, line.indexOf(' ', 44)));
            }
        }
        assertTrue(port > 0, "no listening line: " + lines);
        assertEquals("router serve: listening on http://127.0.0.1:" + port + " (SigV4 required)", lines.get(0));
        return new Served(process, stderr, lines, port);
    }

    @Test
    void shouldKeepTheConfigsRulesAndArchivedEventsAcrossARestart() throws IOException, InterruptedException {
        final Path config = Files.writeString(dir.resolve("router.json"), "{\"account\": \"111111111111\","
            + " \"eventBuses\": [\"orders\"], \"rules\": [{\"name\": \"all\", \"eventBus\": \"orders\","
            + " \"eventPattern\": {\"source\": [\"shop\"]}}], \"archives\": [{\"name\": \"orders-archive\","
            + " \"eventBus\": \"orders\", \"dir\": \"archives/orders\"}]}");
        final Path creds = Files.writeString(dir.resolve("creds.json"), "{\"AKIASERVETEST0000001\": "
            + "{\"secretAccessKey\": \"s3cret\", \"principal\": \"111111111111\"}}");
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
}
