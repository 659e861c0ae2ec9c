package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveStoreTest {
    private static final long T0 = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;

    @TempDir
    Path dir;

    private static byte[] event(final int n) {
        return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** 1,000 events, one every 3 s from T0 (several five-minute cycles, and gaps between them). */
    private void fill(final ArchiveStore store) {
        for (int n = 0; n < 1_000; n++) {
            final long time = n < 500 ? T0 + n * 3_000L : T0 + 60 * MINUTE + n * 3_000L;
            final byte[] event = event(n);
            store.append(time, event, 0, event.length);
        }
    }

    private static List<Integer> readFrom(final ArchiveReader reader, final int limit) {
        final List<Integer> seen = new ArrayList<>();
        while (seen.size() < limit && reader.next()) {
            final String text = reader.eventAsString();
            seen.add(Integer.parseInt(text.substring(5, text.length() - 1)));
        }
        return seen;
    }

    @Test
    void shouldReadEveryEventInOrderWhenReopened() {
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY)) {
            fill(store);
        }
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            final List<Integer> all = readFrom(reader, Integer.MAX_VALUE);
            assertEquals(1_000, all.size());
            for (int n = 0; n < 1_000; n++) {
                assertEquals(n, all.get(n));
            }
            assertTrue(store.durablePosition() >= 0);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "time index: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void shouldSeekToTheFirstEventAtOrAfterATimeWhenTimesFallInsideOrBetweenCycles(final boolean timeIndex)
        throws java.io.IOException {
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY)) {
            fill(store);
        }
        if (!timeIndex) {
            java.nio.file.Files.delete(dir.resolve(TimeIndex.FILE));
        }
        try (ArchiveStore store = ArchiveStore.openReadOnly(dir); ArchiveReader reader = store.reader()) {
            assertEquals(timeIndex, store.timeIndex() != null);
            reader.seek(T0 + 30_000);
            assertEquals(List.of(10, 11), readFrom(reader, 2), "exact time: inclusive");
            reader.seek(T0 + 30_001);
            assertEquals(List.of(11), readFrom(reader, 1), "between two events");
            reader.seek(T0 + 5 * MINUTE);
            assertEquals(List.of(100), readFrom(reader, 1), "first event of a cycle");
            reader.seek(T0 + 5 * MINUTE - 1);
            assertEquals(List.of(100), readFrom(reader, 1), "just before a cycle boundary");
            reader.seek(T0 + 40 * MINUTE);
            assertEquals(List.of(500), readFrom(reader, 1), "inside the gap with no cycle files");
            reader.seek(T0 - MINUTE);
            assertEquals(List.of(0), readFrom(reader, 1), "before the first event");
            reader.seek(T0 + 10 * 60 * MINUTE);
            assertFalse(reader.next(), "after the last event");
            reader.seek(T0 + 60 * MINUTE + 999 * 3_000L);
            assertEquals(List.of(999), readFrom(reader, 5), "the last event");
            reader.seek(T0 + 60 * MINUTE + 700 * 3_000L);
            assertEquals(List.of(700), readFrom(reader, 1), "right after a sampled event");
        }
    }

    @Test
    void shouldKeepArchiveTimesFromDecreasingWhenIngestionTimesGoBack() {
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            store.append(T0 + 10, event(0), 0, event(0).length);
            store.append(T0 + 5, event(1), 0, event(1).length);
            store.append(T0 + 20, event(2), 0, event(2).length);
            final List<Long> times = new ArrayList<>();
            while (reader.next()) {
                times.add(reader.timeMillis() - T0);
            }
            assertEquals(List.of(10L, 10L, 20L), times);
        }
    }

    @Test
    void shouldFindNothingWhenTheArchiveIsEmpty() {
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            assertEquals(-1, store.durablePosition());
            reader.seek(T0);
            assertFalse(reader.next());
        }
    }

    /**
     * Two writers on one directory interleaved their entries (a test run lost 278,907 of 2,000,000 events over 23
     * time ranges, and archived some twice). The second writer is refused; readers are not; the lock goes with the
     * writer (the crash test reopens after each SIGKILL).
     */
    @Test
    void shouldRefuseASecondWriterButNotReaders() {
        final Path archive = dir.resolve("a");
        try (ArchiveStore writer = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            writer.append(T0, event(1), 0, event(1).length);
            final IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY));
            assertEquals(archive + " is already open for writing (by another process, or by another archive or queue"
                + " of this one): one writer per directory", e.getMessage());
            try (ArchiveStore reader = ArchiveStore.openReadOnly(archive, RollCycles.FIVE_MINUTELY)) {
                assertEquals(1, reader.eventCount());
            }
        }
        try (ArchiveStore again = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            assertEquals(1, again.eventCount());
        }
    }

    /**
     * A kill in the middle of a time-index write leaves a torn last record: readers ignore it, and the next writer
     * writes its record over it, so seeks stay exact.
     */
    @Test
    void shouldIgnoreAndOverwriteATornTimeIndexRecord() throws Exception {
        final Path archive = dir.resolve("torn");
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            fill(store);
        }
        final Path index = archive.resolve(TimeIndex.FILE);
        final long whole = java.nio.file.Files.size(index);
        assertEquals(0, whole % 16);
        java.nio.file.Files.write(index, new byte[] {1, 2, 3, 4, 5, 6, 7}, java.nio.file.StandardOpenOption.APPEND);
        try (ArchiveStore reader = ArchiveStore.openReadOnly(archive, RollCycles.FIVE_MINUTELY);
             ArchiveReader read = reader.reader()) {
            read.seek(T0 + 900 * 3_000L + 60 * MINUTE);
            assertEquals(List.of(900, 901), readFrom(read, 2));
        }
        try (ArchiveStore writer = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY)) {
            final byte[] event = event(1_000);
            writer.append(T0 + 200 * MINUTE, event, 0, event.length);
        }
        assertEquals(whole + 16, java.nio.file.Files.size(index), "the new record replaced the torn bytes");
        try (ArchiveStore reader = ArchiveStore.openReadOnly(archive, RollCycles.FIVE_MINUTELY);
             ArchiveReader read = reader.reader()) {
            read.seek(T0 + 200 * MINUTE);
            assertEquals(List.of(1_000), readFrom(read, 5));
        }
    }
}
