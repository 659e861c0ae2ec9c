package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.testkit.Seeds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link EventMatcher#matchValidated}, which skips containers no rule names by counting brackets instead of
 * validating them, answers every valid event as {@link EventMatcher#match} does (same rules, same count), and on
 * bytes that are not valid still stops at their end with at most a {@link MalformedEventException}.
 */
class ValidatedScanTest {

    static LongStream seeds() {
        return Seeds.fixedAndRandom(81, 82);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAnswerValidEventsAsTheValidatingScanDoes(final long seed) {
        Seeds.tries(seed, 400, (gen, i) -> {
            final PatternGenerators generate = new PatternGenerators(gen);
            final Map<String, String> named = new LinkedHashMap<>();
            for (String pattern : gen.list(1, 6, generate::pattern)) {
                try {
                    EventMatcherSupport.alone(pattern);
                    named.put("r" + named.size(), pattern);
                } catch (InvalidPatternException skipped) {
                    // only valid patterns take part
                }
            }
            final RuleSet rules = new RuleSet();
            rules.putAll(named);
            final EventMatcher validating = new EventMatcher(rules);
            final EventMatcher trusting = new EventMatcher(rules);
            for (String event : gen.list(1, 4, generate::event)) {
                final byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
                final List<String> expected = new ArrayList<>();
                final int count;
                try {
                    count = validating.match(bytes, 0, bytes.length, rule -> expected.add(rule.name()));
                } catch (MalformedEventException e) {
                    continue;   // the generator's rare invalid event: not "validated" bytes
                }
                final List<String> got = new ArrayList<>();
                assertEquals(count, trusting.matchValidated(bytes, 0, bytes.length, rule -> got.add(rule.name())),
                    () -> "event " + event);
                assertEquals(expected, got, () -> "event " + event + " rules " + named);
            }
        });
    }

    @Test
    void shouldAnswerCityLotsEventsAsTheValidatingScanDoes() {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("street", "{\"properties\":{\"STREET\":[{\"prefix\":\"J\"}]}}",
            "polygon", "{\"geometry\":{\"type\":[\"Polygon\"]}}",
            "lot", "{\"properties\":{\"LOT_NUM\":[{\"exists\":true}]}}"));
        final EventMatcher validating = new EventMatcher(rules);
        final EventMatcher trusting = new EventMatcher(rules);
        final CityLots lots = new CityLots(3);
        int matched = 0;
        for (int i = 0; i < 2_000; i++) {
            final byte[] event = lots.nextBytes();
            final List<String> expected = new ArrayList<>();
            final List<String> got = new ArrayList<>();
            validating.match(event, 0, event.length, rule -> expected.add(rule.name()));
            trusting.matchValidated(event, 0, event.length, rule -> got.add(rule.name()));
            assertEquals(expected, got);
            matched += got.size();
        }
        assertEquals(true, matched > 2_000, "the rules match: " + matched);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldJumpOverTheContainersAValidatingScanRecorded(final long seed) {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("street", "{\"properties\":{\"STREET\":[{\"prefix\":\"J\"}]}}",
            "x", "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\"<\",-122.415]}]}}}",
            "lot", "{\"properties\":{\"LOT_NUM\":[{\"exists\":true}]}}"));
        final EventMatcher validator = new EventMatcher(MatchAutomaton.EMPTY);
        validator.recordSpans(true);
        final int[] spans = validator.lastSpans();
        final EventMatcher validating = new EventMatcher(rules);
        final EventMatcher trusting = new EventMatcher(rules);
        final CityLots lots = new CityLots(seed);
        int recorded = 0;
        for (int i = 0; i < 1_000; i++) {
            final byte[] event = lots.nextBytes();
            validator.match(event, 0, event.length, rule -> { });
            final int count = validator.lastSpanCount();
            for (int s = 0; s < count; s++) {
                final int start = spans[2 * s];
                final int end = spans[2 * s + 1];
                final String span = new String(event, start, end - start, StandardCharsets.UTF_8);
                assertEquals(true, end - start >= 128 && (span.startsWith("{") && span.endsWith("}")
                    || span.startsWith("[") && span.endsWith("]")), span);
            }
            recorded += count;
            final List<String> expected = new ArrayList<>();
            final List<String> got = new ArrayList<>();
            validating.match(event, 0, event.length, rule -> expected.add(rule.name()));
            trusting.matchValidated(event, 0, event.length, rule -> got.add(rule.name()), spans, count);
            assertEquals(expected, got);
            // spans that do not fit the event are ignored, never followed out of it
            final int[] wrong = {0, event.length + 5, -3, 7, 40, 20};
            trusting.matchValidated(event, 0, event.length, rule -> { }, wrong, 3);
        }
        assertEquals(true, recorded >= 2_000, "properties, coordinates and geometry are long enough: " + recorded);
    }

    @Test
    void shouldRecordAtMostMaxSpansOfContainersAtLeast128BytesLong() {
        final StringBuilder event = new StringBuilder("{\"small\":[\"" + "s".repeat(100) + "\"]");
        for (int i = 0; i < EventMatcher.MAX_SPANS + 4; i++) {
            event.append(",\"k").append(i).append("\":{\"v\":\"").append("x".repeat(130)).append("\"}");
        }
        final byte[] bytes = event.append('}').toString().getBytes(StandardCharsets.UTF_8);
        final EventMatcher validator = new EventMatcher(MatchAutomaton.EMPTY);
        validator.match(bytes, 0, bytes.length, rule -> { });
        assertEquals(0, validator.lastSpanCount(), "nothing is recorded unless asked");
        validator.recordSpans(true);
        validator.match(bytes, 0, bytes.length, rule -> { });
        assertEquals(EventMatcher.MAX_SPANS, validator.lastSpanCount());
        final String first = new String(bytes, validator.lastSpans()[0],
            validator.lastSpans()[1] - validator.lastSpans()[0], StandardCharsets.UTF_8);
        assertEquals("{\"v\":\"" + "x".repeat(130) + "\"}", first, "the 105-byte array is below the minimum");
    }

    @Test
    void shouldSkipStringsWithEscapesAndBracketsAtEveryAlignment() {
        final RuleSet rules = new RuleSet();
        rules.put("r", "{\"a\":[1]}");
        final EventMatcher matcher = new EventMatcher(rules);
        final String[] skipped = {"[[[\"]]]]\\\"\"]]]", "{\"k\\\\\":\"}\\\\\",\"x\":[{},[],\"\\\\\"]}",
            "[\"\\\\\\\\\\\\\",[\"]\"]]", "{\"\\u005d\":\"\\\"{\"}"};
        for (String value : skipped) {
            for (int pad = 0; pad < 17; pad++) {
                final String event = "{" + " ".repeat(pad) + "\"skip\":" + value + ",\"a\":1}";
                final byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
                assertEquals(1, matcher.match(bytes, 0, bytes.length, rule -> { }), event);
                assertEquals(1, matcher.matchValidated(bytes, 0, bytes.length, rule -> { }), event);
                final String last = "{\"a\":1," + " ".repeat(pad) + "\"skip\":" + value + "}";
                final byte[] lastBytes = last.getBytes(StandardCharsets.UTF_8);
                assertEquals(1, matcher.matchValidated(lastBytes, 0, lastBytes.length, rule -> { }), last);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldStopAtTheEndOfBytesThatAreNotValidAfterAll(final long seed) {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("street", "{\"properties\":{\"STREET\":[{\"prefix\":\"J\"}]}}",
            "polygon", "{\"geometry\":{\"type\":[\"Polygon\"]}}"));
        final EventMatcher trusting = new EventMatcher(rules);
        final CityLots lots = new CityLots(seed);
        final byte[] specials = "\"\\{}[],:".getBytes(StandardCharsets.US_ASCII);
        Seeds.tries(seed, 2_000, (gen, i) -> {
            final byte[] valid = lots.nextBytes();
            final int length = gen.oneIn(2) ? gen.between(0, valid.length) : valid.length;
            final byte[] broken = java.util.Arrays.copyOf(valid, length);   // a read past the end throws
            for (int m = gen.between(0, 3); m > 0 && length > 0; m--) {
                broken[gen.between(0, length - 1)] = specials[gen.between(0, specials.length - 1)];
            }
            try {
                trusting.matchValidated(broken, 0, length, rule -> { });
            } catch (MalformedEventException expected) {
                // an answer or this: never a read past the event or another exception
            }
        });
    }
}
