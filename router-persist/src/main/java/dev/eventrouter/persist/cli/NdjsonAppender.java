package dev.eventrouter.persist.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens an NDJSON output for appending. A run killed mid-write (SIGKILL, a full disk) can leave a partial last line;
 * appending after it would glue two records into one, so the partial line is cut off first and reported. With
 * {@code truncate} the file starts empty instead.
 */
final class NdjsonAppender {
    private static final int BUFFER = 1 << 16;

    private NdjsonAppender() {
    }

    /** What was opened and how many bytes of a partial last line were removed. */
    record Opened(OutputStream out, long trimmedBytes) {
    }

    /**
     * @param what names the file in errors ({@code --out}, a config field).
     * @throws UserError when the file cannot be opened or trimmed.
     */
    static Opened open(final Path file, final boolean truncate, final String what) {
        try {
            if (truncate) {
                return new Opened(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), BUFFER), 0);
            }
            final long trimmed = trimPartialLastLine(file);
            return new Opened(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), BUFFER), trimmed);
        } catch (IOException e) {
            throw new UserError(what + ": cannot open " + file + ": " + e.getMessage());
        }
    }

    /** @return bytes removed after the last newline (0 when the file is absent, empty or ends with a newline). */
    static long trimPartialLastLine(final Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final long size = channel.size();
            final ByteBuffer chunk = ByteBuffer.allocate(8192);
            long end = size;
            while (end > 0) {
                final int length = (int) Math.min(chunk.capacity(), end);
                chunk.clear().limit(length);
                final long start = end - length;
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, start + chunk.position()) < 0) {
                        throw new IOException("file shrank while being read");
                    }
                }
                for (int i = length - 1; i >= 0; i--) {
                    if (chunk.get(i) == '\n') {
                        final long keep = start + i + 1;
                        channel.truncate(keep);
                        return size - keep;
                    }
                }
                end = start;
            }
            channel.truncate(0);
            return size;
        }
    }
}
