package dev.eventrouter.persist.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A sparse time → position index beside an archive's queue files ({@code time-index.dat}): one 16-byte record
 * (archive time, queue index; big-endian longs) for every {@value #SPACING}th event this process appends. Seeking
 * is a binary search over the records in memory, one Chronicle {@code moveToIndex}, and at most about
 * {@value #SPACING} sequential reads: logarithmic in the archive's size.
 *
 * <p>Written by the appending thread (a 16-byte write every {@value #SPACING} appends, which a process crash does not
 * lose once it returned); readers load the file and re-read its tail before each seek. A torn last record is
 * ignored. Not thread-safe.
 */
final class TimeIndex implements AutoCloseable {
    /** Events between two records. */
    static final int SPACING = 256;
    static final String FILE = "time-index.dat";
    private static final int RECORD = 16;

    private final FileChannel channel;
    private final ByteBuffer record = ByteBuffer.allocateDirect(RECORD);
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
    private long[] times = new long[1024];
    private long[] positions = new long[1024];
    private int size;
    private long loadedBytes;
    private long appendsSinceRecord = SPACING;

    private TimeIndex(final FileChannel channel) {
        this.channel = channel;
    }

    /** @return the index of {@code dir}, or {@code null} when a read-only archive has none (older archives). */
    static TimeIndex open(final Path dir, final boolean readOnly) {
        final FileChannel channel = openFile(dir, FILE, readOnly);
        return channel == null ? null : new TimeIndex(channel);
    }

    /**
     * Opens one of the record files beside an archive's queue files: created when writing, only if present when
     * reading.
     *
     * @return its channel, or {@code null} when a read-only archive has no such file.
     */
    static FileChannel openFile(final Path dir, final String name, final boolean readOnly) {
        final Path file = dir.resolve(name);
        try {
            if (readOnly) {
                return Files.exists(file) ? FileChannel.open(file, StandardOpenOption.READ) : null;
            }
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("archive " + dir + ": cannot open " + name, e);
        }
    }

    /** Appending thread: records every {@value #SPACING}th event (the first one after opening too). */
    void onAppend(final long time, final long position) {
        if (++appendsSinceRecord < SPACING) {
            return;
        }
        appendsSinceRecord = 0;
        writeRecord(channel, record, time, position, "time index");
    }

    /**
     * Writes a 16-byte record of two longs after the last whole record of {@code channel} (over a torn one).
     *
     * @param what the index, for the message of a failed write.
     */
    static void writeRecord(final FileChannel channel, final ByteBuffer record, final long first, final long second,
                            final String what) {
        record.clear();
        record.putLong(first).putLong(second).flip();
        try {
            final long at = channel.size() / RECORD * RECORD;
            while (record.hasRemaining()) {
                channel.write(record, at + record.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the archive's " + what, e);
        }
    }

    /** Loads the records written since the last call (by this or another process). */
    void refresh() {
        loadedBytes = readRecords(channel, loadedBytes, chunk, this::add, "time index");
    }

    /** Receives one record of two longs. */
    @FunctionalInterface
    interface RecordSink {
        void accept(long first, long second);
    }

    /**
     * Reads the whole 16-byte records of {@code channel} from byte {@code from} on, through {@code chunk} (a torn last
     * record is left for later).
     *
     * @param what the index, for the message of a failed read.
     * @return the byte after the last record read.
     */
    static long readRecords(final FileChannel channel, final long from, final ByteBuffer chunk, final RecordSink sink,
                            final String what) {
        long at = from;
        try {
            final long end = channel.size() / RECORD * RECORD;
            while (at < end) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), end - at));
                if (channel.read(chunk, at) <= 0) {
                    break;
                }
                chunk.flip();
                while (chunk.remaining() >= RECORD) {
                    sink.accept(chunk.getLong(), chunk.getLong());
                    at += RECORD;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the archive's " + what, e);
        }
        return at;
    }

    private void add(final long time, final long position) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            positions = Arrays.copyOf(positions, size * 2);
        }
        times[size] = time;
        positions[size] = position;
        size++;
    }

    /** @return the position of the last recorded event earlier than {@code time}, or -1 when there is none. */
    long floorPosition(final long time) {
        int low = 0;
        int high = size;
        while (low < high) {
            final int middle = (low + high) >>> 1;
            if (times[middle] < time) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low == 0 ? -1 : positions[low - 1];
    }

    /** @return records loaded. */
    int size() {
        return size;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the archive's time index", e);
        }
    }
}
