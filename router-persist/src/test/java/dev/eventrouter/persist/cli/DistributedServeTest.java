package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.kafka.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.EventBridgeException;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutTargetsResponse;

/**
 * A distributed bus declared in the config of two {@code router serve} processes (child JVMs) on one real Kafka
 * broker: rules and targets put over HTTP (the AWS SDK, signed) on one node reach the other through the bus's control
 * topic, PutEvents on either node is delivered once by the node owning the event's partition, through the config's
 * target and an HTTP-put target with an input transformer; an archive made on one node is replayed from the other
 * (the events topic, seen through the archive), to one rule; both nodes stop with SIGTERM, exit 0.
 */
@Timeout(240)
class DistributedServeTest {
    private static final String QUEUE = "arn:aws:sqs:us-east-1:111111111111:big-orders";

    @TempDir
    Path dir;

    @Test
    void rulesPutOverHttpOnOneNodeRouteEventsPutOnEitherNode() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final String run = UUID.randomUUID().toString().substring(0, 8);
        final Path creds = Files.writeString(dir.resolve("creds.json"), "{\"AKIASERVETEST0000001\": "
            + "{\"secretAccessKey\": \"s3cret\", \"principal\": \"111111111111\"}}");
        final Path a = Files.createDirectories(dir.resolve("a"));
        final Path b = Files.createDirectories(dir.resolve("b"));
        final String config = """
            {"account": "111111111111", "region": "us-east-1",
             "eventBuses": [{"name": "orders", "distributed": {"bootstrapServers": "%s", "partitions": 2,
               "eventsTopic": "orders-%s.events", "controlTopic": "orders-%s.control", "groupId": "orders-%s",
               "consumerProperties": {"session.timeout.ms": "6000"}}}],
             "rules": [{"name": "all", "eventBus": "orders", "eventPattern": {"source": ["shop"]},
               "targets": [{"id": "out", "type": "file", "path": "out.ndjson", "inputPath": "$.detail"}]}]}
            """.formatted(broker.bootstrapServers(), run, run, run);
        final ServeProcessTest.Served first = ServeProcessTest.serve(Files.writeString(a.resolve("router.json"),
            config), creds, "--bind-target", QUEUE + "=" + a.resolve("big.ndjson"));
        final ServeProcessTest.Served second = ServeProcessTest.serve(Files.writeString(b.resolve("router.json"),
            config), creds, "--bind-target", QUEUE + "=" + b.resolve("big.ndjson"));
        try (EventBridgeClient onA = first.client(); EventBridgeClient onB = second.client()) {
            // a rule put on B, its target on A: each call reads the control topic to its end first
            onB.putRule(r -> r.name("big").eventBusName("orders")
                .eventPattern("{\"source\":[\"shop\"],\"detail\":{\"n\":[{\"numeric\":[\">=\",90]}]}}"));
            final PutTargetsResponse put = onA.putTargets(r -> r.rule("big").eventBusName("orders").targets(t -> t
                .id("queue").arn(QUEUE).inputTransformer(x -> x.inputPathsMap(java.util.Map.of("n", "$.detail.n"))
                    .inputTemplate("{\"big\": <n>}"))));
            assertEquals(0, put.failedEntryCount());
            assertEquals(List.of("all", "big"), onB.listRules(r -> r.eventBusName("orders")).rules().stream()
                .map(x -> x.name()).toList());
            assertEquals(List.of("queue"), onB.listTargetsByRule(r -> r.rule("big").eventBusName("orders"))
                .targets().stream().map(x -> x.id()).toList());
            assertEquals("{\"big\": <n>}", onB.listTargetsByRule(r -> r.rule("big").eventBusName("orders"))
                .targets().get(0).inputTransformer().inputTemplate());
            final PutTargetsResponse unbound = onB.putTargets(r -> r.rule("big").eventBusName("orders").targets(t -> t
                .id("nowhere").arn("arn:aws:sqs:us-east-1:111111111111:nowhere")));
            assertEquals(1, unbound.failedEntryCount());
            assertEquals("ValidationException", unbound.failedEntries().get(0).errorCode());
            final EventBridgeException refused = assertThrows(EventBridgeException.class,
                () -> onA.deleteEventBus(r -> r.name("orders")));
            assertEquals("ValidationException", refused.awsErrorDetails().errorCode());

            // an archive of the bus (its events topic), made on A, known on B
            final String busArn = "arn:aws:events:us-east-1:111111111111:event-bus/orders";
            onA.createArchive(r -> r.archiveName("orders-shop").eventSourceArn(busArn)
                .eventPattern("{\"source\":[\"shop\"]}").description("every shop event"));
            assertEquals(List.of("orders-shop"), onB.listArchives(r -> r.eventSourceArn(busArn)).archives().stream()
                .map(x -> x.archiveName()).toList());
            assertEquals("{\"source\":[\"shop\"]}", onB.describeArchive(r -> r.archiveName("orders-shop"))
                .eventPattern());
            final java.time.Instant before = java.time.Instant.now().minusSeconds(60);

            for (int call = 0; call < 10; call++) {
                final List<PutEventsRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    entries.add(PutEventsRequestEntry.builder().source("shop").detailType("Order")
                        .detail("{\"n\":" + (call * 10 + i) + "}").eventBusName("orders").build());
                }
                assertEquals(0, (call % 2 == 0 ? onA : onB).putEvents(r -> r.entries(entries)).failedEntryCount());
            }
            // delivered by whichever node owns each event's partition (files are flushed at exit: count deliveries)
            final long deadline = System.nanoTime() + 60_000_000_000L;
            while (delivered(first, "out") + delivered(second, "out") < 100
                || delivered(first, "queue") + delivered(second, "queue") < 10) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("not every event delivered within 60 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);   // the counters of other processes
            }

            // replayed on B to rule "all" only: every event once more through "out", none through "queue"
            onB.startReplay(r -> r.replayName("again").eventSourceArn("arn:aws:events:us-east-1:111111111111:archive/"
                + "orders-shop").eventStartTime(before).eventEndTime(java.time.Instant.now().plusSeconds(60))
                .destination(d -> d.arn(busArn).filterArns("arn:aws:events:us-east-1:111111111111:rule/orders/all")));
            final long replayDeadline = System.nanoTime() + 60_000_000_000L;
            while (delivered(first, "out") + delivered(second, "out") < 200
                || !"COMPLETED".equals(onA.describeReplay(r -> r.replayName("again")).stateAsString())) {
                if (System.nanoTime() - replayDeadline > 0) {
                    throw new AssertionError("the replay did not complete within 60 s: "
                        + onA.describeReplay(r -> r.replayName("again")));
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            assertEquals(List.of("again"), onA.listReplays(r -> r.namePrefix("ag")).replays().stream()
                .map(x -> x.replayName()).toList());
            assertEquals("IllegalStatusException", assertThrows(EventBridgeException.class, () -> onA.cancelReplay(
                r -> r.replayName("again"))).awsErrorDetails().errorCode());
            assertEquals("ResourceAlreadyExistsException", assertThrows(EventBridgeException.class,
                () -> onA.createArchive(r -> r.archiveName("orders-shop").eventSourceArn(busArn)))
                .awsErrorDetails().errorCode());
            onB.deleteArchive(r -> r.archiveName("orders-shop"));
            assertEquals(List.of(), onA.listArchives(r -> r.eventSourceArn(busArn)).archives());

            // the rule goes: its target first (AWS refuses to delete a rule with targets), on either node
            onB.removeTargets(r -> r.rule("big").eventBusName("orders").ids("queue"));
            onA.deleteRule(r -> r.name("big").eventBusName("orders"));
            assertEquals(List.of("all"), onB.listRules(r -> r.eventBusName("orders")).rules().stream()
                .map(x -> x.name()).toList());
        }
        first.stop();
        second.stop();
        assertEquals(expected(0, 100), distinct(a, b, "out.ndjson", "{\"n\":"));
        assertEquals(expected(90, 100), distinct(a, b, "big.ndjson", "{\"big\": "));
        final int lines = lines(a, b, "out.ndjson").size();
        // each event twice (once put, once replayed); a rebalance while both joined could repeat a batch
        assertTrue(lines >= 200 && lines <= 300, lines + " lines");
        final int big = lines(a, b, "big.ndjson").size();
        assertTrue(big >= 10 && big <= 20, big + " lines: the replay went to rule all only");
    }

    /** @return deliveries to targets with this id on the node, from its Prometheus counters. */
    private static long delivered(final ServeProcessTest.Served node, final String target) {
        return (long) dev.eventrouter.persist.ServeChild.metric(node.port(), "eventrouter_target_delivered_total",
            "target=\"" + target + "\"");
    }

    private static Set<Integer> expected(final int from, final int to) {
        final Set<Integer> set = new TreeSet<>();
        for (int n = from; n < to; n++) {
            set.add(n);
        }
        return set;
    }

    /** @return the numbers of the lines {@code prefix<n>}... both nodes wrote to {@code file}. */
    private static Set<Integer> distinct(final Path a, final Path b, final String file, final String prefix)
        throws IOException {
        final Set<Integer> seen = new TreeSet<>();
        for (String line : lines(a, b, file)) {
            if (line.startsWith(prefix) && line.endsWith("}")) {
                seen.add(Integer.parseInt(line.substring(prefix.length(), line.length() - 1)));
            }
        }
        return seen;
    }

    private static List<String> lines(final Path a, final Path b, final String file) throws IOException {
        final List<String> all = new ArrayList<>();
        for (Path node : List.of(a, b)) {
            final Path path = node.resolve(file);
            if (Files.exists(path)) {
                all.addAll(Files.readAllLines(path));
            }
        }
        return all;
    }
}
