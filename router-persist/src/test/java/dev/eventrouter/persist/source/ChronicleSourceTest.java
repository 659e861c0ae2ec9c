package dev.eventrouter.persist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.StartingPosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tailing real archive files across cycles, with checkpoints and starting positions. */
class ChronicleSourceTest {
    private static final long MINUTE = 60_000;
    private static final long T0 = 1_700_000_000_000L / MINUTE * MINUTE;

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(T0);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> delivered = new ArrayList<>();

    private static void append(final ArchiveStore store, final long time, final String... values) {
        for (String value : values) {
            final byte[] event = ("{\"v\":\"" + value + "\"}").getBytes(StandardCharsets.UTF_8);
            store.append(time, event, 0, event.length);
        }
    }

    private EventSourceMapping map(final Poller poller, final MappingConfig config, final ChronicleSource source) {
        return poller.add(config, source, checkpoints, (partition, records) -> {
            records.forEach(r -> delivered.add(r.dataAsString().replaceAll(".*:\"|\"}", "")));
            return null;
        });
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    @Test
    void shouldTailAQueueAcrossCyclesAndResumeFromTheCheckpointAtACycleEnd() {
        final Path archive = dir.resolve("a");
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            append(store, T0, "a", "b");
            try (ChronicleSource source = ChronicleSource.open(archive)) {
                final Poller poller = new Poller(clock::get);
                map(poller, MappingConfig.of("m", 10, 0), source);
                cycles(poller, 2);
                assertEquals(List.of("a", "b"), delivered);
                append(store, T0 + 10 * MINUTE, "c");
                append(store, T0 + 20 * MINUTE, "d", "e");
                cycles(poller, 3);
                assertEquals(List.of("a", "b", "c", "d", "e"), delivered, "appended while tailing, three cycles");
            }
            // restart at a checkpoint just past the end of the first cycle
            final Poller restarted = new Poller(clock::get);
            delivered.clear();
            try (ChronicleSource source = ChronicleSource.open(archive)) {
                final long afterB = checkpointAfter(archive, "b");
                checkpoints.save("again", 0, afterB);
                map(restarted, MappingConfig.of("again", 10, 0), source);
                cycles(restarted, 3);
                assertEquals(List.of("c", "d", "e"), delivered);
            }
        }
    }

    /** The position after an event's index, read through a mapping-independent reader. */
    private static long checkpointAfter(final Path archive, final String value) {
        try (ArchiveStore store = ArchiveStore.openReadOnly(archive);
             var reader = store.reader()) {
            while (reader.next()) {
                if (reader.eventAsString().contains("\"" + value + "\"")) {
                    return reader.index() + 1;
                }
            }
        }
        throw new AssertionError(value);
    }

    @Test
    void shouldStartAtLatestOrAtATimestamp() {
        final Path archive = dir.resolve("a");
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            append(store, T0, "old");
            append(store, T0 + 7 * MINUTE, "mid");
            try (ChronicleSource latest = ChronicleSource.of(store);
                 ChronicleSource atTime = ChronicleSource.open(archive)) {
                final Poller poller = new Poller(clock::get);
                map(poller, MappingConfig.of("latest", 10, 0).startingAt(StartingPosition.LATEST, 0), latest);
                cycles(poller, 2);
                assertEquals(List.of(), delivered);
                append(store, T0 + 8 * MINUTE, "new");
                cycles(poller, 2);
                assertEquals(List.of("new"), delivered);
                delivered.clear();
                map(poller, MappingConfig.of("ts", 10, 0).startingAt(StartingPosition.AT_TIMESTAMP, T0 + 6 * MINUTE),
                    atTime);
                cycles(poller, 2);
                assertEquals(List.of("mid", "new"), delivered);
            }
        }
    }

    @Test
    void shouldNameADirectoryThatIsNotAQueue() {
        assertEquals(dir.resolve("none") + ": no such directory", assertThrows(IllegalArgumentException.class,
            () -> ChronicleSource.open(dir.resolve("none"))).getMessage());
        assertEquals(dir + ": not an archive (no metadata.cq4t)", assertThrows(IllegalArgumentException.class,
            () -> ChronicleSource.open(dir)).getMessage());
    }
}
