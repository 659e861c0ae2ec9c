package dev.eventrouter.match;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Random patterns over every operator, nesting and {@code $or}, and random events biased to hit them: both draw
 * from small shared pools of field names and values so that matches and near misses are frequent.
 */
final class PatternGenerators {
    static final List<String> KEYS = List.of("a", "b", "c", "d");
    static final List<String> NESTED_KEYS = List.of("x", "y");
    static final List<String> STRINGS = List.of(
        "", "abc", "ABC", "aBc", "abd", "xabc", "abcx", "a", "10.0.0.1", "10.0.0.255", "10.0.1.7", "192.168.1.1",
        "::1", "2001:db8::1", "2001:DB8::ff", "a*c", "a\\\\c", "héllo", "HÉLLO", "straße", "STRASSE", "null", "true",
        "300", "init-1", "foo.png", "FOO.PNG", "a\\\"b", "\\u00e9t\\u00e9", "été", "x/lib/y.jar");
    static final List<String> NUMBERS = List.of(
        "0", "-0", "1", "1.0", "-5", "5", "3e2", "300", "300.0", "0.3", "0.30000000000000004", "1.5", "100", "1e9",
        "6e9", "1.0000000000000001", "12345678901234567890", "-1.5e-3", "2.5E+2", "7");
    static final List<String> PATTERN_NUMBERS = List.of(
        "0", "1", "-5", "5", "300", "3e2", "0.3", "1.5", "100", "1e9", "5e9", "250", "-1", "7");

    private PatternGenerators() {
    }

    static String quote(final String raw) {
        return "\"" + raw + "\"";
    }

    static Arbitrary<String> stringOperand() {
        return Arbitraries.of(STRINGS);
    }

    static Arbitrary<String> plainOperand() {
        return Arbitraries.of("", "a", "ab", "abc", "AB", "x", "é", "É", "ß", "foo", ".png", ".PNG", "init", "10.0",
            "b", "c", "lib");
    }

    static Arbitrary<String> wildcardOperand() {
        return Arbitraries.of("*", "a*", "*c", "a*c", "*b*", "x*y*z", "a\\\\*c", "*.png", "*/lib/*", "abc", "*bc",
            "a*b*c", "\\\\\\\\*");
    }

    static Arbitrary<String> cidrOperand() {
        return Arbitraries.of("10.0.0.0/24", "10.0.0.7/24", "10.0.0.0/8", "192.168.0.0/16", "10.0.0.1/31",
            "2001:db8::/32", "::/0", "0.0.0.0/0", "::1/127", "2001:DB8::/48");
    }

    static Arbitrary<String> numberOperand() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.of(PATTERN_NUMBERS)),
            net.jqwik.api.Tuple.of(1, LONG_DECIMALS));
    }

    /** Coordinates-like decimals of 15 to 18 significant digits, and their neighbours in the last digit. */
    static final Arbitrary<String> LONG_DECIMALS = Arbitraries.of(
        "-122.42916360922355", "-122.42916360922356", "-122.4291636092235", "37.729900216217324",
        "37.72990021621732", "-122.41600944012424", "0.30000000000000004", "0.3000000000000001",
        "123456789012345678", "9007199254740993", "1.0000000000000002", "1.00000000000000011");

    /** One element of a field's value list. */
    static Arbitrary<String> matcher() {
        return Arbitraries.oneOf(
            stringOperand().map(PatternGenerators::quote),
            numberOperand(),
            Arbitraries.of("true", "false", "null"),
            stringOperand().map(s -> "{\"exactly\":" + quote(s) + "}"),
            plainOperand().map(s -> "{\"prefix\":" + quote(s) + "}"),
            plainOperand().map(s -> "{\"prefix\":{\"equals-ignore-case\":" + quote(s) + "}}"),
            plainOperand().map(s -> "{\"suffix\":" + quote(s) + "}"),
            plainOperand().map(s -> "{\"suffix\":{\"equals-ignore-case\":" + quote(s) + "}}"),
            stringOperand().map(s -> "{\"equals-ignore-case\":" + quote(s) + "}"),
            wildcardOperand().map(s -> "{\"wildcard\":" + quote(s) + "}"),
            numeric(),
            cidrOperand().map(s -> "{\"cidr\":" + quote(s) + "}"),
            Arbitraries.of("{\"exists\":true}", "{\"exists\":false}"),
            anythingBut());
    }

    static Arbitrary<String> numeric() {
        final Arbitrary<String> op = Arbitraries.of("=", "<", "<=", ">", ">=");
        final Arbitrary<String> single = Combinators.combine(op, numberOperand())
            .as((o, n) -> "{\"numeric\":[" + quote(o) + "," + n + "]}");
        final Arbitrary<String> range = Combinators.combine(Arbitraries.of(">", ">="), numberOperand(),
                Arbitraries.of("<", "<="), numberOperand())
            .as((o1, n1, o2, n2) -> "{\"numeric\":[" + quote(o1) + "," + n1 + "," + quote(o2) + "," + n2 + "]}");
        return Arbitraries.oneOf(single, range);
    }

    static Arbitrary<String> anythingBut() {
        final Arbitrary<String> strings = stringOperand().list().ofMinSize(1).ofMaxSize(3)
            .map(l -> l.stream().map(PatternGenerators::quote).collect(Collectors.joining(",", "[", "]")));
        final Arbitrary<String> numbers = numberOperand().list().ofMinSize(1).ofMaxSize(3)
            .map(l -> String.join(",", l)).map(s -> "[" + s + "]");
        final Arbitrary<String> plainList = plainOperand().filter(s -> !s.isEmpty()).list().ofMinSize(1).ofMaxSize(2)
            .map(l -> l.stream().map(PatternGenerators::quote).collect(Collectors.joining(",", "[", "]")));
        return Arbitraries.oneOf(
            stringOperand().map(s -> "{\"anything-but\":" + quote(s) + "}"),
            numberOperand().map(n -> "{\"anything-but\":" + n + "}"),
            strings.map(s -> "{\"anything-but\":" + s + "}"),
            numbers.map(s -> "{\"anything-but\":" + s + "}"),
            Combinators.combine(Arbitraries.of("prefix", "suffix"),
                    Arbitraries.oneOf(plainOperand().filter(s -> !s.isEmpty()).map(PatternGenerators::quote),
                        plainList))
                .as((k, v) -> "{\"anything-but\":{\"" + k + "\":" + v + "}}"),
            Arbitraries.oneOf(stringOperand().map(PatternGenerators::quote), strings)
                .map(v -> "{\"anything-but\":{\"equals-ignore-case\":" + v + "}}"),
            Arbitraries.oneOf(wildcardOperand().map(PatternGenerators::quote),
                    wildcardOperand().list().ofMinSize(1).ofMaxSize(2)
                        .map(l -> l.stream().map(PatternGenerators::quote).collect(Collectors.joining(",", "[", "]"))))
                .map(v -> "{\"anything-but\":{\"wildcard\":" + v + "}}"));
    }

    static Arbitrary<String> valueList() {
        return matcher().list().ofMinSize(1).ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]");
    }

    /** A pattern object: leaf fields, one-level nested objects, and sometimes an {@code $or}. */
    static Arbitrary<String> pattern() {
        final Arbitrary<String> nested = Arbitraries.of(NESTED_KEYS).list().ofMinSize(1).ofMaxSize(2).uniqueElements()
            .flatMap(keys -> valueList().list().ofSize(keys.size()).map(values -> object(keys, values)));
        final Arbitrary<String> member = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, valueList()), net.jqwik.api.Tuple.of(1, nested));
        final Arbitrary<String> plain = Arbitraries.of(KEYS).list().ofMinSize(1).ofMaxSize(3).uniqueElements()
            .flatMap(keys -> member.list().ofSize(keys.size()).map(values -> object(keys, values)));
        final Arbitrary<String> branch = Arbitraries.of(KEYS).list().ofMinSize(1).ofMaxSize(2).uniqueElements()
            .flatMap(keys -> member.list().ofSize(keys.size()).map(values -> object(keys, values)));
        final Arbitrary<String> withOr = Combinators.combine(plain, branch.list().ofMinSize(2).ofMaxSize(3))
            .as((p, branches) -> p.substring(0, p.length() - 1) + ",\"$or\":[" + String.join(",", branches) + "]}");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, plain), net.jqwik.api.Tuple.of(1, withOr));
    }

    static String object(final List<String> keys, final List<String> values) {
        final List<String> members = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            members.add(quote(keys.get(i)) + ":" + values.get(i));
        }
        return "{" + String.join(",", members) + "}";
    }

    static Arbitrary<String> scalar() {
        return Arbitraries.oneOf(
            stringOperand().map(PatternGenerators::quote),
            Arbitraries.of(NUMBERS),
            LONG_DECIMALS,
            Arbitraries.doubles().between(-200, 200).map(d -> String.format(java.util.Locale.ROOT, "%.14f", d)),
            Arbitraries.of("true", "false", "null"));
    }

    static Arbitrary<String> eventValue(final int depth) {
        if (depth <= 0) {
            return scalar();
        }
        final Arbitrary<String> nestedObject = Arbitraries.of(NESTED_KEYS).list().ofMinSize(0).ofMaxSize(2)
            .uniqueElements().flatMap(keys -> eventValue(depth - 1).list().ofSize(keys.size())
                .map(values -> object(keys, values)));
        final Arbitrary<String> array = Arbitraries.oneOf(scalar(), nestedObject).list().ofMinSize(0).ofMaxSize(3)
            .map(l -> "[" + String.join(",", l) + "]");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, scalar()), net.jqwik.api.Tuple.of(2, nestedObject),
            net.jqwik.api.Tuple.of(2, array));
    }

    static Arbitrary<String> event() {
        return Arbitraries.of(KEYS).list().ofMinSize(0).ofMaxSize(4).uniqueElements()
            .flatMap(keys -> eventValue(2).list().ofSize(keys.size()).map(values -> object(keys, values)));
    }
}
