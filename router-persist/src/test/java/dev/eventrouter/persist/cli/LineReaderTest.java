package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    private static List<String> lines(final InputStream in) throws IOException {
        final LineReader reader = new LineReader(in);
        final List<String> lines = new ArrayList<>();
        while (reader.next()) {
            lines.add(new String(reader.bytes(), reader.offset(), reader.length(), StandardCharsets.UTF_8));
        }
        assertFalse(reader.next());
        return lines;
    }

    @Test
    void shouldSplitLinesAcrossChunksAndDropCarriageReturns() throws IOException {
        final StringBuilder text = new StringBuilder();
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            final String line = "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(i % 97) + "\"}";
            expected.add(line);
            text.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        expected.add("last-without-newline");
        text.append("last-without-newline");
        assertEquals(expected, lines(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void shouldHandleALineLongerThanTheChunk() throws IOException {
        final String huge = "y".repeat(2_500_000);
        final String text = "a\n" + huge + "\n\nb";
        assertEquals(List.of("a", huge, "", "b"),
            lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void shouldReadNothingFromAnEmptyStream() throws IOException {
        assertEquals(List.of(), lines(new ByteArrayInputStream(new byte[0])));
    }

    /** Delivers at most 7 bytes per read, as pipes may. */
    @Test
    void shouldAssembleLinesFromShortReads() throws IOException {
        final byte[] bytes = "first line\nsecond\nthird line here\n".getBytes(StandardCharsets.UTF_8);
        final InputStream trickle = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(final byte[] b, final int off, final int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        assertEquals(List.of("first line", "second", "third line here"), lines(trickle));
    }
}
