package dev.eventrouter.persist.archive;

import java.nio.charset.StandardCharsets;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads an archive in order, from the start or from a time ({@link #seek}). A flyweight: {@link #bytes()} is reused
 * by the next {@link #next()}. Confined to the thread that created it; close it to release the tailer.
 */
public final class ArchiveReader implements AutoCloseable {
    private final ExcerptTailer tailer;
    private final ArchiveStore store;
    private final RollCycle rollCycle;
    private byte[] bytes = new byte[1024];
    private int length;
    private long timeMillis;
    private long index = -1;

    ArchiveReader(final ExcerptTailer tailer, final ArchiveStore store) {
        this.tailer = tailer;
        this.store = store;
        rollCycle = store.rollCycle();
    }

    /**
     * The fault of a read from a memory-mapped file (a corrupt header pointing past the file) is delivered by the JVM
     * asynchronously in compiled code: it may surface as an {@link InternalError} after {@link #next} returned, at the
     * caller's next allocation or call into the VM. Callers that loop over {@code next} catch it and throw this.
     *
     * @return the error as a corrupt archive after the last entry read whole.
     */
    public CorruptArchiveException corruption(final InternalError fault) {
        return new CorruptArchiveException(store.path(), index, fault.getMessage(), fault);
    }

    /**
     * @return whether an event was read; {@code false} at the end of the archive.
     * @throws CorruptArchiveException when the file is corrupt where the next entry should be, or the entry is torn
     *                                 (shorter than its time, or all zeros): nothing torn is ever returned.
     */
    public boolean next() {
        try (DocumentContext document = tailer.readingDocument()) {
            if (!document.isPresent()) {
                return false;
            }
            final Bytes<?> in = document.wire().bytes();
            if (in.readRemaining() < ArchiveStore.HEADER_LENGTH) {
                throw new CorruptArchiveException(store.path(), index, "entry " + document.index() + " holds "
                    + in.readRemaining() + " bytes, less than its time", null);
            }
            final long time = in.readLong();
            final int size = (int) in.readRemaining();
            if (bytes.length < size) {
                bytes = new byte[Math.max(size, bytes.length * 2)];
            }
            in.read(bytes, 0, size);
            if (time == 0 && allZero(bytes, size)) {
                // a header committed over pages never written (a full disk): zeros, not an entry
                throw new CorruptArchiveException(store.path(), index, "entry " + document.index()
                    + " is all zero bytes (a torn write)", null);
            }
            timeMillis = time;
            length = size;
            index = document.index();
            return true;
        } catch (InternalError e) {
            // Chronicle reads through memory-mapped files: a header pointing past the file faults
            throw new CorruptArchiveException(store.path(), index, e.getMessage(), e);
        }
    }

    private static boolean allZero(final byte[] bytes, final int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Positions the reader so that {@link #next()} returns the first event whose archive time is at or after
     * {@code timeMillis}: a binary search over the sparse {@link TimeIndex}, one position lookup and at most about
     * {@value TimeIndex#SPACING} reads; archives without an index fall back to cycle arithmetic and a binary search
     * inside the cycle. Never a scan of the archive.
     */
    public void seek(final long timeMillis) {
        final TimeIndex index = store.timeIndex();
        if (index != null) {
            index.refresh();
            if (index.size() > 0) {
                seekFrom(index.floorPosition(timeMillis), timeMillis);
                return;
            }
        }
        seekByCycle(timeMillis);
    }

    /** From a position known to be earlier than the time (or the start), reads forward to the first event at or after it. */
    private void seekFrom(final long earlier, final long timeMillis) {
        if (earlier < 0 || !tailer.moveToIndex(earlier)) {
            tailer.toStart();
        }
        while (true) {
            final long at;
            final long time;
            try (DocumentContext document = tailer.readingDocument()) {
                if (!document.isPresent()) {
                    return;
                }
                at = document.index();
                time = document.wire().bytes().readLong();
            }
            if (time >= timeMillis) {
                tailer.moveToIndex(at);
                return;
            }
        }
    }

    /** Without a time index: cycle arithmetic, then a binary search inside the cycle. */
    private void seekByCycle(final long timeMillis) {
        final int wanted = rollCycle.current(() -> timeMillis, 0);
        final int cycle = store.existingCycleFrom(wanted, tailer);
        if (cycle < 0) {
            tailer.toEnd();
            return;
        }
        if (cycle > wanted) {
            tailer.moveToIndex(rollCycle.toIndex(cycle, 0));
            return;
        }
        // probing past a cycle's end makes Chronicle scan its index: bound the search by the last sequence
        long low = 0;
        long high = lastSequence(cycle) + 1;
        while (low < high) {
            final long middle = (low + high) >>> 1;
            if (isBefore(cycle, middle, timeMillis)) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        if (probeTime(rollCycle.toIndex(cycle, low)) != Long.MAX_VALUE) {
            tailer.moveToIndex(rollCycle.toIndex(cycle, low));
            return;
        }
        final int next = store.existingCycleFrom(cycle + 1, tailer);
        if (next < 0) {
            tailer.toEnd();
        } else {
            tailer.moveToIndex(rollCycle.toIndex(next, 0));
        }
    }

    /** @return the sequence number of the last event of an existing cycle. */
    private long lastSequence(final int cycle) {
        final net.openhft.chronicle.queue.impl.single.SingleChronicleQueue queue = store.queue();
        if (cycle >= queue.lastCycle()) {
            return rollCycle.toSequenceNumber(queue.lastIndex());
        }
        final int next = store.existingCycleFrom(cycle + 1, tailer);
        tailer.moveToIndex(rollCycle.toIndex(next, 0));
        tailer.direction(net.openhft.chronicle.queue.TailerDirection.BACKWARD);
        try {
            try (DocumentContext first = tailer.readingDocument()) {
                // the first event of the next cycle; reading it moves the tailer back into this cycle
            }
            try (DocumentContext last = tailer.readingDocument()) {
                return last.isPresent() ? rollCycle.toSequenceNumber(last.index()) : -1;
            }
        } finally {
            tailer.direction(net.openhft.chronicle.queue.TailerDirection.FORWARD);
        }
    }

    /** @return whether entry {@code sequence} of {@code cycle} exists and is earlier than {@code timeMillis}. */
    private boolean isBefore(final int cycle, final long sequence, final long timeMillis) {
        return probeTime(rollCycle.toIndex(cycle, sequence)) < timeMillis;
    }

    /** @return the archive time at a position, or {@code Long.MAX_VALUE} when there is no event there. */
    private long probeTime(final long at) {
        if (!tailer.moveToIndex(at)) {
            return Long.MAX_VALUE;
        }
        try (DocumentContext document = tailer.readingDocument()) {
            return document.isPresent() ? document.wire().bytes().readLong() : Long.MAX_VALUE;
        }
    }

    /**
     * Reads the event at a position.
     *
     * @return whether there was one (positions in cycles deleted by retention have none).
     */
    public boolean readAt(final long position) {
        return tailer.moveToIndex(position) && next();
    }

    /** @return the position the next {@link #next()} reads (past the end when there is nothing more yet). */
    public long nextPosition() {
        return tailer.index();
    }

    /** @return the archive time of the event at a position (moves the reader; seek or rewind afterwards). */
    long timeAt(final long at) {
        if (!tailer.moveToIndex(at)) {
            throw new IllegalArgumentException("no event at position " + at);
        }
        try (DocumentContext document = tailer.readingDocument()) {
            if (!document.isPresent()) {
                throw new IllegalArgumentException("no event at position " + at);
            }
            return document.wire().bytes().readLong();
        }
    }

    /**
     * Positions the reader so that {@link #next()} returns the first event whose position is at least
     * {@code position} (positions are queue indexes: they grow but skip between cycles).
     */
    public void seekPosition(final long position) {
        seekPosition(tailer, position);
    }

    /**
     * Positions any Chronicle tailer so that its next read is the first excerpt whose index is at least
     * {@code position}: a direct move when the index exists, one step past the excerpt before it (the end of a
     * cycle), else a read forward from the start (cycles deleted or skipped).
     */
    public static void seekPosition(final ExcerptTailer tailer, final long position) {
        if (position <= 0) {
            tailer.toStart();
            return;
        }
        if (tailer.moveToIndex(position)) {
            return;
        }
        if (tailer.moveToIndex(position - 1)) {
            try (DocumentContext document = tailer.readingDocument()) {
                if (document.isPresent()) {
                    document.wire().bytes().readPosition(document.wire().bytes().readLimit());
                }
            }
            return;
        }
        tailer.toStart();
        while (true) {
            final long at;
            try (DocumentContext document = tailer.readingDocument()) {
                if (!document.isPresent()) {
                    return;
                }
                at = document.index();
                document.wire().bytes().readPosition(document.wire().bytes().readLimit());
            }
            if (at >= position) {
                tailer.moveToIndex(at);
                return;
            }
        }
    }

    /** Lets another thread read from now on (a caller that hands the reader over under its own lock). */
    public void handOver() {
        tailer.singleThreadedCheckReset();
    }

    /** Moves to the start of the archive. */
    public void rewind() {
        tailer.toStart();
    }

    /** @return the last event's bytes, from index 0 to {@link #length()}. */
    public byte[] bytes() {
        return bytes;
    }

    /** @return the last event's length. */
    public int length() {
        return length;
    }

    /** @return the last event's archive time. */
    public long timeMillis() {
        return timeMillis;
    }

    /** @return the last event's position. */
    public long index() {
        return index;
    }

    /** @return the last event as text (allocates). */
    public String eventAsString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        tailer.close();
    }
}
