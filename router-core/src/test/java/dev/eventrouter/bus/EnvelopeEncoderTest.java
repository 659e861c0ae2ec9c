package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchedRules;
import dev.eventrouter.match.RuleSet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;

class EnvelopeEncoderTest {
    private static final String ACCOUNT = "123456789012";
    private static final String REGION = "eu-west-1";

    private final CachedEpochClock clock = new CachedEpochClock();
    private final EnvelopeEncoder encoder = new EnvelopeEncoder(IngestLimits.DEFAULT, clock,
        () -> "11111111-2222-4333-8444-555555555555");

    private String encode(final PutEventsEntry entry) {
        assertNull(encoder.validate(entry));
        final int length = encoder.encode(entry, ACCOUNT, REGION);
        return new String(encoder.bytes(), 0, length, StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteTheEnvelopeInEventBridgeFieldOrder() {
        clock.update(Instant.parse("2026-11-28T10:15:30.999Z").toEpochMilli());
        final String envelope = encode(PutEventsEntry.of("com.shop", "Order Placed", "{\"amount\": 250}")
            .withResources(List.of("arn:aws:s3:::bucket")));
        assertEquals("{\"version\":\"0\",\"id\":\"11111111-2222-4333-8444-555555555555\",\"detail-type\":\"Order Placed\","
            + "\"source\":\"com.shop\",\"account\":\"123456789012\",\"time\":\"2026-11-28T10:15:30Z\","
            + "\"region\":\"eu-west-1\",\"resources\":[\"arn:aws:s3:::bucket\"],\"detail\":{\"amount\": 250}}", envelope);
        assertEquals("11111111-2222-4333-8444-555555555555", encoder.eventId());
    }

    @Test
    void shouldKeepTheProducersTimeAndEscapeStrings() {
        final String envelope = encode(new PutEventsEntry("a\"b\\c", "tab\there", "  {}  ",
            Instant.parse("2017-12-22T18:43:48Z"), List.of(), null));
        assertEquals("{\"version\":\"0\",\"id\":\"11111111-2222-4333-8444-555555555555\",\"detail-type\":\"tab\\there\","
            + "\"source\":\"a\\\"b\\\\c\",\"account\":\"123456789012\",\"time\":\"2017-12-22T18:43:48Z\","
            + "\"region\":\"eu-west-1\",\"resources\":[],\"detail\":{}}", envelope);
    }

    /**
     * The encoder formats a second once and reuses the text while entries stay in it: each new second (the clock's
     * or the producer's, earlier ones and those before 1970 included) must be formatted again, truncated down.
     */
    @Test
    void shouldStampEachEntryWithItsOwnSecondWhenSecondsChange() {
        final String[] expected = {"2026-11-28T10:15:30Z", "2026-11-28T10:15:30Z", "2026-11-28T10:15:31Z",
            "1969-12-31T23:59:59Z", "2026-11-28T10:15:31Z"};
        clock.update(Instant.parse("2026-11-28T10:15:30.001Z").toEpochMilli());
        final List<String> times = new java.util.ArrayList<>();
        times.add(timeOf(encode(PutEventsEntry.of("s", "t", "{}"))));
        clock.update(Instant.parse("2026-11-28T10:15:30.999Z").toEpochMilli());
        times.add(timeOf(encode(PutEventsEntry.of("s", "t", "{}"))));
        clock.update(Instant.parse("2026-11-28T10:15:31.000Z").toEpochMilli());
        times.add(timeOf(encode(PutEventsEntry.of("s", "t", "{}"))));
        times.add(timeOf(encode(new PutEventsEntry("s", "t", "{}", Instant.parse("1969-12-31T23:59:59.500Z"),
            List.of(), null))));
        times.add(timeOf(encode(PutEventsEntry.of("s", "t", "{}"))));
        assertEquals(List.of(expected), times);
    }

    private static String timeOf(final String envelope) {
        final int at = envelope.indexOf("\"time\":\"") + 8;
        return envelope.substring(at, envelope.indexOf('"', at));
    }

    @Test
    void shouldEscapeControlCharactersAsUnicodeEscapes() {
        final String envelope = encode(new PutEventsEntry("a\u001fb\nc", "t", "{}", null, List.of(), null));
        assertTrue(envelope.contains("\"source\":\"a\\u001Fb\\nc\""), envelope);
    }

    @Test
    void shouldProduceAnEnvelopeThatRulesMatch() {
        final RuleSet rules = new RuleSet();
        rules.put("orders", "{\"source\":[\"com.shop\"],\"detail-type\":[\"Order Placed\"],"
            + "\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]},\"account\":[\"123456789012\"]}");
        final String envelope = encode(PutEventsEntry.of("com.shop", "Order Placed", "{\"amount\":250}"));
        final MatchedRules matched = new MatchedRules();
        new EventMatcher(rules).match(envelope, matched);
        assertEquals(List.of("orders"), matched.sortedNames());
    }

    /**
     * AWS's codes and messages, as recorded against AWS in LocalStack's
     * {@code tests/aws/services/events/test_events.snapshot.json} ({@code test_put_events_without_source},
     * {@code test_put_event_without_detail}, {@code test_put_event_without_detail_type} with an empty DetailType,
     * {@code test_put_event_malformed_detail} for "[]", "{{}" and a JSON string), with where after AWS's reason.
     */
    @Test
    void shouldRejectEntriesWithTheCodeAndAMessageNamingTheField() {
        assertEquals("Parameter Source is not valid. Reason: Source is a required argument.",
            EnvelopeEncoder.required("Source"));
        final String malformed = "Detail is malformed. Reason: ";
        assertError(EntryError.INVALID_ARGUMENT, EnvelopeEncoder.required("Source"),
            PutEventsEntry.of(null, "t", "{}"));
        assertError(EntryError.INVALID_ARGUMENT, EnvelopeEncoder.required("Source"), PutEventsEntry.of("", "t", "{}"));
        assertError(EntryError.INVALID_ARGUMENT, "Parameter DetailType is not valid. Reason: DetailType is a required "
            + "argument.", PutEventsEntry.of("s", "", "{}"));
        assertError(EntryError.INVALID_ARGUMENT, EnvelopeEncoder.required("DetailType"),
            PutEventsEntry.of("s", null, "{}"));
        assertError(EntryError.INVALID_ARGUMENT, "DetailType must be at most 128 characters, got 129",
            PutEventsEntry.of("s", "x".repeat(129), "{}"));
        assertError(EntryError.INVALID_ARGUMENT, "Parameter Detail is not valid. Reason: Detail is a required "
            + "argument.", PutEventsEntry.of("s", "t", null));
        assertError(EntryError.MALFORMED_DETAIL, malformed + "not a JSON object", PutEventsEntry.of("s", "t", "[]"));
        assertError(EntryError.MALFORMED_DETAIL, malformed + "not a JSON object",
            PutEventsEntry.of("s", "t", "\"NotJSON\""));
        assertError(EntryError.MALFORMED_DETAIL, malformed + "not valid JSON: expected ':' after a field name at byte "
            + "offset 5", PutEventsEntry.of("s", "t", "{\"a\" 1}"));
        assertError(EntryError.MALFORMED_DETAIL, malformed + "not valid JSON: unexpected content after the event at "
            + "byte offset 2", PutEventsEntry.of("s", "t", "{}{}"));
        assertEquals(EntryError.MALFORMED_DETAIL, new EnvelopeEncoder(IngestLimits.DEFAULT, clock, () -> "id")
            .validate(PutEventsEntry.of("s", "t", "{{}")).code());
        assertEquals(EntryError.MALFORMED_DETAIL, new EnvelopeEncoder(IngestLimits.DEFAULT, clock, () -> "id")
            .validate(PutEventsEntry.of("s", "t", "NotJSON")).code());
        assertEquals("Resources[1] must not be null", org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new PutEventsEntry("s", "t", "{}", null,
                java.util.Arrays.asList("r", null), null)).getMessage());
    }

    @Test
    void shouldEnforceTheDetailDepthLimit() {
        final EnvelopeEncoder shallow = new EnvelopeEncoder(new IngestLimits(1024, 3), clock, () -> "id");
        assertNull(shallow.validate(PutEventsEntry.of("s", "t", "{\"a\":{\"b\":[1]}}")));
        assertEquals(new EntryError(EntryError.MALFORMED_DETAIL,
                "Detail is malformed. Reason: not valid JSON: nesting deeper than 3 levels at byte offset 11"),
            shallow.validate(PutEventsEntry.of("s", "t", "{\"a\":{\"b\":[{\"c\":1}]}}")));
    }

    static java.util.stream.LongStream seeds() {
        return dev.eventrouter.testkit.Seeds.fixedAndRandom(21, 22);
    }

    /** PutEvents skips the exact count when the bound is under the limit: the bound must never be below it. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("seeds")
    void shouldNeverBoundTheEntrySizeBelowItsExactCount(final long seed) {
        final String[] pieces = {"a", "é", "€", "😀", "\u0000", "\"", "ab"};
        dev.eventrouter.testkit.Seeds.tries(seed, 2_000, (gen, i) -> {
            final java.util.function.Supplier<String> text = () -> {
                final StringBuilder out = new StringBuilder();
                for (int k = gen.between(0, 12); k > 0; k--) {
                    out.append(gen.pick(pieces));
                }
                return out.toString();
            };
            final List<String> resources = new java.util.ArrayList<>();
            for (int k = gen.between(0, 3); k > 0; k--) {
                resources.add(text.get());
            }
            final PutEventsEntry entry = new PutEventsEntry(text.get(), text.get(), text.get(),
                gen.chance(0.5) ? Instant.EPOCH : null, resources, null);
            assertTrue(EnvelopeEncoder.entrySizeBound(entry) >= EnvelopeEncoder.entrySize(entry), entry.toString());
        });
    }

    @Test
    void shouldCountTheEntrySizeAsEventBridgeDoes() {
        // 14 for the time, UTF-8 bytes of source (1), detail-type (2: "é"), detail (2) and resources (3 + 1)
        final PutEventsEntry entry = new PutEventsEntry("s", "é", "{}", Instant.EPOCH, List.of("abc", "😀"), null);
        assertEquals(14 + 1 + 2 + 2 + 3 + 4, EnvelopeEncoder.entrySize(entry));
        // "The total entry size must be less than" the limit: an entry of exactly the limit is refused
        final EnvelopeEncoder small = new EnvelopeEncoder(new IngestLimits(26, 1000), clock, () -> "id");
        assertNull(new EnvelopeEncoder(new IngestLimits(27, 1000), clock, () -> "id").validate(entry));
        assertEquals(new EntryError(EntryError.INVALID_ARGUMENT, "entry size 26 bytes must be less than the limit of "
            + "26 bytes"), small.validate(entry));
        assertNull(small.validate(entry.withResources(List.of("abc"))));
    }

    @Test
    void shouldTellWhichErrorsAreRetryable() {
        assertTrue(new EntryError(EntryError.THROTTLING, "busy").isRetryable());
        assertTrue(new EntryError(EntryError.INTERNAL_FAILURE, "oops").isRetryable());
        assertFalse(new EntryError(EntryError.MALFORMED_DETAIL, "bad").isRetryable());
    }

    @Test
    void shouldGenerateDistinctVersion4Ids() {
        final EventIdSource ids = EventIdSource.random(42);
        final Pattern uuid4 = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        final java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            final String id = ids.next();
            assertTrue(uuid4.matcher(id).matches(), id);
            assertTrue(seen.add(id), id);
        }
        assertEquals(EventIdSource.random(7).next(), EventIdSource.random(7).next());
    }

    private void assertError(final String code, final String message, final PutEventsEntry entry) {
        assertEquals(new EntryError(code, message), encoder.validate(entry));
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseIntegersOutsideInt64WhenDetailHasThem() {
        assertEquals(-1, EnvelopeEncoder.integerOutsideInt64("{\"a\":9223372036854775807,\"b\":-9223372036854775808,"
            + "\"c\":92233720368547758070.5,\"d\":1e400,\"e\":\"99999999999999999999\"}"));
        assertEquals(5, EnvelopeEncoder.integerOutsideInt64("{\"a\":9223372036854775808}"));
        assertEquals(16, EnvelopeEncoder.integerOutsideInt64("{\"s\":\"x\\\"\",\"a\":[-9223372036854775809]}"));
        // the scan runs over UTF-8 bytes; the message counts characters, as the entry's Detail string does
        final String detail = "{\"s\":\"\u00e9\ud83d\ude00\",\"a\":-9223372036854775809}";
        assertEquals(15, EnvelopeEncoder.integerOutsideInt64(detail));
        assertError(EntryError.MALFORMED_DETAIL, "Detail is malformed. Reason: an integer outside the 64-bit range at "
            + "character offset 15", new PutEventsEntry("shop", "Order", detail, null, List.of(), null));
    }

    /** The envelope carries the Detail as sent, without the whitespace around it, whether validated first or not. */
    @org.junit.jupiter.api.Test
    void shouldWriteTheDetailWithoutSurroundingWhitespace() {
        final PutEventsEntry entry = new PutEventsEntry("shop", "Order", " \n{\"a\": \"\u00e9\"}\t\r\n", null,
            List.of(), null);
        final PutEventsEntry other = new PutEventsEntry("shop", "Order", "{\"b\":1} ", null, List.of(), null);
        assertEquals(null, encoder.validate(entry));
        final String first = new String(encoder.bytes(), 0, encoder.encode(entry, "123456789012", "eu-west-1"),
            StandardCharsets.UTF_8);
        assertTrue(first.endsWith(",\"detail\":{\"a\": \"\u00e9\"}}"), first);
        final String second = new String(encoder.bytes(), 0, encoder.encode(other, "123456789012", "eu-west-1"),
            StandardCharsets.UTF_8);
        assertTrue(second.endsWith(",\"detail\":{\"b\":1}}"), second);
    }
}
