package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Filters match the record as Lambda filters it. Expected values: the Lambda developer guide's pages
 * "Using event filtering with an Amazon SQS event source" (filtering on the {@code body} key only, its
 * {@code RequestCode} example) and "... with a Kinesis event source" (the {@code data} key only, JSON data), and the
 * Pipes user guide's event filtering format-mismatch rules (a JSON pattern against a plain-string body, or a string
 * pattern against a JSON body, drops the message; a stream's data and pattern must both be JSON).
 */
class RecordFilterTest {
    private static boolean passes(final RecordFilter filter, final String payload) {
        return filter.passes(payload.getBytes(StandardCharsets.UTF_8));
    }

    private static RecordFilter queue(final String... patterns) {
        return RecordFilter.of(List.of(patterns), RecordFilter.Key.BODY);
    }

    private static RecordFilter stream(final String... patterns) {
        return RecordFilter.of(List.of(patterns), RecordFilter.Key.DATA);
    }

    @Test
    void shouldFilterAQueueMessageOnItsBodyParsedAsJson() {
        final RecordFilter bbbb = queue("{ \"body\" : { \"RequestCode\" : [ \"BBBB\" ] } }");
        assertTrue(passes(bbbb, "{\n \"RecordNumber\": 1234,\n \"TimeStamp\": \"yyyy-mm-ddThh:mm:ss\",\n"
            + " \"RequestCode\": \"BBBB\"\n}"));
        assertFalse(passes(bbbb, "{\"RecordNumber\": 1234, \"RequestCode\": \"AAAA\"}"));
        assertFalse(passes(bbbb, "RequestCode BBBB"), "an object pattern never matches a plain-string body");
        // the bare payload's keys are not the record's: the old form of the same filter matches nothing
        assertFalse(passes(queue("{\"RequestCode\":[\"BBBB\"]}"), "{\"RequestCode\": \"BBBB\"}"));
        assertFalse(passes(queue("{\"messageId\":[\"059f36b4\"]}"), "{}"), "only the body key is filtered on");
    }

    @Test
    void shouldMatchAPlainStringBodyAsAStringAndNeverAJsonBodyWithAStringPattern() {
        final RecordFilter hello = queue("{\"body\":[\"hello\"]}", "{\"body\":[{\"prefix\":\"say \\\"hi\"}]}");
        assertTrue(passes(hello, "hello"));
        assertTrue(passes(hello, "say \"hi\"\n\tand\\or \u00e9"), "quotes, backslashes and control characters");
        assertTrue(passes(hello, "\"hello\""), "a JSON string body is JSON: the string hello");
        assertFalse(passes(hello, "{\"hello\":1}"), "a string pattern never matches a JSON body");
        assertFalse(passes(hello, "hell"));
        // text that starts like JSON (t, f, n, a digit) is tried as JSON first, then as a string
        final RecordFilter words = queue("{\"body\":[\"true story\", \" padded\", \"404 not found\"]}");
        assertTrue(passes(words, "true story"));
        assertTrue(passes(words, " padded"));
        assertTrue(passes(words, "404 not found"));
        assertTrue(passes(queue("{\"body\":[true]}"), "true"), "the JSON literal true");
        assertTrue(passes(queue("{\"body\":[{\"numeric\":[\">\",10]}]}"), "42"), "a JSON number body");
    }

    @Test
    void shouldFilterAStreamRecordOnItsDataAsJsonOnly() {
        final RecordFilter aaaa = stream("{\"data\":{\"RequestCode\":[\"AAAA\"]}}");
        assertTrue(passes(aaaa, "{\"RecordNumber\": \"0001\", \"TimeStamp\": \"yyyy-mm-ddThh:mm:ss\", "
            + "\"RequestCode\": \"AAAA\"}"));
        assertFalse(passes(aaaa, "{\"RequestCode\": \"BBBB\"}"));
        assertFalse(passes(aaaa, "RequestCode AAAA"), "non-JSON data passes no filter");
        assertFalse(passes(stream("{\"data\":{\"RequestCode\":[{\"exists\":false}]}}"), "plain text"));
        assertEquals("FilterCriteria.Filters[1]: $.data: a stream record's data is filtered as JSON, so the pattern "
            + "must give an object for it, not values to match as a string", assertThrows(
                IllegalArgumentException.class, () -> stream("{\"data\":{\"a\":[1]}}", "{\"data\":[\"plain\"]}"))
                .getMessage());
        assertEquals("FilterCriteria.Filters[0]: $.data: a stream record's data is filtered as JSON, so the pattern "
            + "must give an object for it, not values to match as a string", assertThrows(
                IllegalArgumentException.class, () -> stream("{\"$or\":[{\"data\":{\"a\":[1]}},{\"data\":[\"plain\"]}]}"))
                .getMessage(), "in any $or branch");
        assertNull(stream(), "no patterns: everything passes");
    }

    @Test
    void shouldReadThePayloadInPlaceAndGrowItsBufferOnce() {
        final RecordFilter filter = queue("{\"body\":{\"n\":[2]}}");
        final byte[] framed = "xx{\"n\":2}yy".getBytes(StandardCharsets.UTF_8);
        assertTrue(filter.passes(framed, 2, framed.length - 4));
        final String big = "{\"n\":2,\"pad\":\"" + "p".repeat(100_000) + "\"}";
        assertTrue(passes(filter, big));
        assertTrue(passes(filter, "{\"n\":2}"));
    }
}
