package dev.eventrouter.pattern;

import java.util.List;

/**
 * One alternative in a field's value list: {@code "x": ["a", {"prefix": "b"}]} has two. A field matches when any
 * of its alternatives matches any of the field's values. Immutable.
 */
public sealed interface ValueMatcher {

    /** A string equal to {@code value} ({@code "x"} or {@code {"exactly": "x"}}). */
    record ExactString(String value) implements ValueMatcher {
    }

    /**
     * A number written in the pattern. It matches numbers of equal value when {@code comparable} is a number (see
     * {@link Decimals}), and always matches a number spelled exactly as {@code text}.
     */
    record ExactNumber(String text, double comparable) implements ValueMatcher {
    }

    /** {@code true}, {@code false} or {@code null}, by their JSON text. */
    record ExactLiteral(String text) implements ValueMatcher {
    }

    /** A string starting with {@code value}; with {@code ignoreCase}, {@code {"prefix":{"equals-ignore-case":..}}}. */
    record Prefix(String value, boolean ignoreCase) implements ValueMatcher {
    }

    /** A string ending with {@code value}; with {@code ignoreCase}, {@code {"suffix":{"equals-ignore-case":..}}}. */
    record Suffix(String value, boolean ignoreCase) implements ValueMatcher {
    }

    /** A string equal to {@code value} under simple per-character case mapping. */
    record EqualsIgnoreCase(String value) implements ValueMatcher {
    }

    /** A string matching {@code pattern}, where {@code *} matches any run and {@code \*}, {@code \\} are literal. */
    record Wildcard(String pattern) implements ValueMatcher {
    }

    /**
     * A comparable number inside the interval. A missing bound is infinite; {@code {"numeric":["=",5]}} is the
     * closed interval [5, 5].
     */
    record Numeric(double lower, boolean lowerOpen, double upper, boolean upperOpen) implements ValueMatcher {
    }

    /**
     * A string holding an IP address inside [start, end] ({@code cidr}, or an exact string that is an address).
     * For IPv4, {@code startLow}/{@code endLow} hold the 32-bit address and the high words are 0.
     */
    record IpRange(int version, long startHigh, long startLow, long endHigh, long endLow) implements ValueMatcher {
    }

    /** {@code {"exists": true}} (any leaf value) or {@code {"exists": false}} (no leaf value at this path). */
    record Exists(boolean present) implements ValueMatcher {
    }

    /**
     * {@code anything-but}: the field is present and its value is not excluded. Values of another type than the
     * exclusions are never excluded.
     *
     * @param kind    which form.
     * @param strings the excluded strings, prefixes, suffixes or wildcard patterns (empty for numbers).
     * @param numbers the excluded comparable numbers (empty for strings).
     */
    record AnythingBut(Kind kind, List<String> strings, List<Double> numbers) implements ValueMatcher {
        /** The forms of {@code anything-but}. */
        public enum Kind {
            /** Excluded strings. */
            STRINGS,
            /** Excluded numbers, compared numerically. */
            NUMBERS,
            /** Excluded strings, ignoring case. */
            EQUALS_IGNORE_CASE,
            /** Excluded prefixes. */
            PREFIX,
            /** Excluded suffixes. */
            SUFFIX,
            /** Excluded wildcard patterns. */
            WILDCARD
        }

        /** Copies the lists. */
        public AnythingBut {
            strings = List.copyOf(strings);
            numbers = List.copyOf(numbers);
        }
    }
}
