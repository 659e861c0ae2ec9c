package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays select by the event's own time (StartReplay: "events that occurred between" EventStartTime and
 * EventEndTime). The expected lists are the definition applied to the appended entries: every entry whose
 * {@code time} is in {@code [from, to)}, in archive order, each once.
 */
class EventTimeReaderTest {
    private static final long T0 = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;

    @TempDir
    Path dir;

    private record Entry(long archiveTime, long eventTime, String id) {
    }

    private static byte[] envelope(final long eventTime, final String id) {
        return ("{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"t\",\"source\":\"s\",\"account\":\"1\","
            + "\"time\":\"" + Instant.ofEpochMilli(eventTime) + "\",\"region\":\"r\",\"resources\":[],\"detail\":{}}")
            .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One event every 10 s for two hours, its time its archive time's second, and events published with a Time far
     * from it: before the scanned range, inside it, at the entry that ends the scan, after it, and one just inside
     * the window (found by the scan alone).
     */
    private static List<Entry> entries() {
        final List<Entry> entries = new ArrayList<>();
        for (int k = 0; k < 720; k++) {
            final long at = T0 + k * 10_000L;
            entries.add(new Entry(at, at, "e" + k));
            if (at == T0 + 5 * MINUTE) {
                entries.add(new Entry(at + 1, T0 + 30 * MINUTE + 5_000, "past-published-early"));
            } else if (at == T0 + 30 * MINUTE) {
                entries.add(new Entry(at + 1, T0 - 24 * 60 * MINUTE, "yesterday"));
            } else if (at == T0 + 32 * MINUTE) {
                entries.add(new Entry(at + 1, T0 + 35 * MINUTE + 7_000, "within-window"));
            } else if (at == T0 + 44 * MINUTE) {
                entries.add(new Entry(at + 1, T0 + 20 * MINUTE + 1_000, "inside-scan"));
            } else if (at == T0 + 45 * MINUTE - 10_000) {
                entries.add(new Entry(T0 + 45 * MINUTE - 1, T0 + 45 * MINUTE - 1_000, "last-scanned"));
            } else if (at == T0 + 100 * MINUTE) {
                entries.add(new Entry(at + 1, T0 + 21 * MINUTE, "published-late"));
            }
        }
        // the entry whose archive time ends the scan (to + window) is itself an outlier in range
        final int stop = entries.indexOf(entries.stream().filter(e -> e.archiveTime() == T0 + 45 * MINUTE)
            .findFirst().orElseThrow());
        entries.set(stop, new Entry(T0 + 45 * MINUTE, T0 + 25 * MINUTE, "ends-the-scan"));
        return entries;
    }

    private static List<String> expected(final List<Entry> entries, final long from, final long to) {
        return entries.stream().filter(e -> e.eventTime() >= from && e.eventTime() < to).map(Entry::id).toList();
    }

    private Path write(final List<Entry> entries) {
        final Path archive = dir.resolve("a");
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            for (Entry e : entries) {
                final byte[] bytes = envelope(e.eventTime(), e.id());
                store.append(e.archiveTime(), bytes, 0, bytes.length);
            }
        }
        return archive;
    }

    private static List<String> read(final Path archive, final long from, final long to) {
        final List<String> ids = new ArrayList<>();
        try (ArchiveStore store = ArchiveStore.openReadOnly(archive, RollCycles.FIVE_MINUTELY);
             EventTimeReader reader = new EventTimeReader(store, from, to)) {
            while (reader.next()) {
                final String event = new String(reader.bytes(), 0, reader.length(), StandardCharsets.UTF_8);
                final int at = event.indexOf("\"id\":\"") + 6;
                ids.add(event.substring(at, event.indexOf('"', at)));
                final long own = EventTimes.find(reader.bytes(), 0, reader.length());
                assertEquals(own == EventTimes.NONE ? reader.timeMillis() : own, reader.eventTimeMillis());
            }
        }
        return ids;
    }

    @Test
    void shouldSelectByTheEventsOwnTimeInArchiveOrderEachOnce() {
        final List<Entry> entries = entries();
        final Path archive = write(entries);
        final long from = T0 + 20 * MINUTE;
        final long to = T0 + 40 * MINUTE;
        final List<String> got = read(archive, from, to);
        assertEquals(expected(entries, from, to), got);
        assertEquals(120 + 5, got.size(), "120 regular events and 5 published with another time");
        assertTrue(got.containsAll(List.of("past-published-early", "within-window", "inside-scan", "ends-the-scan",
            "published-late")), got.toString());
        assertEquals(List.of("yesterday"), read(archive, T0 - 24 * 60 * MINUTE, T0 - 24 * 60 * MINUTE + 1));
        assertEquals(expected(entries, Long.MIN_VALUE, Long.MAX_VALUE), read(archive, Long.MIN_VALUE,
            Long.MAX_VALUE));
        assertEquals(List.of(), read(archive, T0 + 200 * MINUTE, T0 + 300 * MINUTE));
    }

    static java.util.stream.LongStream seeds() {
        return dev.eventrouter.testkit.Seeds.fixedAndRandom(11, 12);
    }

    /**
     * Random archives (events every few seconds, some published with a time hours or days away, some at the edge of
     * the window, some without a time) against the definition: every event whose time is in a random range, in
     * archive order, each once.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("seeds")
    void shouldAgreeWithTheDefinitionOnRandomArchivesAndRanges(final long seed) {
        dev.eventrouter.testkit.Seeds.tries(seed, 6, (gen, t) -> {
            final List<Entry> entries = new ArrayList<>();
            long at = T0;
            for (int k = 0; k < gen.between(50, 600); k++) {
                at += gen.between(1, 20_000);
                final int kind = gen.between(0, 9);
                final long eventTime = kind == 0 ? at - gen.between(1, 72) * 3_600_000L
                    : kind == 1 ? at + gen.between(1, 72) * 3_600_000L
                    : kind == 2 ? at + (gen.chance(0.5) ? 1 : -1) * (EventTimeIndex.WINDOW_MILLIS + gen.between(-2, 2))
                    : kind == 3 ? EventTimes.NONE : at / 1000 * 1000;
                entries.add(new Entry(at, eventTime, "e" + k));
            }
            final Path archive = dir.resolve("random-" + seed + "-" + t);
            try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
                for (Entry e : entries) {
                    final byte[] bytes = e.eventTime() == EventTimes.NONE
                        ? ("{\"id\":\"" + e.id() + "\",\"detail\":{}}").getBytes(StandardCharsets.UTF_8)
                        : envelope(e.eventTime() / 1000 * 1000, e.id());
                    store.append(e.archiveTime(), bytes, 0, bytes.length);
                }
            }
            for (int r = 0; r < 5; r++) {
                final long from = T0 - 80 * 3_600_000L + gen.between(0, 160 * 3_600) * 1_000L;
                final long to = from + gen.between(1, 20 * 3_600) * 1_000L;
                final List<String> expected = entries.stream().filter(e -> {
                    final long time = e.eventTime() == EventTimes.NONE ? e.archiveTime() : e.eventTime() / 1000 * 1000;
                    return time >= from && time < to;
                }).map(Entry::id).toList();
                assertEquals(expected, read(archive, from, to), "range [" + from + ", " + to + ")");
            }
        });
    }

    /** A process killed between an outlier's append and its record: reopening for writing adds the record. */
    @Test
    void shouldRecordTheLastOutlierAgainWhenItsRecordWasLost() throws IOException {
        final List<Entry> entries = new ArrayList<>(entries());
        entries.add(new Entry(T0 + 130 * MINUTE, T0 + 22 * MINUTE, "killed-before-its-record"));
        final Path archive = write(entries);
        final Path file = archive.resolve(EventTimeIndex.FILE);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 16 - 5);   // the last record lost, and a torn half of the one before
        }
        final long from = T0 + 20 * MINUTE;
        final long to = T0 + 40 * MINUTE;
        assertTrue(!read(archive, from, to).contains("killed-before-its-record"));
        ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY).close();
        final List<String> expected = new ArrayList<>(expected(entries, from, to));
        // the torn record's event (published-late) stays unrecorded: only the last entry is checked
        expected.remove("published-late");
        assertEquals(expected, read(archive, from, to));
    }

    /** An archive written before the index existed is scanned once when opened for writing. */
    @Test
    void shouldIndexAnArchiveWrittenWithoutTheIndexWhenItIsOpenedForWriting() throws IOException {
        final List<Entry> entries = entries();
        final Path archive = write(entries);
        Files.delete(archive.resolve(EventTimeIndex.FILE));
        final long from = T0 + 20 * MINUTE;
        final long to = T0 + 40 * MINUTE;
        final List<String> scanOnly = read(archive, from, to);
        assertTrue(!scanOnly.contains("past-published-early") && !scanOnly.contains("published-late")
            && scanOnly.contains("inside-scan"), scanOnly.toString());
        ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY).close();
        assertEquals(expected(entries, from, to), read(archive, from, to));
    }

    /** Outliers whose roll cycle retention deleted are skipped, not an error. */
    @Test
    void shouldSkipOutliersDeletedByRetention() {
        final List<Entry> entries = entries();
        final Path archive = write(entries);
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            assertTrue(store.deleteCyclesBefore(T0 + 15 * MINUTE) > 0);
        }
        final long from = T0 + 20 * MINUTE;
        final long to = T0 + 40 * MINUTE;
        final List<String> expected = new ArrayList<>(expected(entries, from, to));
        expected.remove("past-published-early");
        assertEquals(expected, read(archive, from, to));
    }
}
