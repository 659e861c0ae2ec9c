package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NdjsonFileSourceTest {
    @TempDir
    Path dir;
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> delivered = new ArrayList<>();

    private EventSourceMapping map(final Poller poller, final String name, final int batchSize,
                                   final PartitionedSource source) {
        return poller.add(MappingConfig.of(name, batchSize, 0), source, checkpoints, (partition, records) -> {
            records.forEach(r -> delivered.add(r.dataAsString()));
            return null;
        });
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    @Test
    void shouldReadLinesSkippingBlankOnesAndTheLastLineWithoutANewline() throws Exception {
        final Path file = Files.writeString(dir.resolve("e.ndjson"), "{\"a\":1}\r\n\n   \n{\"b\":2}\n{\"c\":3}");
        try (NdjsonFileSource source = NdjsonFileSource.open(file, () -> 5, false)) {
            final Poller poller = new Poller(() -> 5);
            map(poller, "m", 2, source);
            cycles(poller, 4);
        }
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"), delivered);
        assertEquals(Files.size(dir.resolve("e.ndjson")) - "{\"c\":3}".length() + 1, checkpoints.load("m", 0),
            "the checkpoint is just past the start of the last line");
    }

    @Test
    void shouldFollowAppendsWaitForAPartialLineAndResumeFromACheckpoint() throws Exception {
        final Path file = Files.writeString(dir.resolve("e.ndjson"), "{\"n\":1}\n{\"n\":2}\n");
        try (NdjsonFileSource source = NdjsonFileSource.open(file, () -> 5, true)) {
            final Poller poller = new Poller(() -> 5);
            map(poller, "m", 10, source);
            cycles(poller, 2);
            Files.writeString(file, "{\"n\":3}\n{\"n\":", StandardOpenOption.APPEND);
            cycles(poller, 2);
            assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"), delivered, "the partial line waits");
            Files.writeString(file, "4}\n", StandardOpenOption.APPEND);
            cycles(poller, 2);
            assertEquals(4, delivered.size());
        }
        Files.writeString(file, "{\"n\":5}\n", StandardOpenOption.APPEND);
        delivered.clear();
        try (NdjsonFileSource source = NdjsonFileSource.open(file, () -> 5, true)) {
            final Poller restarted = new Poller(() -> 5);
            map(restarted, "m", 10, source);
            cycles(restarted, 2);
        }
        assertEquals(List.of("{\"n\":5}"), delivered, "resumed after the last finished line");
    }

    @Test
    void shouldReadLinesLongerThanItsBufferAndStartAtTheEndForLatest() throws Exception {
        final String longLine = "{\"x\":\"" + "y".repeat(200_000) + "\"}";
        final Path file = Files.writeString(dir.resolve("e.ndjson"), longLine + "\n{\"z\":1}\n");
        try (NdjsonFileSource source = NdjsonFileSource.open(file, () -> 5, true)) {
            final Poller poller = new Poller(() -> 5);
            map(poller, "all", 10, source);
            cycles(poller, 2);
        }
        assertEquals(List.of(longLine, "{\"z\":1}"), delivered);
        delivered.clear();
        try (NdjsonFileSource source = NdjsonFileSource.open(file, () -> 5, true)) {
            final Poller poller = new Poller(() -> 5);
            poller.add(MappingConfig.of("latest", 10, 0).startingAt(StartingPosition.LATEST, 0), source, checkpoints,
                (partition, records) -> {
                    records.forEach(r -> delivered.add(r.dataAsString()));
                    return null;
                });
            cycles(poller, 2);
            Files.writeString(file, "{\"after\":1}\n", StandardOpenOption.APPEND);
            cycles(poller, 2);
        }
        assertEquals(List.of("{\"after\":1}"), delivered);
    }

    @Test
    void shouldNameAMissingFileADirectoryAndAnUnsupportedStart() throws Exception {
        assertEquals(dir.resolve("none") + ": no such file", assertThrows(IllegalArgumentException.class,
            () -> NdjsonFileSource.open(dir.resolve("none"), () -> 0, false)).getMessage());
        assertEquals(dir + ": is a directory, not an NDJSON file", assertThrows(IllegalArgumentException.class,
            () -> NdjsonFileSource.open(dir, () -> 0, false)).getMessage());
        final Path file = Files.writeString(dir.resolve("e.ndjson"), "{}\n");
        try (NdjsonFileSource source = NdjsonFileSource.open(file, () -> 0, false)) {
            assertEquals("StartingPosition=AT_TIMESTAMP: a file source cannot start at a time (its lines carry none)",
                assertThrows(IllegalArgumentException.class, () -> new Poller(() -> 0).add(MappingConfig.of("m", 1, 0)
                    .startingAt(StartingPosition.AT_TIMESTAMP, 1), source, checkpoints, (p, r) -> null)).getMessage());
        }
        assertEquals(List.of(), delivered);
    }
}
