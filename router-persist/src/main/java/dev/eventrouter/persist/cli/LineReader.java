package dev.eventrouter.persist.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads '\n'-separated lines as bytes from large chunks; a line is handed out in place (no copy) as
 * {@link #bytes()}[{@link #offset()}, {@link #offset()} + {@link #length()}), valid until the next call. A
 * trailing '\r' is dropped. Single-threaded.
 */
final class LineReader {
    private static final int CHUNK = 1 << 20;

    private final InputStream in;
    private byte[] chunk = new byte[CHUNK];
    private int position;
    private int limit;
    private boolean eof;
    private int lineOffset;
    private int lineLength;

    LineReader(final InputStream in) {
        this.in = in;
    }

    /** @return whether a line was read. */
    boolean next() throws IOException {
        while (true) {
            for (int i = position; i < limit; i++) {
                if (chunk[i] == '\n') {
                    setLine(position, i);
                    position = i + 1;
                    return true;
                }
            }
            if (eof) {
                if (position < limit) {
                    setLine(position, limit);
                    position = limit;
                    return true;
                }
                return false;
            }
            fill();
        }
    }

    private void setLine(final int from, final int to) {
        final int end = to > from && chunk[to - 1] == '\r' ? to - 1 : to;
        lineOffset = from;
        lineLength = end - from;
    }

    private void fill() throws IOException {
        final int remaining = limit - position;
        if (position > 0) {
            System.arraycopy(chunk, position, chunk, 0, remaining);
        } else if (remaining == chunk.length) {
            chunk = Arrays.copyOf(chunk, chunk.length * 2);
        }
        position = 0;
        limit = remaining;
        final int read = in.read(chunk, limit, chunk.length - limit);
        if (read < 0) {
            eof = true;
        } else {
            limit += read;
        }
    }

    byte[] bytes() {
        return chunk;
    }

    int offset() {
        return lineOffset;
    }

    int length() {
        return lineLength;
    }
}
