package dev.eventrouter.match;

import dev.eventrouter.testkit.Gen;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Random patterns over every operator, nesting (objects three deep, {@code $or} at any level and inside another
 * {@code $or}, dotted keys) and random events biased to hit them (objects four deep, arrays of arrays, the same
 * dotted keys written literally). Patterns and events of one try draw from one small pool of keys and values, part
 * fixed and part random (surrogate pairs, Turkish dotless i, Greek final sigma, JSON escapes), so that matches and
 * near misses are frequent. Everything comes from one {@link Gen}: a seed reproduces the case.
 */
final class PatternGenerators {
    static final List<String> KEYS = List.of("a", "b", "c", "d");
    static final List<String> NESTED_KEYS = List.of("x", "y", "z");
    /** Keys written with a dot: in a pattern they name a nested path, in an event they are one literal key. */
    static final List<String> DOTTED_KEYS = List.of("a.x", "b.x.y", "x.y");
    /** String bodies as they stand between JSON quotes (escapes included). */
    static final List<String> FIXED_STRINGS = List.of(
        "", "abc", "ABC", "aBc", "abd", "xabc", "abcx", "a", "10.0.0.1", "10.0.0.255", "10.0.1.7", "192.168.1.1",
        "::1", "2001:db8::1", "2001:DB8::ff", "a*c", "a\\\\c", "héllo", "HÉLLO", "straße", "STRASSE", "null", "true",
        "300", "init-1", "foo.png", "FOO.PNG", "a\\\"b", "\\u00e9t\\u00e9", "été", "x/lib/y.jar");
    /** Pieces of random strings: cases that fold unusually, astral characters, and every JSON escape. */
    static final List<String> STRING_PIECES = List.of(
        "a", "b", "A", "B", "i", "I", "ı", "İ", "σ", "ς", "Σ", "ß", "ẞ", "é", "É", "e\u0301", "😀", "𝔸", "\\ud83d\\ude00",
        "\\u0130", "\\u0131", "\\n", "\\t", "\\/", "\\\\", "\\\"", "\\u0041", "\\u00e9", "-", ".", " ", "*", "1");
    static final List<String> NUMBERS = List.of(
        "0", "-0", "1", "1.0", "-5", "5", "3e2", "300", "300.0", "0.3", "0.30000000000000004", "1.5", "100", "1e9",
        "6e9", "1.0000000000000001", "12345678901234567890", "-1.5e-3", "2.5E+2", "7", "1e300", "-1e300",
        "1.7976931348623157e308", "-1.7976931348623157E308", "4.9e-324", "1e-300", "-2.2250738585072014E-308",
        "1e-7", "123456789012345678901234567890");
    static final List<String> PATTERN_NUMBERS = List.of(
        "0", "1", "-5", "5", "300", "3e2", "0.3", "1.5", "100", "1e9", "5e9", "250", "-1", "7", "1e300", "-1e300",
        "1.7976931348623157e308", "4.9e-324", "1e-300", "1e-7", "-1e-7");
    /** Coordinates-like decimals of 15 to 18 significant digits, and their neighbours in the last digit. */
    static final List<String> LONG_DECIMALS = List.of(
        "-122.42916360922355", "-122.42916360922356", "-122.4291636092235", "37.729900216217324",
        "37.72990021621732", "-122.41600944012424", "0.30000000000000004", "0.3000000000000001",
        "123456789012345678", "9007199254740993", "1.0000000000000002", "1.00000000000000011");
    static final List<String> PLAIN = List.of("", "a", "ab", "abc", "AB", "x", "é", "É", "ß", "foo", ".png", ".PNG",
        "init", "10.0", "b", "c", "lib", "ı", "I", "σ", "ς");
    static final List<String> WILDCARDS = List.of("*", "a*", "*c", "a*c", "*b*", "x*y*z", "a\\\\*c", "*.png",
        "*/lib/*", "abc", "*bc", "a*b*c", "\\\\\\\\*", "*ı*", "*ς", "😀*");
    static final List<String> CIDRS = List.of("10.0.0.0/24", "10.0.0.7/24", "10.0.0.0/8", "192.168.0.0/16",
        "10.0.0.1/31", "2001:db8::/32", "::/0", "0.0.0.0/0", "::1/127", "2001:DB8::/48");

    private final Gen gen;
    /** This try's strings: some fixed, some random. */
    private final List<String> strings = new ArrayList<>();

    PatternGenerators(final Gen gen) {
        this.gen = gen;
        strings.addAll(gen.distinct(FIXED_STRINGS, 6, 12));
        for (int i = gen.between(2, 6); i > 0; i--) {
            strings.add(randomString());
        }
    }

    List<String> strings() {
        return strings;
    }

    static String quote(final String raw) {
        return "\"" + raw + "\"";
    }

    private String randomString() {
        final StringBuilder text = new StringBuilder();
        for (int i = gen.between(1, 5); i > 0; i--) {
            text.append(gen.pick(STRING_PIECES));
        }
        return text.toString();
    }

    String stringOperand() {
        return gen.pick(strings);
    }

    String plainOperand() {
        if (gen.oneIn(3)) {
            final String whole = stringOperand();
            // a prefix or suffix of a pool string, cut between characters (never inside an escape)
            final String decoded = unescapedPrefixSafe(whole);
            return decoded == null ? gen.pick(PLAIN) : decoded;
        }
        return gen.pick(PLAIN);
    }

    /** A leading or trailing piece of a pool string without escapes, or null when it has any. */
    private String unescapedPrefixSafe(final String body) {
        if (body.indexOf('\\') >= 0 || body.isEmpty()) {
            return null;
        }
        final int[] cps = body.codePoints().toArray();
        final int cut = gen.between(1, cps.length);
        return gen.oneIn(2) ? new String(cps, 0, cut) : new String(cps, cps.length - cut, cut);
    }

    String wildcardOperand() {
        if (gen.oneIn(2)) {
            final String body = stringOperand();
            if (body.indexOf('\\') < 0 && body.indexOf('*') < 0 && !body.isEmpty()) {
                final int[] cps = body.codePoints().toArray();
                final int at = gen.between(0, cps.length);
                final int end = gen.between(at, cps.length);
                return new String(cps, 0, at) + "*" + new String(cps, end, cps.length - end);
            }
        }
        return gen.pick(WILDCARDS);
    }

    String numberOperand() {
        return gen.weigh(4, (Supplier<String>) () -> gen.pick(PATTERN_NUMBERS),
            1, (Supplier<String>) () -> gen.pick(LONG_DECIMALS));
    }

    /** One element of a field's value list. */
    String matcher() {
        switch (gen.between(0, 13)) {
            case 0: return quote(stringOperand());
            case 1: return numberOperand();
            case 2: return gen.pick("true", "false", "null");
            case 3: return "{\"exactly\":" + quote(stringOperand()) + "}";
            case 4: return "{\"prefix\":" + quote(plainOperand()) + "}";
            case 5: return "{\"prefix\":{\"equals-ignore-case\":" + quote(plainOperand()) + "}}";
            case 6: return "{\"suffix\":" + quote(plainOperand()) + "}";
            case 7: return "{\"suffix\":{\"equals-ignore-case\":" + quote(plainOperand()) + "}}";
            case 8: return "{\"equals-ignore-case\":" + quote(stringOperand()) + "}";
            case 9: return "{\"wildcard\":" + quote(wildcardOperand()) + "}";
            case 10: return numeric();
            case 11: return "{\"cidr\":" + quote(gen.pick(CIDRS)) + "}";
            case 12: return gen.pick("{\"exists\":true}", "{\"exists\":false}");
            default: return anythingBut();
        }
    }

    /** A numeric condition; a range always has its lower bound below its upper bound (anything else is invalid). */
    String numeric() {
        if (gen.oneIn(2)) {
            return "{\"numeric\":[" + quote(gen.pick("=", "<", "<=", ">", ">=")) + "," + numberOperand() + "]}";
        }
        String low = numberOperand();
        String high = numberOperand();
        for (int i = 0; i < 8 && Double.parseDouble(low) == Double.parseDouble(high); i++) {
            high = numberOperand();
        }
        if (Double.parseDouble(low) == Double.parseDouble(high)) {
            return "{\"numeric\":[\"=\"," + low + "]}";
        }
        if (Double.parseDouble(low) > Double.parseDouble(high)) {
            final String swap = low;
            low = high;
            high = swap;
        }
        return "{\"numeric\":[" + quote(gen.pick(">", ">=")) + "," + low + "," + quote(gen.pick("<", "<=")) + ","
            + high + "]}";
    }

    private String joined(final List<String> items) {
        return "[" + String.join(",", items) + "]";
    }

    private List<String> quoted(final int min, final int max, final Supplier<String> body) {
        final List<String> items = gen.list(min, max, body);
        items.replaceAll(PatternGenerators::quote);
        return items;
    }

    String anythingBut() {
        switch (gen.between(0, 6)) {
            case 0: return "{\"anything-but\":" + quote(stringOperand()) + "}";
            case 1: return "{\"anything-but\":" + numberOperand() + "}";
            case 2: return "{\"anything-but\":" + joined(quoted(1, 3, this::stringOperand)) + "}";
            case 3: return "{\"anything-but\":" + joined(gen.list(1, 3, this::numberOperand)) + "}";
            case 4: {
                final Supplier<String> nonEmpty = () -> {
                    final String plain = plainOperand();
                    return plain.isEmpty() ? "a" : plain;
                };
                final String operand = gen.oneIn(2) ? quote(nonEmpty.get()) : joined(quoted(1, 2, nonEmpty));
                return "{\"anything-but\":{\"" + gen.pick("prefix", "suffix") + "\":" + operand + "}}";
            }
            case 5: {
                final String operand = gen.oneIn(2) ? quote(stringOperand()) : joined(quoted(1, 3,
                    this::stringOperand));
                return "{\"anything-but\":{\"equals-ignore-case\":" + operand + "}}";
            }
            default: {
                final String operand = gen.oneIn(2) ? quote(wildcardOperand()) : joined(quoted(1, 2,
                    this::wildcardOperand));
                return "{\"anything-but\":{\"wildcard\":" + operand + "}}";
            }
        }
    }

    String valueList() {
        return joined(gen.list(1, 3, this::matcher));
    }

    /**
     * A pattern object: leaf fields, nested objects up to three deep, dotted keys, and {@code $or} at any level,
     * nested at most two deep. Kept under 2,000 characters (both engines limit a pattern's size).
     */
    String pattern() {
        while (true) {
            final String pattern = patternObject(KEYS, 3, 1, 3, 2);
            if (pattern.length() < 2_000) {
                return pattern;
            }
        }
    }

    private String patternObject(final List<String> keys, final int depth, final int min, final int max,
                                 final int ors) {
        final List<String> names = new ArrayList<>(gen.distinct(keys, min, max));
        if (depth == 3 && gen.oneIn(6)) {
            names.add(gen.pick(DOTTED_KEYS));
        }
        final List<String> members = new ArrayList<>();
        for (String name : names) {
            members.add(quote(name) + ":" + patternMember(depth, ors));
        }
        if (ors > 0 && gen.oneIn(depth == 3 ? 4 : 6)) {
            // branches use keys of their own level; a branch may hold another $or
            final List<String> branches = gen.list(2, 3, () -> patternObject(keys, depth, 1, 2, ors - 1));
            members.add("\"$or\":" + joined(branches));
        }
        return "{" + String.join(",", members) + "}";
    }

    private String patternMember(final int depth, final int ors) {
        if (depth > 1 && gen.oneIn(4)) {
            return patternObject(NESTED_KEYS, depth - 1, 1, 2, ors);
        }
        return valueList();
    }

    String scalar() {
        switch (gen.between(0, 5)) {
            case 0:
            case 1: return quote(stringOperand());
            case 2: return gen.pick(NUMBERS);
            case 3: return gen.pick(LONG_DECIMALS);
            case 4: return String.format(Locale.ROOT, "%.14f", gen.doubleBetween(-200, 200));
            default: return gen.pick("true", "false", "null");
        }
    }

    String eventValue(final int depth) {
        if (depth <= 0) {
            return scalar();
        }
        return gen.weigh(
            5, (Supplier<String>) this::scalar,
            2, (Supplier<String>) () -> eventObject(NESTED_KEYS, depth - 1, 0, 3),
            2, (Supplier<String>) () -> joined(gen.list(0, 3, () -> gen.weigh(
                4, (Supplier<String>) this::scalar,
                2, (Supplier<String>) () -> eventObject(NESTED_KEYS, depth - 1, 0, 2),
                1, (Supplier<String>) () -> joined(gen.list(0, 3, this::scalar))))));
    }

    private String eventObject(final List<String> keys, final int depth, final int min, final int max) {
        final List<String> names = new ArrayList<>(gen.distinct(keys, min, max));
        if (depth >= 3 && gen.oneIn(5)) {
            names.add(gen.pick(DOTTED_KEYS));
        }
        final List<String> members = new ArrayList<>();
        for (String name : names) {
            members.add(quote(name) + ":" + eventValue(depth));
        }
        return "{" + String.join(",", members) + "}";
    }

    String event() {
        return eventObject(KEYS, 4, 0, 4);
    }
}
