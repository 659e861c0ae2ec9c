package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.persist.archive.ArchiveStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code router poll} and {@code router queue} end to end, over real files and queues. */
@Timeout(120)
class PollCliTest {
    @TempDir
    Path dir;

    private static String event(final int id, final int amount) {
        return OrderEvents.event(id, amount);
    }

    @Test
    void shouldPollAFileInBatchesIntoOutAndPrintTheStatistics() throws IOException {
        final Path events = Files.writeString(dir.resolve("events.ndjson"), event(1, 60) + "\n" + event(2, 120)
            + "\n\n" + event(3, 180) + "\n" + event(4, 240) + "\n" + event(5, 300));
        final Path out = dir.resolve("out.ndjson");
        final CliRun poll = CliRun.of("poll", "--source", "file:" + events, "--batch-size", "2", "--window", "0",
            "--filter", "{\"data\":{\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}}", "--out", out.toString());
        assertEquals(new CliRun(0, "", "done: 2 batches, 4 records, mean batch size 2.0, 1 filtered, 0 failed\n"),
            poll);
        assertEquals(event(2, 120) + "\n" + event(3, 180) + "\n" + event(4, 240) + "\n" + event(5, 300) + "\n",
            Files.readString(out));
        final CliRun toStdout = CliRun.of("poll", "--source", "file:" + events, "--batch-size", "10", "--window",
            "50ms");
        assertEquals(new CliRun(0, String.join("\n", event(1, 60), event(2, 120), event(3, 180), event(4, 240),
            event(5, 300)) + "\n", "done: 1 batches, 5 records, mean batch size 5.0, 0 filtered, 0 failed\n"),
            toStdout);
    }

    /**
     * A run killed mid-write (SIGKILL at a page boundary, a full disk) leaves a partial last line; the next run used
     * to append after it, gluing two records into one line. Now the partial line is cut off first and said on
     * stderr; its records come again from the checkpoint.
     */
    @Test
    void shouldCutOffAPartialLastLineOfOutBeforeAppending() throws IOException {
        final Path events = Files.writeString(dir.resolve("events.ndjson"), event(1, 60) + "\n");
        final Path out = Files.writeString(dir.resolve("out.ndjson"), event(7, 70) + "\n" + event(8, 80)
            .substring(0, 40));
        final CliRun poll = CliRun.of("poll", "--source", "file:" + events, "--window", "0", "--out",
            out.toString());
        assertEquals(new CliRun(0, "", "--out: " + out + ": removed a partial last line of 40 bytes (an earlier run"
            + " stopped mid-write; its records are delivered again from the checkpoint)\n"
            + "done: 1 batches, 1 records, mean batch size 1.0, 0 filtered, 0 failed\n"), poll);
        assertEquals(List.of(event(7, 70), event(1, 60)), lines(out));
    }

    @Test
    void shouldTailAChronicleQueueAndResumeFromItsCheckpointFile() {
        final Path archive = dir.resolve("archive");
        append(archive, 1, 2, 3);
        final Path checkpoints = dir.resolve("checkpoints.dat");
        final Path out = dir.resolve("out.ndjson");
        final String[] args = {"poll", "--source", "chronicle:" + archive, "--checkpoints", checkpoints.toString(),
            "--out", out.toString()};
        assertEquals(new CliRun(0, "", "done: 1 batches, 3 records, mean batch size 3.0, 0 filtered, 0 failed\n"),
            CliRun.of(args));
        append(archive, 4);
        assertEquals(new CliRun(0, "", "done: 1 batches, 1 records, mean batch size 1.0, 0 filtered, 0 failed\n"),
            CliRun.of(args));
        assertEquals(List.of(event(1, 10), event(2, 20), event(3, 30), event(4, 40)), lines(out));
        assertEquals(new CliRun(0, "", "done: 0 batches, 0 records, mean batch size 0.0, 0 filtered, 0 failed\n"),
            CliRun.of("poll", "--source", "chronicle:" + archive, "--start", "latest"), "nothing after the end");
        assertEquals(new CliRun(0, event(3, 30) + "\n" + event(4, 40) + "\n",
            "done: 1 batches, 2 records, mean batch size 2.0, 0 filtered, 0 failed\n"),
            CliRun.of("poll", "--source", "chronicle:" + archive, "--start", Long.toString(1_700_000_000_003L)),
            "from the first event at or after the time");
    }

    @Test
    void shouldReadAnyChronicleQueueWithFormatRaw() {
        final Path raw = dir.resolve("raw");
        try (net.openhft.chronicle.queue.ChronicleQueue queue = net.openhft.chronicle.queue.impl.single
                .SingleChronicleQueueBuilder.binary(raw).build();
             net.openhft.chronicle.queue.ExcerptAppender appender = queue.createAppender()) {
            appender.writeBytes(net.openhft.chronicle.bytes.Bytes.from("{\"n\":1}"));
            appender.writeBytes(net.openhft.chronicle.bytes.Bytes.from("{\"n\":2}"));
        }
        assertEquals(new CliRun(0, "{\"n\":2}\n", "done: 1 batches, 1 records, mean batch size 1.0, 1 filtered, 0 failed\n"),
            CliRun.of("poll", "--source", "chronicle:" + raw, "--format", "raw", "--filter", "{\"data\":{\"n\":[2]}}"));
        assertEquals(new CliRun(2, "", "router: --format: must be archive or raw, got yaml\n"),
            CliRun.of("poll", "--source", "chronicle:" + raw, "--format", "yaml"));
        assertEquals(new CliRun(2, "", "router: --source: StartingPosition=AT_TIMESTAMP: a raw Chronicle queue cannot "
            + "start at a time (its excerpts carry none)\n"),
            CliRun.of("poll", "--source", "chronicle:" + raw, "--format", "raw", "--start", "-1h"));
    }

    private static void append(final Path archive, final int... ids) {
        try (ArchiveStore store = ArchiveStore.open(archive)) {
            for (int id : ids) {
                final byte[] event = event(id, id * 10).getBytes(StandardCharsets.UTF_8);
                store.append(1_700_000_000_000L + id, event, 0, event.length);
            }
        }
    }

    private static List<String> lines(final Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldSendToAQueueAndPollItEmpty() throws IOException {
        final Path queue = dir.resolve("queue");
        final Path messages = Files.writeString(dir.resolve("m.ndjson"), "{\"n\":1}\n{\"n\":2}\n\n{\"n\":3}\n");
        assertEquals(new CliRun(0, "", "sent 3 messages to " + queue + "\n"),
            CliRun.of("queue", "send", "--queue", queue.toString(), messages.toString()));
        assertEquals(new CliRun(0, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n",
            "done: 1 batches, 3 records, mean batch size 3.0, 0 filtered, 0 failed\n"),
            CliRun.of("poll", "--source", "queue:" + queue, "--batch-size", "10"));
        assertEquals(new CliRun(0, "", "done: 0 batches, 0 records, mean batch size 0.0, 0 filtered, 0 failed\n"),
            CliRun.of("poll", "--source", "queue:" + queue), "delivered messages were deleted");
        assertEquals(new CliRun(0, "messages sent: 3\nin flight: 0\n", ""),
            CliRun.of("queue", "stats", "--queue", queue.toString()));
    }

    /**
     * A line over the queue's maximum used to fail half-way and leave a phantom empty message that was delivered
     * later, and the error named no line. Now it is refused before anything is written, naming the line and how many
     * messages went before it.
     */
    @Test
    void shouldRefuseAnOversizedLineWithoutAPhantomMessage() throws IOException {
        final Path queue = dir.resolve("queue");
        final Path messages = Files.writeString(dir.resolve("m.ndjson"), "{\"n\":1}\n\n{\"big\":\""
            + "x".repeat(1_048_576) + "\"}\n{\"n\":3}\n");
        assertEquals(new CliRun(2, "", "router: " + messages + " line 3: message of 1048586 bytes exceeds the queue's"
            + " maximum of 1048576 bytes; 1 messages before it were sent to " + queue + "\n"),
            CliRun.of("queue", "send", "--queue", queue.toString(), messages.toString()));
        assertEquals(new CliRun(0, "{\"n\":1}\n", "done: 1 batches, 1 records, mean batch size 1.0, 0 filtered, 0 failed\n"),
            CliRun.of("poll", "--source", "queue:" + queue, "--batch-size", "10"));
        assertEquals(new CliRun(0, "messages sent: 1\nin flight: 0\n", ""),
            CliRun.of("queue", "stats", "--queue", queue.toString()));
        // as for SQS: more than 10 a batch only with a batching window of at least 1 s
        assertBad("router: --batch-size: BatchSize=50: a queue source takes more than 10 records a batch only with a "
            + "MaximumBatchingWindow of at least 1 s, got 0 ms", "--source", "queue:" + queue, "--batch-size", "50");
        assertEquals(0, CliRun.of("poll", "--source", "queue:" + queue, "--batch-size", "50", "--window", "1s")
            .code());
    }

    @Test
    void shouldNameWhatIsWrongWithAQueueCommand() throws IOException {
        final Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(new CliRun(2, "", "router: --queue: " + file + ": not a directory\n"),
            CliRun.of("queue", "send", "--queue", file.toString(), file.toString()));
        assertEquals(new CliRun(2, "", "router: FILE: no such file: " + dir.resolve("none") + "\n"),
            CliRun.of("queue", "send", "--queue", dir.resolve("q").toString(), dir.resolve("none").toString()));
        assertEquals(new CliRun(2, "", "router: --queue: " + dir + ": not a queue (no messages/ and journal/)\n"),
            CliRun.of("queue", "stats", "--queue", dir.toString()));
    }

    @Test
    void shouldExitTwoWithOneLineForEachBadInput() throws IOException {
        final Path events = Files.writeString(dir.resolve("e.ndjson"), "{}\n");
        final String file = "file:" + events;
        assertBad("router: --source: must be chronicle:DIR, queue:DIR, file:FILE or kafka:BOOTSTRAP/TOPIC, got "
            + "kinesis:x", "--source", "kinesis:x");
        assertBad("router: --source: must be kafka:HOST:PORT[,HOST:PORT...]/TOPIC, got kafka:x", "--source",
            "kafka:x");
        assertBad("router: --source: " + dir.resolve("none") + ": no such file", "--source",
            "file:" + dir.resolve("none"));
        assertBad("router: --source: " + dir + ": not a Chronicle queue (no metadata.cq4t)", "--source",
            "chronicle:" + dir);
        assertBad("router: --source: " + dir + ": not a queue (no messages/ and journal/)", "--source",
            "queue:" + dir);
        assertBad("router: --batch-size: BatchSize=0: must be between 1 and 10000", "--source", file,
            "--batch-size", "0");
        assertBad("router: --window: must be a duration such as 0, 500ms, 2s or 5m, got soon", "--source", file,
            "--window", "soon");
        assertBad("router: --window: at most 300s, got 6m", "--source", file, "--window", "6m");
        assertBad("router: --filter: rule \"FilterCriteria.Filters[0]\": $.a: must be an object or an array of "
            + "match values (line 1, col 6)", "--source", file, "--filter", "{\"a\":1}");
        assertBad("router: --filter: FilterCriteria.Filters[0]: $.data: a stream record's data is filtered as JSON, so "
            + "the pattern must give an object for it, not values to match as a string", "--source", file,
            "--filter", "{\"data\":[\"plain\"]}");
        assertBad("router: --parallelization: ParallelizationFactor=11: must be between 1 and 10", "--source", file,
            "--parallelization", "11");
        assertBad("router: --checkpoints: a queue source has no checkpoints (delivered messages are deleted)",
            "--source", "queue:" + dir, "--checkpoints", dir.resolve("c.dat").toString());
        assertBad("router: --source: StartingPosition=AT_TIMESTAMP: a file source cannot start at a time (its "
            + "lines carry none)", "--source", file, "--start", "-15m");
    }

    private static void assertBad(final String message, final String... args) {
        final String[] command = new String[args.length + 1];
        command[0] = "poll";
        System.arraycopy(args, 0, command, 1, args.length);
        assertEquals(new CliRun(2, "", message + "\n"), CliRun.of(command));
    }
}
