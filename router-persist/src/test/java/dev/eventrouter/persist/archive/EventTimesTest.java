package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.testkit.Seeds;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTimesTest {
    private static long find(final String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return EventTimes.find(bytes, 0, bytes.length);
    }

    private static long millis(final String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void shouldFindTheTopLevelTimeOfAnEnvelopeWhereverItIs() {
        assertEquals(millis("2026-12-03T06:00:00Z"), find("{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"t\","
            + "\"source\":\"s\",\"account\":\"1\",\"time\":\"2026-12-03T06:00:00Z\",\"region\":\"r\",\"resources\":[],"
            + "\"detail\":{}}"));
        // after a Detail holding a "time" of its own, nested values, escapes and literals
        assertEquals(millis("2020-02-29T23:59:59Z"), find(" { \"detail\" : {\"time\":\"1999-01-01T00:00:00Z\","
            + "\"a\":[1,{\"b\":\"}]\\\"\"},null,true,-1.5e3]} , \"x\\\"time\":\"2001-01-01T00:00:00Z\",\n"
            + "\"time\" : \"2020-02-29T23:59:59Z\"}"));
        // other ISO-8601 forms go through java.time
        assertEquals(millis("2026-12-03T06:00:00.250Z"), find("{\"time\":\"2026-12-03T06:00:00.250Z\"}"));
        assertEquals(millis("2026-12-03T05:00:00Z"), find("{\"time\":\"2026-12-03T06:00:00+01:00\"}"));
    }

    /** The word-at-a-time search finds the key at every alignment, at the end of the bytes, and within an array. */
    @Test
    void shouldFindTheKeyAtEveryAlignmentAndOffset() {
        for (int pad = 0; pad < 20; pad++) {
            final String json = "{\"a\":\"" + "t".repeat(pad) + "\",\"time\":\"2026-12-03T06:00:00Z\"}";
            final byte[] padded = ("xyz" + json + "tt").getBytes(StandardCharsets.UTF_8);
            assertEquals(millis("2026-12-03T06:00:00Z"), EventTimes.find(padded, 3, padded.length - 5), json);
            final byte[] cut = ("{\"a\":\"" + "t".repeat(pad) + "\",\"time").getBytes(StandardCharsets.UTF_8);
            assertEquals(EventTimes.NONE, EventTimes.find(cut, 0, cut.length), new String(cut,
                StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldAnswerNoneForEventsWithoutAUsableTime() {
        for (String json : new String[] {"{}", "[]", "", "{\"time\":1}", "{\"time\":\"yesterday\"}",
            "{\"time\":\"2026-02-29T00:00:00Z\"}", "{\"time\":\"2026-12-03T24:00:00Z\"}", "{\"a\":{\"time\":\""
            + "2026-12-03T06:00:00Z\"}}", "{\"a\":\"unterminated", "{\"a\":[1,2", "{\"a\" 1, \"time\":\"x\"}",
            "{\"time\":\"2026-12-03T06:00:00Z"}) {
            assertEquals(EventTimes.NONE, find(json), json);
        }
    }

    static java.util.stream.LongStream seeds() {
        return Seeds.fixedAndRandom(7, 8);
    }

    /** The arithmetic fast path against java.time over seeded random instants from year 0 to 9999. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("seeds")
    void shouldParseEveryInstantOfTheFastPathAsJavaTimeDoes(final long seed) {
        final long low = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        final long high = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        Seeds.tries(seed, 20_000, (gen, i) -> {
            final Instant instant = Instant.ofEpochSecond(low + Math.floorMod(gen.nextLong(), high - low + 1));
            final String text = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(instant);
            final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            assertEquals(instant.toEpochMilli(), EventTimes.parse(bytes, 0, bytes.length), text);
        });
    }
}
