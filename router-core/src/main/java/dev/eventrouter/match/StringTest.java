package dev.eventrouter.match;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A test of one string value's UTF-8 bytes that has no shared index: wildcards, case-insensitive operands with
 * non-ASCII characters, and the exclusions of {@code anything-but} prefix/suffix/ignore-case/wildcard. Each costs
 * time per condition, which is why wildcards have a complexity budget. Immutable; tests do not allocate.
 */
abstract class StringTest {
    abstract boolean test(byte[] bytes, int offset, int length);

    static StringTest prefix(final String value) {
        return new Prefix(utf8(value));
    }

    static StringTest suffix(final String value) {
        return new Suffix(utf8(value));
    }

    static StringTest wildcard(final String pattern) {
        return new Glob(pattern);
    }

    static StringTest ignoreCase(final String value, final CaseMode mode) {
        return new CaseAlternatives(value, mode);
    }

    static byte[] utf8(final String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    static boolean regionEquals(final byte[] bytes, final int offset, final byte[] part) {
        for (int i = 0; i < part.length; i++) {
            if (bytes[offset + i] != part[i]) {
                return false;
            }
        }
        return true;
    }

    /** Where a case-insensitive operand must match. */
    enum CaseMode { EQUALS, PREFIX, SUFFIX }

    private static final class Prefix extends StringTest {
        private final byte[] prefix;

        Prefix(final byte[] prefix) {
            this.prefix = prefix;
        }

        @Override
        boolean test(final byte[] bytes, final int offset, final int length) {
            return length >= prefix.length && regionEquals(bytes, offset, prefix);
        }
    }

    private static final class Suffix extends StringTest {
        private final byte[] suffix;

        Suffix(final byte[] suffix) {
            this.suffix = suffix;
        }

        @Override
        boolean test(final byte[] bytes, final int offset, final int length) {
            return length >= suffix.length && regionEquals(bytes, offset + length - suffix.length, suffix);
        }
    }

    /** Anchored glob: literal parts separated by {@code *}; middle parts found leftmost-first. */
    private static final class Glob extends StringTest {
        private final byte[][] parts;

        Glob(final String pattern) {
            final List<byte[]> split = new ArrayList<>();
            final StringBuilder part = new StringBuilder();
            for (int i = 0; i < pattern.length(); i++) {
                final char c = pattern.charAt(i);
                if (c == '\\' && i + 1 < pattern.length()) {
                    part.append(pattern.charAt(++i));
                } else if (c == '*') {
                    split.add(utf8(part.toString()));
                    part.setLength(0);
                } else {
                    part.append(c);
                }
            }
            split.add(utf8(part.toString()));
            parts = split.toArray(new byte[0][]);
        }

        @Override
        boolean test(final byte[] bytes, final int offset, final int length) {
            final byte[] first = parts[0];
            if (parts.length == 1) {
                return length == first.length && regionEquals(bytes, offset, first);
            }
            final byte[] last = parts[parts.length - 1];
            if (length < first.length + last.length || !regionEquals(bytes, offset, first)
                || !regionEquals(bytes, offset + length - last.length, last)) {
                return false;
            }
            int position = offset + first.length;
            final int limit = offset + length - last.length;
            for (int k = 1; k < parts.length - 1; k++) {
                final int found = indexOf(bytes, position, limit, parts[k]);
                if (found < 0) {
                    return false;
                }
                position = found + parts[k].length;
            }
            return true;
        }

        private static int indexOf(final byte[] bytes, final int from, final int limit, final byte[] part) {
            for (int i = from, last = limit - part.length; i <= last; i++) {
                if (regionEquals(bytes, i, part)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * Each character of the operand matches the UTF-8 bytes of its lower-case or its upper-case form
     * ({@code Locale.ROOT}, per UTF-16 unit), which is EventBridge's definition of equals-ignore-case.
     */
    private static final class CaseAlternatives extends StringTest {
        private final byte[][][] alternatives;
        private final CaseMode mode;

        CaseAlternatives(final String value, final CaseMode mode) {
            this.mode = mode;
            alternatives = new byte[value.length()][][];
            for (int i = 0; i < value.length(); i++) {
                final String c = String.valueOf(value.charAt(i));
                final byte[] lower = utf8(c.toLowerCase(Locale.ROOT));
                final byte[] upper = utf8(c.toUpperCase(Locale.ROOT));
                final int index = mode == CaseMode.SUFFIX ? value.length() - 1 - i : i;
                alternatives[index] = java.util.Arrays.equals(lower, upper) ? new byte[][] {lower}
                    : new byte[][] {lower, upper};
            }
        }

        @Override
        boolean test(final byte[] bytes, final int offset, final int length) {
            return mode == CaseMode.SUFFIX
                ? matchBackward(bytes, offset, offset + length, 0)
                : matchForward(bytes, offset, offset + length, 0);
        }

        private boolean matchForward(final byte[] bytes, final int position, final int end, final int index) {
            if (index == alternatives.length) {
                return mode == CaseMode.PREFIX || position == end;
            }
            for (byte[] alternative : alternatives[index]) {
                if (end - position >= alternative.length && regionEquals(bytes, position, alternative)
                    && matchForward(bytes, position + alternative.length, end, index + 1)) {
                    return true;
                }
            }
            return false;
        }

        private boolean matchBackward(final byte[] bytes, final int start, final int position, final int index) {
            if (index == alternatives.length) {
                return true;
            }
            for (byte[] alternative : alternatives[index]) {
                final int from = position - alternative.length;
                if (from >= start && regionEquals(bytes, from, alternative)
                    && matchBackward(bytes, start, from, index + 1)) {
                    return true;
                }
            }
            return false;
        }
    }
}
