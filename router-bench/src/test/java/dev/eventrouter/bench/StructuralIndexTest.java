package dev.eventrouter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The experiment behind StructuralIndexBenchmark answers what it claims to, so its figures measure real work. */
class StructuralIndexTest {
    private final StructuralIndex index = new StructuralIndex(new StructuralIndex.SwarMasks());

    private int skip(final String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return index.skip(bytes, 0, bytes.length);
    }

    @Test
    void shouldSkipEveryBenchmarkEventWhole() {
        for (final byte[] event : MatchLoop.cityLots(1_000)) {
            assertEquals(event.length, index.skip(event, 0, event.length), new String(event, StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}", "[]", "{ \"a\" : [ 1 , true , null , false, \"x\" ] ,\n\t\"b\": {\"c\": -0.5e+3, \"d\": [[], {}]}\r}",
        "[0, -0, 1.25, 2E7, 3e-2, \"a{b}[c],:d\"]",
        "{\"long\":\"0123456789012345678901234567890123456789012345678901234567890123456789{[,:\",\"n\":12345678}"})
    void shouldSkipValidJsonToItsEnd(final String json) {
        assertEquals(json.getBytes(StandardCharsets.UTF_8).length, skip(json));
    }

    @Test
    void shouldStopAfterTheFirstContainer() {
        assertEquals(7, skip("{\"a\":1}}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":tru}", "[1 2]", "{\"a\":[1}", "{\"a\":-}",
        "{\"a\":1x}", "{", "{\"a\":\"unterminated}", "{\"a\":\"x\u0001\"}", "{1:2}", "[,1]", "{\"a\":1:2}",
        "{\"a\":\"\\n\"}", "{\"a\":\u000b1}"})
    void shouldLeaveEverythingElseToTheScalarScan(final String json) {
        assertEquals(-1, skip(json));
    }

    @Test
    void shouldClassifyEveryByteAsAByteByByteReadingDoes() {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        final StructuralIndex.SwarMasks masks = new StructuralIndex.SwarMasks();
        final byte[] alphabet = "\"\\{}[],: \t\n\r\u0001ax0-.\u007f".getBytes(StandardCharsets.ISO_8859_1);
        final byte[] block = new byte[64];
        for (int round = 0; round < 2_000; round++) {
            for (int i = 0; i < 64; i++) {
                block[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            masks.classify(block, 0);
            long quotes = 0;
            long backslashes = 0;
            long controls = 0;
            long spaces = 0;
            long structurals = 0;
            for (int i = 0; i < 64; i++) {
                final int c = block[i] & 0xff;
                quotes |= (c == '"' ? 1L : 0L) << i;
                backslashes |= (c == '\\' ? 1L : 0L) << i;
                controls |= (c < 0x20 ? 1L : 0L) << i;
                spaces |= (c == ' ' ? 1L : 0L) << i;
                structurals |= ("{}[],:".indexOf(c) >= 0 ? 1L : 0L) << i;
            }
            final String where = "seed " + seed + ", round " + round;
            assertEquals(quotes, masks.quotes, where);
            assertEquals(backslashes, masks.backslashes, where);
            assertEquals(controls, masks.controls, where);
            assertEquals(spaces, masks.spaces, where);
            assertEquals(structurals, masks.structurals, where);
        }
    }
}
