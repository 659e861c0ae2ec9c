package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.testkit.Gen;
import dev.eventrouter.testkit.Seeds;
import java.nio.charset.StandardCharsets;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The scanner reports every malformed event with a byte offset and reason, and never another exception. */
class MalformedEventTest {
    private static final MatchAutomaton RULES = rules("{\"a\":[1],\"b\":{\"c\":[{\"prefix\":\"x\"}]}}");

    private static MatchAutomaton rules(final String pattern) {
        final RuleSet set = new RuleSet();
        set.put("r", pattern);
        return set.current();
    }

    private static MalformedEventException reject(final String event) {
        return assertThrows(MalformedEventException.class, () -> new EventMatcher(RULES).match(event, rule -> { }));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
        ''                          | 0  | event must be a JSON object
        '   '                       | 3  | event must be a JSON object
        []                          | 0  | event must be a JSON object
        {"a":1}x                    | 7  | unexpected content after the event
        {"a":1                      | 6  | unterminated object
        {"a" 1}                     | 5  | expected ':' after a field name
        {a:1}                       | 1  | expected a field name
        {"a":1,}                    | 7  | expected a field name
        {"a":}                      | 5  | unexpected character
        {"a":01}                    | 6  | expected ',' or '}' in an object
        {"a":1.}                    | 7  | invalid number: digits expected after '.'
        {"a":1e}                    | 7  | invalid number: digits expected in the exponent
        {"a":-}                     | 5  | unexpected character
        {"a":tru}                   | 5  | invalid literal
        {"a":nul}                   | 5  | invalid literal
        {"a":"x}                    | 5  | unterminated string
        {"a":"\\q"}                 | 6  | invalid escape character
        {"a":"\\u12G4"}             | 10 | invalid hex digit in a \\u escape
        {"z":[1,2}                  | 9  | expected ',' or ']' in an array
        {"z":[1,2                   | 9  | unterminated array
        {"z":{"y":[{"x":tru}]}}     | 16 | invalid literal
        {"z":"a\tb"}                | 7  | unescaped control character in a string
        """)
    void shouldReportTheOffsetAndReason(final String event, final long offset, final String reason) {
        final MalformedEventException e = reject(event.replace("\\t", "\t"));
        assertEquals(reason, e.reason());
        assertEquals(offset, e.offset());
        assertEquals("malformed event at byte offset " + offset + ": " + reason, e.getMessage());
    }

    @Test
    void shouldValidateSkippedSubtreesToo() {
        // "z" is not tested by any rule: it is skipped, but still checked
        assertEquals("invalid literal", reject("{\"a\":1,\"z\":{\"q\":[1,{\"r\":nope}]}}").reason());
    }

    @Test
    void shouldEnforceTheDepthLimit() {
        final String deep = "{\"a\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        final MalformedEventException e = reject(deep);
        assertEquals("nesting deeper than 1000 levels", e.reason());
        assertEquals(1004, e.offset());
        new EventMatcher(RULES).match("{\"a\":" + "[".repeat(998) + "]".repeat(998) + "}", rule -> { });
    }

    @Test
    void shouldEnforceTheDepthLimitInSkippedSubtrees() {
        // "z" is named by no rule: its value is skipped, with the same limit and message
        final MalformedEventException e = reject("{\"z\":" + "[{\"y\":".repeat(500) + "1" + "}]".repeat(500) + "}");
        assertEquals("nesting deeper than 1000 levels", e.reason());
        assertEquals(6 + 6 * 499, e.offset()); // the "{" of the 500th element is level 1001
        final String deepButLegal = "{\"z\":" + "[".repeat(999) + "]".repeat(999) + ",\"a\":1,\"b\":{\"c\":\"xy\"}}";
        assertEquals(1, new EventMatcher(RULES).match(deepButLegal, rule -> { }));
    }

    @Test
    void shouldEnforceTheSizeLimit() {
        final EventMatcher matcher = new EventMatcher(RULES, new EventLimits(64, 10));
        final MalformedEventException e = assertThrows(MalformedEventException.class,
            () -> matcher.match("{\"a\":\"" + "x".repeat(100) + "\"}", rule -> { }));
        assertEquals("event of 108 bytes exceeds the limit of 64 bytes", e.reason());
    }

    @Test
    void shouldNotCallTheHandlerForAMalformedEvent() {
        final MatchedRules matched = new MatchedRules();
        assertThrows(MalformedEventException.class, () -> new EventMatcher(RULES).match("{\"a\":1,\"b\":", matched));
        assertEquals(0, matched.size());
    }

    static LongStream seeds() {
        return Seeds.fixedAndRandom(31, 32);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldRejectEveryTruncationOfAValidEvent(final long seed) {
        final MatchAutomaton automaton = rules("{\"properties\":{\"STREET\":[{\"prefix\":\"A\"}]},"
            + "\"geometry\":{\"coordinates\":{\"x\":[{\"numeric\":[\"<\",0]}]}}}");
        Seeds.tries(seed, 1500, (gen, i) -> {
            final byte[] event = new CityLots(gen.between(0, 4999)).nextBytes();
            final int length = gen.between(0, event.length - 1);
            final MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> new EventMatcher(automaton).match(event, 0, length, rule -> { }));
            assertTrue(e.offset() >= 0 && e.offset() <= length, () -> e.getMessage() + " for length " + length);
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldOnlyEverThrowMalformedEventException(final long seed) {
        Seeds.tries(seed, 2500, (gen, i) -> {
            final byte[] bytes = noise(gen);
            try {
                new EventMatcher(RULES).match(bytes, 0, bytes.length, rule -> { });
            } catch (MalformedEventException expected) {
                assertTrue(expected.offset() >= 0 && expected.offset() <= bytes.length);
            }
        });
    }

    /** Random bytes, JSON-like noise after an opening member, or a valid event with one byte changed. */
    private static byte[] noise(final Gen gen) {
        switch (gen.between(0, 2)) {
            case 0:
                return gen.bytes(0, 200);
            case 1:
                return ("{\"a\":" + gen.chars("{}[]\":,.-+eE0123456789truefalsn \\/ubx", 0, 80))
                    .getBytes(StandardCharsets.UTF_8);
            default: {
                final byte[] event = new CityLots(gen.between(0, 999)).nextBytes();
                event[gen.between(0, event.length - 1)] = (byte) gen.between(-128, 127);
                return event;
            }
        }
    }
}
