package dev.eventrouter.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.pattern.InvalidPatternException.Code;
import dev.eventrouter.pattern.ValueMatcher.AnythingBut;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PatternParserTest {

    private static InvalidPatternException reject(final String pattern) {
        return assertThrows(InvalidPatternException.class, () -> EventPattern.parse(pattern));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        []                                               | $: pattern must be a JSON object (line 1, col 1)
        {}                                               | $: empty objects are not allowed (line 1, col 2)
        {"a":{}}                                         | $.a: empty objects are not allowed (line 1, col 7)
        {"a":"x"}                                        | $.a: must be an object or an array of match values (line 1, col 6)
        {"a":[]}                                         | $.a: empty arrays are not allowed (line 1, col 7)
        {"a":[[1]]}                                      | $.a[0]: match values must be strings, numbers, booleans, null or operator objects (line 1, col 7)
        {"a":[{}]}                                       | $.a[0]: an operator object needs exactly one operator (line 1, col 8)
        {"a":[{"contains":"x"}]}                         | $.a[0].contains: unrecognized operator "contains" (line 1, col 19)
        {"a":[{"prefix":"a","suffix":"c"}]}              | $.a[0]: an operator object needs exactly one operator (line 1, col 21)
        {"a":[{"prefix":1}]}                             | $.a[0].prefix: prefix must be a string (line 1, col 17)
        {"a":[{"prefix":["a"]}]}                         | $.a[0].prefix: prefix must be a string (line 1, col 17)
        {"a":[{"prefix":{"x":"a"}}]}                     | $.a[0].prefix: prefix takes a string or {"equals-ignore-case": string} (line 1, col 18)
        {"a":[{"suffix":null}]}                          | $.a[0].suffix: suffix must be a string (line 1, col 17)
        {"a":[{"equals-ignore-case":["a"]}]}             | $.a[0].equals-ignore-case: equals-ignore-case must be a string (line 1, col 29)
        {"a":[{"wildcard":"a**b"}]}                      | $.a[0].wildcard: wildcard has consecutive '*' at position 1 (line 1, col 19)
        {"a":[{"wildcard":"a\\\\b"}]}                    | $.a[0].wildcard: wildcard has an invalid escape at position 1 (only \\* and \\\\ are allowed) (line 1, col 19)
        {"a":[{"exists":"true"}]}                        | $.a[0].exists: exists must be true or false (line 1, col 17)
        {"a":[{"numeric":5}]}                            | $.a[0].numeric: numeric must be an array such as [">", 0, "<=", 5] (line 1, col 18)
        {"a":[{"numeric":["!=",5]}]}                     | $.a[0].numeric: unknown numeric operator "!=" (line 1, col 19)
        {"a":[{"numeric":[">","5"]}]}                    | $.a[0].numeric: numeric ">" needs a number (line 1, col 23)
        {"a":[{"numeric":["=",1,"=",2]}]}                | $.a[0].numeric: numeric takes at most two comparisons: a lower bound then an upper bound (line 1, col 25)
        {"a":[{"numeric":[">",0,"<",5,">",6]}]}          | $.a[0].numeric: numeric takes at most two comparisons: a lower bound then an upper bound (line 1, col 31)
        {"a":[{"numeric":["<",5,">",0]}]}                | $.a[0].numeric: numeric takes at most two comparisons: a lower bound then an upper bound (line 1, col 25)
        {"a":[{"numeric":[">",0,">",5]}]}                | $.a[0].numeric: a numeric lower bound may only be followed by "<" or "<=" (line 1, col 25)
        {"a":[{"numeric":[">",5,"<",5]}]}                | $.a[0].numeric: numeric lower bound 5.0 must be less than upper bound 5.0 (line 1, col 30)
        {"a":[{"numeric":[">",1e400]}]}                  | $.a[0].numeric: number 1e400 is not exactly representable as a double (line 1, col 23)
        {"a":[{"cidr":"10.0.0.0"}]}                      | $.a[0].cidr: malformed CIDR "10.0.0.0": one '/' required (line 1, col 15)
        {"a":[{"cidr":"10.0.0.0/33"}]}                   | $.a[0].cidr: malformed CIDR "10.0.0.0/33": mask bits must be at most 32 (line 1, col 15)
        {"a":[{"cidr":"::1/129"}]}                       | $.a[0].cidr: malformed CIDR "::1/129": mask bits must be at most 128 (line 1, col 15)
        {"a":[{"cidr":"10.0.0/8"}]}                      | $.a[0].cidr: malformed CIDR "10.0.0/8": invalid IP address (line 1, col 15)
        {"a":[{"cidr":"10.0.0.0/x"}]}                    | $.a[0].cidr: malformed CIDR "10.0.0.0/x": mask bits must be an integer (line 1, col 15)
        {"a":[{"anything-but":[]}]}                      | $.a[0].anything-but: anything-but list must not be empty (line 1, col 24)
        {"a":[{"anything-but":["a",1]}]}                 | $.a[0].anything-but: anything-but lists hold only strings or only numbers, not both (line 1, col 29)
        {"a":[{"anything-but":[null]}]}                  | $.a[0].anything-but: anything-but lists hold only strings or only numbers (line 1, col 24)
        {"a":[{"anything-but":true}]}                    | $.a[0].anything-but: anything-but takes a string, a number, a list of either, or an operator object (line 1, col 23)
        {"a":[{"anything-but":{"numeric":[">",1]}}]}     | $.a[0].anything-but.numeric: anything-but does not support "numeric" (line 1, col 24)
        {"a":[{"anything-but":{"prefix":""}}]}           | $.a[0].anything-but.prefix: anything-but prefix must not be empty (line 1, col 33)
        {"a":[{"anything-but":{"prefix":[]}}]}           | $.a[0].anything-but.prefix: anything-but prefix list must not be empty (line 1, col 34)
        {"a":[{"anything-but":{"suffix":[1]}}]}          | $.a[0].anything-but.suffix: anything-but suffix must be a string (line 1, col 34)
        {"a":[{"anything-but":{"wildcard":"**"}}]}       | $.a[0].anything-but.wildcard: wildcard has consecutive '*' at position 0 (line 1, col 35)
        {"a":[{"anything-but":1e400}]}                   | $.a[0].anything-but: number 1e400 is not exactly representable as a double (line 1, col 23)
        {"$or":[{"a":[1]}]}                              | $.$or: $or needs at least 2 objects, found 1 (line 1, col 18)
        {"$or":{"a":[1]}}                                | $.$or: $or must be an array of at least 2 objects (line 1, col 8)
        {"$or":[{"a":[1]},2]}                            | $.$or[1]: $or elements must be objects (line 1, col 19)
        {"$or":[{"a":[1]},{"prefix":["x"]}]}             | $.$or[1].prefix: "prefix" is an operator and cannot be a field name inside $or (line 1, col 20)
        {"a":[1]} x                                      | $: malformed JSON: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') (line 1, col 11)
        {"a":[1]}{"b":[2]}                               | $: unexpected content after the pattern (line 1, col 10)
        {"a":[1}                                         | $: malformed JSON: Unexpected close marker '}': expected ']' (for Array starting at [Source: (String)"{"a":[1}"; line: 1, column: 6]) (line 1, col 8)
        """)
    void shouldRejectWithPathReasonAndPosition(final String pattern, final String message) {
        assertEquals(message, reject(pattern).getMessage());
    }

    @Test
    void shouldReportLineAndColumnOnLaterLines() {
        final InvalidPatternException e = reject("{\n  \"detail\": {\n    \"state\": [ { \"prefix\": 5 } ]\n  }\n}");
        assertEquals("$.detail.state[0].prefix: prefix must be a string (line 3, col 28)", e.getMessage());
        assertEquals(Code.INVALID, e.code());
        assertEquals("$.detail.state[0].prefix", e.path());
        assertEquals(3, e.line());
        assertEquals(28, e.column());
    }

    @Test
    void shouldQuoteUnusualKeysInPaths() {
        assertEquals("$['a b'].c: empty arrays are not allowed (line 1, col 14)", reject("{\"a b\":{\"c\":[]}}").getMessage());
    }

    @Test
    void shouldEnforceThePatternLength() {
        final String pattern = "{\"a\":[\"" + "x".repeat(5000) + "\"]}";
        final InvalidPatternException e = reject(pattern);
        assertEquals(Code.PATTERN_TOO_LONG, e.code());
        assertEquals("$: pattern length 5010 exceeds limit 4096", e.getMessage());
        new PatternParser(PatternLimits.DEFAULT.withMaxPatternLength(6000)).parse(pattern);
    }

    @Test
    void shouldLimitOrCombinations() {
        final String branches = "[{\"a\":[1]},{\"b\":[1]},{\"c\":[1]},{\"d\":[1]},{\"e\":[1]},{\"f\":[1]},"
            + "{\"g\":[1]},{\"h\":[1]},{\"i\":[1]},{\"j\":[1]},{\"k\":[1]}]";
        final String pattern = "{\"x\":{\"$or\":" + branches + "},\"y\":{\"$or\":" + branches + "},\"z\":{\"$or\":"
            + branches + "}}";
        final InvalidPatternException e = reject(pattern);
        assertEquals(Code.TOO_MANY_COMBINATIONS, e.code());
        assertEquals("$.z.$or", e.path());
        assertEquals("$or expands to more than 1000 combinations (limit 1000)", e.reason());
        assertEquals(121, new PatternParser(PatternLimits.DEFAULT).parse(
            "{\"x\":{\"$or\":" + branches + "},\"y\":{\"$or\":" + branches + "}}").conjunctions().size());
    }

    @Test
    void shouldFlattenNestingIntoSortedDottedPaths() {
        final EventPattern pattern = EventPattern.parse("{\"detail\":{\"b\":[1],\"a\":{\"c\":[\"x\"]}},\"source\":[\"s\"]}");
        assertEquals(1, pattern.conjunctions().size());
        assertEquals(List.of("detail.a.c", "detail.b", "source"),
            pattern.conjunctions().get(0).stream().map(FieldCondition::path).toList());
    }

    @Test
    void shouldKeepTheLastDuplicateKey() {
        final EventPattern pattern = EventPattern.parse("{\"a\":[\"x\"],\"a\":[\"y\"]}");
        assertEquals(List.of(new ValueMatcher.ExactString("y")), pattern.conjunctions().get(0).get(0).matchers());
    }

    @Test
    void shouldExpandOrIntoConjunctionsWithTheLastWriteWinning() {
        final EventPattern pattern = EventPattern.parse("{\"a\":[1],\"$or\":[{\"a\":[2]},{\"b\":[3]}]}");
        assertEquals(2, pattern.conjunctions().size());
        assertEquals("[[FieldCondition[path=a, matchers=[ExactNumber[text=2, comparable=2.0]]]], "
            + "[FieldCondition[path=a, matchers=[ExactNumber[text=1, comparable=1.0]]], "
            + "FieldCondition[path=b, matchers=[ExactNumber[text=3, comparable=3.0]]]]]",
            pattern.conjunctions().toString());
    }

    @Test
    void shouldBuildEveryOperator() {
        final List<ValueMatcher> matchers = EventPattern.parse("{\"a\":[\"s\",\"10.0.0.1\",1.5,true,null,"
            + "{\"exactly\":\"10.0.0.1\"},{\"prefix\":\"p\"},{\"prefix\":{\"equals-ignore-case\":\"P\"}},"
            + "{\"suffix\":\"s\"},{\"suffix\":{\"equals-ignore-case\":\"S\"}},{\"equals-ignore-case\":\"E\"},"
            + "{\"wildcard\":\"a*\"},{\"numeric\":[\">=\",1,\"<\",2]},{\"numeric\":[\"=\",3]},{\"numeric\":[\"<\",0]},"
            + "{\"cidr\":\"10.0.0.7/24\"},{\"exists\":false},{\"anything-but\":[1,2]},"
            + "{\"anything-but\":{\"wildcard\":[\"x*\"]}}]}").conjunctions().get(0).get(0).matchers();
        assertEquals(List.of(
            new ValueMatcher.ExactString("s"),
            new ValueMatcher.IpRange(4, 0, 0x0A000001L, 0, 0x0A000001L),
            new ValueMatcher.ExactNumber("1.5", 1.5),
            new ValueMatcher.ExactLiteral("true"),
            new ValueMatcher.ExactLiteral("null"),
            new ValueMatcher.ExactString("10.0.0.1"),
            new ValueMatcher.Prefix("p", false),
            new ValueMatcher.Prefix("P", true),
            new ValueMatcher.Suffix("s", false),
            new ValueMatcher.Suffix("S", true),
            new ValueMatcher.EqualsIgnoreCase("E"),
            new ValueMatcher.Wildcard("a*"),
            new ValueMatcher.Numeric(1, false, 2, true),
            new ValueMatcher.Numeric(3, false, 3, false),
            new ValueMatcher.Numeric(Double.NEGATIVE_INFINITY, false, 0, true),
            new ValueMatcher.IpRange(4, 0, 0x0A000000L, 0, 0x0A0000FFL),
            new ValueMatcher.Exists(false),
            new AnythingBut(AnythingBut.Kind.NUMBERS, List.of(), List.of(1.0, 2.0)),
            new AnythingBut(AnythingBut.Kind.WILDCARD, List.of("x*"), List.of())), matchers);
    }

    @Test
    void shouldAcceptHostMasks() {
        assertEquals(List.of(new ValueMatcher.IpRange(4, 0, 0x0A000001L, 0, 0x0A000001L)),
            EventPattern.parse("{\"ip\":[{\"cidr\":\"10.0.0.1/32\"}]}").conjunctions().get(0).get(0).matchers());
    }

    @Test
    void shouldValidateLimits() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> PatternLimits.DEFAULT.withMaxOrCombinations(0));
        assertEquals("maxOrCombinations=0: must be at least 1", e.getMessage());
    }
}
