package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.openhft.chronicle.queue.RollCycles;
import dev.eventrouter.persist.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM appends at full speed and is killed with SIGKILL at a random moment, several times over the same
 * archive; after each kill every event up to the last position the child reported is present, in order, whole.
 */
@Timeout(180)
class ArchiveCrashTest {
    private static final int KILLS = 4;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryReportedEventWholeAndInOrderWhenTheAppenderIsKilled() throws Exception {
        final SplittableRandom random = new SplittableRandom(2026);
        long lastReported = -1;
        for (int kill = 0; kill < KILLS; kill++) {
            final Process child = start();
            final int reportsBeforeKill = 20 + random.nextInt(400);
            long reportedNumber = -1;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (int i = 0; i < reportsBeforeKill; i++) {
                    final String line = lines.readLine();
                    assertTrue(line != null && line.startsWith("durable "), "child said: " + line);
                    reportedNumber = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                }
                child.destroyForcibly();
                child.waitFor();
            }
            assertTrue(reportedNumber > lastReported, "the child continued after the previous kill");
            lastReported = reportedNumber;

            final List<Long> numbers = readAll();
            assertTrue(numbers.size() > reportedNumber, numbers.size() + " events, reported " + reportedNumber);
            for (int i = 0; i < numbers.size(); i++) {
                assertEquals(i, numbers.get(i), "event " + i + " in order, none lost or repeated");
            }
            assertSeeksWork(numbers.size());
        }
    }

    /** The time index written beside the queue survives the kills too: a seek lands on the first event at the time. */
    private void assertSeeksWork(final int events) {
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            final List<Long> times = new ArrayList<>();
            while (reader.next()) {
                times.add(reader.timeMillis());
            }
            for (int probe = 1; probe <= 4; probe++) {
                final int target = events * probe / 5;
                final long time = times.get(target);
                reader.seek(time);
                assertTrue(reader.next());
                assertEquals(times.indexOf(time), ChildJvm.number(reader.eventAsString()), "first event at " + time);
            }
        }
    }

    private List<Long> readAll() {
        final List<Long> numbers = new ArrayList<>();
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            while (reader.next()) {
                final String event = reader.eventAsString();
                assertTrue(event.endsWith("\"}") && event.length() > 600, "a whole event: " + event.length());
                numbers.add(ChildJvm.number(event));
            }
        }
        return numbers;
    }

    private Process start() throws IOException {
        return ChildJvm.start(ArchiveCrashChild.class, dir.toString());
    }
}
