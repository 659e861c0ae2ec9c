package dev.eventrouter.persist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.persist.archive.ArchiveStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mapping in a child JVM is killed with SIGKILL mid-stream, four times, and restarted over the same archive and
 * checkpoint file: in the end every event was delivered, each run in order from where the last checkpoint was, and
 * the only duplicates are from batches that were delivered but not yet checkpointed (at most one per kill).
 */
@Timeout(180)
class MappingCrashTest {
    private static final int EVENTS = 20_000;
    private static final int BATCH = 100;
    private static final int KILLS = 4;

    @TempDir
    Path dir;

    @Test
    void shouldResumeFromTheCheckpointWithNothingLostAfterSigkill() throws Exception {
        final Path archive = dir.resolve("archive");
        try (ArchiveStore store = ArchiveStore.open(archive)) {
            for (int n = 0; n < EVENTS; n++) {
                final byte[] event = ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
                store.append(1_700_000_000_000L + n, event, 0, event.length);
            }
        }
        final Path checkpoints = dir.resolve("checkpoints.dat");
        final Path out = dir.resolve("delivered.txt");
        final SplittableRandom random = new SplittableRandom(2026);
        for (int kill = 0; kill < KILLS; kill++) {
            ChildJvm.killAfterBatches(MappingCrashChild.class, 5 + random.nextInt(20), archive.toString(),
                checkpoints.toString(), out.toString());
        }
        ChildJvm.runToDone(MappingCrashChild.class, archive.toString(), checkpoints.toString(), out.toString());

        final List<Long> delivered = new ArrayList<>();
        final String text = Files.readString(out);
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            delivered.add(Long.parseLong(line));
        }
        final BitSet seen = new BitSet(EVENTS);
        int duplicates = 0;
        int restarts = 0;
        for (int i = 0; i < delivered.size(); i++) {
            final long n = delivered.get(i);
            if (seen.get((int) n)) {
                duplicates++;
            }
            seen.set((int) n);
            if (i > 0 && n != delivered.get(i - 1) + 1) {
                restarts++;
                assertTrue(n <= delivered.get(i - 1) && n > delivered.get(i - 1) - BATCH,
                    "a restart goes back at most one batch: " + delivered.get(i - 1) + " then " + n);
            }
        }
        assertEquals(EVENTS, seen.cardinality(), "every event delivered");
        assertEquals(0, delivered.get(0));
        assertEquals(EVENTS - 1, delivered.get(delivered.size() - 1));
        assertTrue(duplicates <= KILLS * BATCH, duplicates + " duplicates");
        assertTrue(restarts <= KILLS, restarts + " restarts");
    }
}
