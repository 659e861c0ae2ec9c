package dev.eventrouter.persist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.FileCheckpointStore;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.SourceRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once across SIGKILL with ParallelizationFactor lanes and bisection: a child JVM maps 3,000 keyed records
 * (three lanes, batches of 20; every 97th record fails its first attempt, so batches are split down to it) with a
 * checkpoint file, and is killed mid-stream three times. After the last run: every record delivered, and at most
 * one batch per lane delivered again per kill (the read window keeps lanes that close to the checkpoint).
 */
@Timeout(180)
class LanesCrashTest {
    static final int RECORDS = 3_000;
    static final int LANES = 3;
    static final int BATCH = 20;
    private static final int KILLS = 3;

    /** The child: the mapping, on a manual clock that moves 100 ms per duty cycle (retries come after 1 s). */
    public static final class Child {
        public static void main(final String[] args) throws IOException {
            final PrintStream report = new PrintStream(System.out, false, StandardCharsets.UTF_8);
            final String padding = "x".repeat(2048);
            final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
            final InMemorySource source = new InMemorySource(1);
            for (int n = 0; n < RECORDS; n++) {
                source.append(0, "k" + n % 7, clock.get(), ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8));
            }
            final Set<Long> failedOnce = new HashSet<>();
            try (FileCheckpointStore checkpoints = FileCheckpointStore.open(Path.of(args[0]));
                 FileChannel output = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                final Poller poller = new Poller(clock::get);
                poller.add(MappingConfig.of("lanes", BATCH, 0).withParallelizationFactor(LANES)
                        .withFailurePolicy(new FailurePolicy(-1, -1, true, false, null)), source, checkpoints,
                    (partition, records) -> {
                        for (SourceRecord record : records) {
                            if (record.position() % 97 == 0 && failedOnce.add(record.position())) {
                                throw new IllegalStateException("first attempt of " + record.position());
                            }
                        }
                        final StringBuilder numbers = new StringBuilder();
                        records.forEach(r -> numbers.append(r.position()).append('\n'));
                        ChildJvm.append(output, numbers.toString());
                        report.println("batch " + records.size() + " " + padding);
                        report.flush();
                        return null;
                    });
                while (checkpoints.load("lanes", 0) < RECORDS) {
                    poller.doWork();
                    clock.addAndGet(100);
                }
                report.println("done");
                report.flush();
            }
        }
    }

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryRecordAndRepeatAtMostOneBatchPerLanePerKill() throws Exception {
        final Path checkpoints = dir.resolve("checkpoints.dat");
        final Path out = dir.resolve("delivered.txt");
        final SplittableRandom random = new SplittableRandom(97);
        for (int kill = 0; kill < KILLS; kill++) {
            ChildJvm.killAfterBatches(Child.class, 10 + random.nextInt(30), checkpoints.toString(), out.toString());
        }
        ChildJvm.runToDone(Child.class, checkpoints.toString(), out.toString());
        final String text = Files.readString(out);
        final BitSet seen = new BitSet(RECORDS);
        int duplicates = 0;
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            final int n = Integer.parseInt(line);
            if (seen.get(n)) {
                duplicates++;
            }
            seen.set(n);
        }
        assertEquals(RECORDS, seen.cardinality(), "every record delivered");
        assertTrue(duplicates <= KILLS * LANES * BATCH, duplicates + " duplicates for " + KILLS + " kills");
    }
}
