package dev.eventrouter.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.EpochClock;

/**
 * A file of newline-delimited records (NDJSON) as a one-partition source: a record is a line without its line
 * ending, its position the byte offset where the line starts, its timestamp the clock when it was read, its key
 * {@code null}. Blank lines are skipped. Following a file ({@code follow}), a last line without a newline is left
 * until its newline arrives (it may still be being written); otherwise it is read at the end of the file. Poller
 * thread only; close it to release the file.
 */
public final class NdjsonFileSource implements PartitionedSource, AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final EpochClock clock;
    private final boolean follow;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    /** File offset of buffer index 0. */
    private long bufferStart;
    /** The position after the last record returned (where a continuing poll starts). */
    private long expected = Long.MIN_VALUE;

    private NdjsonFileSource(final Path file, final FileChannel channel, final EpochClock clock, final boolean follow) {
        this.file = file;
        this.channel = channel;
        this.clock = clock;
        this.follow = follow;
        buffer.limit(0);
    }

    /**
     * Opens a file.
     *
     * @param follow wait for lines appended later (a last line without a newline waits for it).
     * @throws IllegalArgumentException when it does not exist or is a directory.
     */
    public static NdjsonFileSource open(final Path file, final EpochClock clock, final boolean follow) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + ": is a directory, not an NDJSON file");
        }
        try {
            return new NdjsonFileSource(file, FileChannel.open(file, StandardOpenOption.READ), clock, follow);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** @return the file's URI. */
    @Override
    public String arn() {
        return file.toAbsolutePath().toUri().toString();
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public int poll(final int partition, final long fromPosition, final int maxRecords, final List<SourceRecord> into) {
        try {
            if (fromPosition != expected) {
                seek(fromPosition);
            }
            int added = 0;
            while (added < maxRecords) {
                int start = buffer.position();
                int end = -1;
                for (int i = start; i < buffer.limit(); i++) {
                    if (buffer.get(i) == '\n') {
                        end = i;
                        break;
                    }
                }
                if (end < 0) {
                    if (fill()) {
                        continue;
                    }
                    if (follow || buffer.remaining() == 0) {
                        break;
                    }
                    start = buffer.position();  // fill() moved the unread bytes to the front
                    end = buffer.limit();  // the last line, without a newline
                }
                final long position = bufferStart + start;
                buffer.position(Math.min(end + 1, buffer.limit()));
                expected = position + 1;
                int length = end - start;
                if (length > 0 && buffer.get(start + length - 1) == '\r') {
                    length--;
                }
                if (isBlank(start, length)) {
                    continue;
                }
                final byte[] line = new byte[length];
                buffer.get(start, line);
                into.add(new SourceRecord(null, clock.time(), position, line));
                added++;
            }
            return added;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private boolean isBlank(final int start, final int length) {
        for (int i = start; i < start + length; i++) {
            final byte b = buffer.get(i);
            if (b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /** Drops what was read, then reads more of the file behind what is left. @return whether bytes were added. */
    private boolean fill() throws IOException {
        bufferStart += buffer.position();
        buffer.compact();
        if (buffer.position() == buffer.capacity()) {
            final ByteBuffer grown = ByteBuffer.allocate(buffer.capacity() * 2);
            buffer.flip();
            grown.put(buffer);
            buffer = grown;
        }
        final int read = channel.read(buffer, bufferStart + buffer.position());
        buffer.flip();
        return read > 0;
    }

    /** Starts reading at the first line that starts at or after {@code position}. */
    private void seek(final long position) throws IOException {
        buffer.clear().limit(0);
        if (position <= 0) {
            bufferStart = 0;
            return;
        }
        // the line starting at or after position is the one after the first newline at or after position - 1
        bufferStart = position - 1;
        while (true) {
            for (int i = buffer.position(); i < buffer.limit(); i++) {
                if (buffer.get(i) == '\n') {
                    buffer.position(i + 1);
                    return;
                }
            }
            buffer.position(buffer.limit());
            if (!fill()) {
                return;
            }
        }
    }

    @Override
    public long startPosition(final int partition, final StartingPosition start, final long timestampMs) {
        return switch (start) {
            case TRIM_HORIZON -> 0;
            case LATEST -> {
                try {
                    yield channel.size();
                } catch (IOException e) {
                    throw new UncheckedIOException(file + ": " + e.getMessage(), e);
                }
            }
            case AT_TIMESTAMP -> throw new IllegalArgumentException(
                "StartingPosition=AT_TIMESTAMP: a file source cannot start at a time (its lines carry none)");
        };
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
