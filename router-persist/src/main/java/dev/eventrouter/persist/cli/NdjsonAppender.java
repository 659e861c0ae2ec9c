package dev.eventrouter.persist.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
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

    /**
     * @param what  names the file in errors and on stderr ({@code --out}, a config field).
     * @param after what the stderr line adds after saying a partial line was removed (what happens to its record).
     * @throws UserError when the file cannot be opened or trimmed.
     */
    static OutputStream open(final Path file, final boolean truncate, final String what, final PrintWriter err,
                             final String after) {
        try {
            if (truncate) {
                return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), BUFFER);
            }
            final long trimmed = trimPartialLastLine(file);
            if (trimmed > 0) {
                err.println(what + ": " + file + ": removed a partial last line of " + trimmed + " bytes (an earlier"
                    + " run stopped mid-write" + after + ")");
                err.flush();
            }
            return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), BUFFER);
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
