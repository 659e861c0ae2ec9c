package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.persist.archive.ArchiveStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The time range of {@code archive dump} and {@code replay} at its boundaries: --from is inclusive and --to
 * exclusive (as EventBridge's StartReplay EventStartTime/EventEndTime), to the millisecond, across events that
 * share a time.
 */
class TimeRangeCliTest {
    private static final long T0 = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;
    private Path archive;

    private static String event(final int n) {
        return "{\"id\":\"e" + n + "\",\"detail\":{\"n\":" + n + "}}";
    }

    /** Events 0-5 at T0, T0+1 s, T0+1 s, T0+2 s, T0+2.001 s, T0+3 s. */
    @BeforeEach
    void archiveSixEvents() {
        archive = dir.resolve("a");
        final long[] times = {T0, T0 + 1_000, T0 + 1_000, T0 + 2_000, T0 + 2_001, T0 + 3_000};
        try (ArchiveStore store = ArchiveStore.open(archive)) {
            for (int n = 0; n < times.length; n++) {
                final byte[] bytes = event(n).getBytes(StandardCharsets.UTF_8);
                store.append(times[n], bytes, 0, bytes.length);
            }
        }
    }

    private static String iso(final long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    private CliRun dump(final long from, final long to) {
        return CliRun.of("archive", "dump", "--dir", archive.toString(), "--from", iso(from), "--to", iso(to));
    }

    @Test
    void shouldDumpFromInclusiveToExclusive() {
        assertEquals(new CliRun(0, event(1) + "\n" + event(2) + "\n", ""), dump(T0 + 1_000, T0 + 2_000));
        assertEquals(new CliRun(0, event(3) + "\n", ""), dump(T0 + 2_000, T0 + 2_001));
        assertEquals(new CliRun(0, event(4) + "\n", ""), dump(T0 + 2_001, T0 + 2_002));
        assertEquals(new CliRun(0, "", ""), dump(T0 + 999, T0 + 1_000));
        assertEquals(new CliRun(0, event(5) + "\n", ""), dump(T0 + 3_000, T0 + 60_000));
        assertEquals(new CliRun(0, event(0) + "\n", ""), dump(T0 - 60_000, T0 + 1));
    }

    @Test
    void shouldReplayUpToButNotIncludingTheEndTime() throws IOException {
        final Path out = dir.resolve("replayed.ndjson");
        final CliRun replay = CliRun.of("replay", "--archive", archive.toString(), "--from", iso(T0 + 1_000), "--to",
            iso(T0 + 2_001), "--out", out.toString(), "--name", "r");
        assertEquals(0, replay.code(), replay.err());
        assertEquals("done: 3 events replayed, last event time 2026-11-28T10:00:02.000Z\n", replay.err());
        assertEquals(List.of(1, 2, 3), Files.readAllLines(out).stream()
            .map(line -> Integer.parseInt(line.replaceAll(".*\"n\":(\\d+).*", "$1"))).toList());
        assertEquals(List.of(true, true, true), Files.readAllLines(out).stream()
            .map(line -> line.startsWith("{\"replay-name\":\"r\",")).toList());
    }
}
