package dev.eventrouter.persist.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The events whose own {@code time} is far from their archive time ({@code event-time-outliers.dat} beside the
 * queue files): one 16-byte record (event time, queue index; big-endian longs) for every archived event whose time
 * differs from its archive time by more than {@link #WINDOW_MILLIS} (a PutEvents entry with an explicit past or
 * future Time). Replays select by event time ({@link EventTimeReader}): they scan the archive-time range widened by
 * the window, which holds every other event of the range, and read these few by position.
 *
 * <p>Written by the appending thread right after each such append; a process crash can lose only the record of the
 * last entry, which {@link ArchiveStore} checks when it reopens the archive for writing. Records are in append order,
 * so positions ascend. A torn last record is ignored (and overwritten by the next). Not thread-safe.
 */
final class EventTimeIndex implements AutoCloseable {
    /** How far an event's time may be from its archive time and still be found by the widened range scan. */
    static final long WINDOW_MILLIS = 5 * 60_000L;
    static final String FILE = "event-time-outliers.dat";
    private static final int RECORD = 16;

    private final FileChannel channel;
    private final ByteBuffer record = ByteBuffer.allocateDirect(RECORD);

    private EventTimeIndex(final FileChannel channel) {
        this.channel = channel;
    }

    /** @return whether the archive in {@code dir} has this index. */
    static boolean exists(final Path dir) {
        return Files.exists(dir.resolve(FILE));
    }

    /** @return the index of {@code dir}, or {@code null} when a read-only archive has none. */
    static EventTimeIndex open(final Path dir, final boolean readOnly) {
        final FileChannel channel = TimeIndex.openFile(dir, FILE, readOnly);
        return channel == null ? null : new EventTimeIndex(channel);
    }

    /** @return whether an event of this time, archived at this archive time, needs a record. */
    static boolean isOutlier(final long eventTime, final long archiveTime) {
        return eventTime != EventTimes.NONE && Math.abs(eventTime - archiveTime) > WINDOW_MILLIS;
    }

    /** Appending thread: records an outlier. */
    void add(final long eventTime, final long position) {
        TimeIndex.writeRecord(channel, record, eventTime, position, "event-time index");
    }

    /** @return the position of the last whole record, or -1 when there is none. */
    long lastPosition() {
        try {
            final long size = channel.size() / RECORD * RECORD;
            if (size == 0) {
                return -1;
            }
            record.clear();
            while (record.hasRemaining()) {
                if (channel.read(record, size - RECORD + record.position()) < 0) {
                    return -1;
                }
            }
            return record.getLong(8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the archive's event-time index", e);
        }
    }

    /** @return the positions, ascending, of the recorded events whose time is in {@code [from, to)}. */
    long[] positionsBetween(final long from, final long to) {
        final org.agrona.collections.LongArrayList found = new org.agrona.collections.LongArrayList();
        TimeIndex.readRecords(channel, 0, ByteBuffer.allocate(64 * 1024), (time, position) -> {
            if (time >= from && time < to) {
                found.addLong(position);
            }
        }, "event-time index");
        return found.toLongArray();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the archive's event-time index", e);
        }
    }
}
