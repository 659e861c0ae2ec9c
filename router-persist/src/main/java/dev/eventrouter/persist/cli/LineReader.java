package dev.eventrouter.persist.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads '\n'-separated lines as bytes into one reusable array; a trailing '\r' is dropped. */
final class LineReader {
    private final InputStream in;
    private byte[] line = new byte[4096];
    private int length;

    LineReader(final InputStream in) {
        this.in = in;
    }

    /** @return whether a line was read; its bytes are {@link #bytes()}[0, {@link #length()}). */
    boolean next() throws IOException {
        length = 0;
        int b;
        boolean any = false;
        while ((b = in.read()) >= 0) {
            any = true;
            if (b == '\n') {
                break;
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, length * 2);
            }
            line[length++] = (byte) b;
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        return any;
    }

    byte[] bytes() {
        return line;
    }

    int length() {
        return length;
    }
}
