package dev.eventrouter.persist.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.persist.source.ChronicleSource;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.source.StartingPosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQS semantics on real Chronicle Queue files, on a manual clock. */
class DurableQueueTest {
    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);

    private static byte[] body(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> receive(final DurableQueue queue, final int max) {
        final List<SourceRecord> into = new ArrayList<>();
        queue.receive(max, into);
        final List<String> bodies = new ArrayList<>();
        into.forEach(r -> bodies.add(r.dataAsString()));
        return bodies;
    }

    private static List<SourceRecord> receiveRecords(final DurableQueue queue, final int max) {
        final List<SourceRecord> into = new ArrayList<>();
        queue.receive(max, into);
        return into;
    }

    @Test
    void shouldHideReceivedMessagesForTheVisibilityTimeoutAndForgetDeletedOnes() {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), new QueueConfig(30_000, null), clock::get)) {
            queue.send(body("a"));
            queue.send(body("b"));
            queue.send(body("c"));
            final List<SourceRecord> first = receiveRecords(queue, 2);
            assertEquals(List.of("a", "b"), first.stream().map(SourceRecord::dataAsString).toList());
            assertEquals(List.of("c"), receive(queue, 10), "a and b are hidden");
            assertEquals(List.of(), receive(queue, 10));
            queue.delete(List.of(first.get(0)));
            clock.addAndGet(29_999);
            assertEquals(List.of(), receive(queue, 10));
            clock.addAndGet(1);
            final List<SourceRecord> again = receiveRecords(queue, 10);
            assertEquals(List.of("b", "c"), again.stream().map(SourceRecord::dataAsString).toList(),
                "visible again in id order; the deleted one never comes back");
            assertEquals(2, queue.receiveCount(again.get(0).position()));
            queue.delete(again);
            clock.addAndGet(60_000);
            assertEquals(List.of(), receive(queue, 10));
            assertEquals(new DurableQueue.Stats(3, 5, 3, 0, 0), queue.stats());
        }
    }

    @Test
    void shouldMoveAMessageToTheDeadLetterQueueAfterMaxReceiveCountReceives() {
        try (DurableQueue dlq = DurableQueue.open(dir.resolve("dlq"), QueueConfig.DEFAULT, clock::get);
             DurableQueue queue = DurableQueue.open(dir.resolve("q"),
                 new QueueConfig(1_000, null).withRedrive(dlq, 2), clock::get)) {
            queue.send(body("poison"));
            queue.send(body("fine"));
            assertEquals(List.of("poison", "fine"), receive(queue, 10));
            clock.addAndGet(1_000);
            final List<SourceRecord> second = receiveRecords(queue, 10);
            assertEquals(2, second.size());
            queue.delete(List.of(second.get(1)));
            clock.addAndGet(1_000);
            assertEquals(List.of(), receive(queue, 10), "received twice: moved, not received a third time");
            assertEquals(List.of("poison"), receive(dlq, 10));
            assertEquals(1, queue.stats().redriven());
            assertEquals(0, queue.inFlight());
        }
    }

    @Test
    void shouldRecoverInFlightMessagesReceiveCountsAndTheReadPositionWhenReopened() {
        final Path q = dir.resolve("q");
        try (DurableQueue queue = DurableQueue.open(q, new QueueConfig(10_000, null), clock::get)) {
            for (String m : List.of("a", "b", "c", "d", "e")) {
                queue.send(body(m));
            }
            final List<SourceRecord> got = receiveRecords(queue, 3);
            queue.delete(List.of(got.get(1)));
        }
        clock.addAndGet(5_000);
        try (DurableQueue queue = DurableQueue.open(q, new QueueConfig(10_000, null), clock::get)) {
            assertEquals(2, queue.inFlight());
            assertEquals(List.of("d", "e"), receive(queue, 10), "a and c are still hidden; b was deleted");
            clock.addAndGet(5_000);
            final List<SourceRecord> back = receiveRecords(queue, 10);
            assertEquals(List.of("a", "c"), back.stream().map(SourceRecord::dataAsString).toList());
            assertEquals(2, queue.receiveCount(back.get(0).position()), "the count survived the restart");
            queue.send(body("f"));
            assertEquals(List.of("f"), receive(queue, 10));
        }
    }

    @Test
    void shouldLetAChronicleSourceTailTheMessageLog() {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), QueueConfig.DEFAULT, clock::get)) {
            queue.send(body("{\"n\":1}"));
            queue.send(body("{\"n\":2}"));
            try (ChronicleSource log = ChronicleSource.open(dir.resolve("q/messages"))) {
                final List<SourceRecord> records = new ArrayList<>();
                log.poll(0, log.startPosition(0, StartingPosition.TRIM_HORIZON, 0), 10, records);
                assertEquals(List.of("{\"n\":1}", "{\"n\":2}"), records.stream().map(SourceRecord::dataAsString)
                    .toList());
                assertEquals(clock.get(), records.get(0).timestampMillis(), "the send time");
            }
        }
    }

    @Test
    void shouldSendAndReceiveFromDifferentThreads() throws Exception {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), QueueConfig.DEFAULT, clock::get)) {
            final Thread sender = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    queue.send(body("m" + i));
                }
            });
            sender.start();
            final List<String> got = new ArrayList<>();
            while (got.size() < 1000) {
                got.addAll(receive(queue, 100));
                if (!sender.isAlive() && got.size() < 1000) {
                    got.addAll(receive(queue, 1000));
                    break;
                }
            }
            sender.join();
            assertEquals(1000, got.size());
            for (int i = 0; i < 1000; i++) {
                assertEquals("m" + i, got.get(i));
            }
        }
    }

    @Test
    void shouldNameTheProblemWithABadDirectoryOrSetting() throws Exception {
        final Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(file + ": not a directory", assertThrows(IllegalArgumentException.class,
            () -> DurableQueue.open(file, QueueConfig.DEFAULT, clock::get)).getMessage());
        final Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "x");
        assertEquals(other + ": not a queue (no messages/ and journal/)", assertThrows(IllegalArgumentException.class,
            () -> DurableQueue.open(other, QueueConfig.DEFAULT, clock::get)).getMessage());
        assertEquals("VisibilityTimeout=-1 ms: must be between 0 and 12 hours",
            assertThrows(IllegalArgumentException.class, () -> new QueueConfig(-1, null)).getMessage());
        try (DurableQueue dlq = DurableQueue.open(dir.resolve("dlq"), QueueConfig.DEFAULT, clock::get)) {
            assertEquals("RedrivePolicy.maxReceiveCount=0: must be between 1 and 1000", assertThrows(
                IllegalArgumentException.class, () -> new QueueConfig.RedrivePolicy(dlq, 0)).getMessage());
        }
        assertEquals("RedrivePolicy.deadLetterTargetArn: a dead-letter queue is required", assertThrows(
            IllegalArgumentException.class, () -> new QueueConfig.RedrivePolicy(null, 5)).getMessage());
    }

    @Test
    void shouldDeleteFinishedCycleFilesAndRecoverFromTheSnapshotWhenDaysPass() throws Exception {
        final long day = 86_400_000L;
        final Path q = dir.resolve("q");
        long keptId;
        try (DurableQueue queue = DurableQueue.open(q, new QueueConfig(60_000, null), clock::get)) {
            for (int d = 0; d < 3; d++) {
                queue.send(body("day" + d + "-a"));
                queue.send(body("day" + d + "-b"));
                final List<SourceRecord> got = receiveRecords(queue, 10);
                queue.delete(got.stream().filter(r -> !r.dataAsString().equals("day0-a")).toList());
                clock.addAndGet(day);
            }
            // day 0's "a" is kept in flight (its receive count grows); everything else is deleted
            keptId = -1;
            for (int i = 0; i < 3; i++) {
                clock.addAndGet(60_000);
                final List<SourceRecord> back = receiveRecords(queue, 10);
                assertEquals(1, back.size());
                keptId = back.get(0).position();
            }
            queue.send(body("today"));
            receiveRecords(queue, 10);
            assertEquals(2, queue.inFlight());
        }
        try (var files = Files.list(q.resolve("journal"))) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".cq4")).count(),
                "journal days before the last snapshot are deleted");
        }
        try (DurableQueue queue = DurableQueue.open(q, new QueueConfig(60_000, null), clock::get)) {
            assertEquals(2, queue.inFlight());
            assertEquals(6, queue.receiveCount(keptId), "received on each of three days, then three more times");
            clock.addAndGet(60_000);
            final List<SourceRecord> back = receiveRecords(queue, 10);
            assertEquals(List.of("day0-a", "today"), back.stream().map(SourceRecord::dataAsString).toList());
            queue.delete(back);
            queue.send(body("later"));
            clock.addAndGet(day);
            queue.send(body("tomorrow"));
            assertEquals(List.of("later", "tomorrow"), receive(queue, 10));
            queue.compact();
        }
        try (var files = Files.list(q.resolve("messages"))) {
            assertEquals(List.of("20231117F.cq4", "20231118F.cq4"), files.filter(f -> f.toString().endsWith(".cq4"))
                .map(f -> f.getFileName().toString()).sorted().toList(),
                "the days of November 14-16 held nothing live any more: deleted");
        }
    }
}
