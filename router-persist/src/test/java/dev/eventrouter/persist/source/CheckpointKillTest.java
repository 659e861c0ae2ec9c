package dev.eventrouter.persist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.source.FileCheckpointStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM saves checkpoints as fast as it can and is killed with SIGKILL in the middle of saving, three times.
 * Each save is one ordered 8-byte store into a mapped page: after every kill, each partition holds a value the child
 * really saved for it (never a torn or mixed one), at or after the last save the child reported.
 */
@Timeout(120)
class CheckpointKillTest {
    private static final int PARTITIONS = 4;

    /** The child: saves n for partition n % 4, n = start, start + 1, ...; prints n after every 10,000th save. */
    public static final class Saver {
        public static void main(final String[] args) {
            final long start = Long.parseLong(args[1]);
            final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            try (FileCheckpointStore store = FileCheckpointStore.open(Path.of(args[0]))) {
                for (long n = start; ; n++) {
                    store.save("m", (int) (n % PARTITIONS), n);
                    if (n % 10_000 == 0) {
                        out.println(n);
                    }
                }
            }
        }
    }

    @TempDir
    Path dir;

    @Test
    void shouldKeepAWholeSavedValueForEveryPartitionWhenKilledMidSave() throws Exception {
        final Path file = dir.resolve("checkpoints.dat");
        long start = 0;
        for (int kill = 0; kill < 3; kill++) {
            final Process child = ChildJvm.start(Saver.class, file.toString(), Long.toString(start));
            long reported = -1;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (int seen = 0; seen < 20; seen++) {
                    reported = Long.parseLong(lines.readLine());
                }
                child.destroyForcibly();   // SIGKILL while it keeps saving
            }
            child.waitFor();
            try (FileCheckpointStore store = FileCheckpointStore.open(file)) {
                long highest = -1;
                for (int p = 0; p < PARTITIONS; p++) {
                    final long value = store.load("m", p);
                    assertEquals(p, value % PARTITIONS, "partition " + p + " holds " + value + ": not a value saved"
                        + " for it");
                    final long lastReportedForP = reported - ((reported - p) % PARTITIONS + PARTITIONS) % PARTITIONS;
                    assertTrue(value >= lastReportedForP, "partition " + p + " went back: " + value + " < "
                        + lastReportedForP);
                    highest = Math.max(highest, value);
                }
                start = highest + 1;
            }
        }
    }
}
