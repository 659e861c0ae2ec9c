package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.persist.archive.ArchiveStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code router replay --speed 1x} of an archive spanning 100 s runs in a child JVM: it shows a progress line on
 * stderr, and Ctrl-C (SIGINT) makes it stop cleanly and say how far it got.
 */
@Timeout(120)
class ReplayInterruptTest {
    private static final long T0 = 1_795_860_000_000L;

    @TempDir
    Path dir;

    @Test
    void shouldShowProgressAndStopCleanlyWhenInterrupted() throws Exception {
        final Path archive = dir.resolve("slow");
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FAST_HOURLY)) {
            for (int n = 0; n < 1_000; n++) {
                final byte[] event = ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
                store.append(T0 + n * 100L, event, 0, event.length);
            }
        }
        final Process child = start("replay", "--archive", archive.toString(), "--from", Long.toString(T0), "--to",
            Long.toString(T0 + 1_000_000), "--speed", "1x", "--out", dir.resolve("out.ndjson").toString());
        final List<String> lines = new ArrayList<>();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(),
            StandardCharsets.UTF_8))) {
            String line = err.readLine();
            while (line != null && !line.startsWith("[")) {
                line = err.readLine();
            }
            assertTrue(line != null && line.matches("\\[=* *\\] +\\d+% [\\d,]+ events [\\d,]+/s ETA \\d+ s"),
                "a progress line: " + line);
            new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
            while ((line = err.readLine()) != null) {
                lines.add(line);
            }
        }
        assertEquals(130, child.waitFor());
        final String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("stopped: [\\d,]+ events replayed, last event time 2026-11-28T10:0\\d:\\d\\d\\.\\d+Z"),
            last);
    }

    private static Process start(final String... args) throws IOException {
        return ChildJvm.builder(RouterCli.class, args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
