package dev.eventrouter.match;

import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.pattern.IpAddressParser;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One pass over an event's UTF-8 JSON bytes. It follows only the keys in the automaton's {@link PathTrie}, hands
 * each leaf value on a tested path to that field's {@link FieldIndex}, and skips every other value while still
 * checking that it is well-formed JSON, so a malformed event is always reported, never half-matched.
 * Single-threaded; allocates only to grow its unescape buffer for an unusually long escaped string.
 *
 * <p>Strings are compared by their UTF-8 bytes after unescaping; the scanner checks JSON structure, escapes and
 * control characters, not the validity of UTF-8 inside strings.
 */
final class EventScanner {
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long QUOTES = 0x2222_2222_2222_2222L;
    private static final long BACKSLASHES = 0x5C5C_5C5C_5C5C_5C5CL;
    private static final long SPACES = 0x2020_2020_2020_2020L;
    private static final long ZEROS = 0x3030_3030_3030_3030L;
    private static final long ABOVE_NINE = 0x4646_4646_4646_4646L;
    /** '{' in every byte: with the 0x20 bit set, '[' reads as '{' and ']' as '}'. */
    private static final long OPEN_BRACES = 0x7B7B_7B7B_7B7B_7B7BL;
    private static final long CLOSE_BRACES = 0x7D7D_7D7D_7D7D_7D7DL;
    /** Bytes that end a run of plain string content: quote, backslash, control characters. */
    private static final boolean[] STRING_SPECIAL = new boolean[256];
    /** Most strings in events are short: look at this many bytes one by one before going word at a time. */
    private static final int SHORT_STRING = 8;

    static {
        for (int c = 0; c < 0x20; c++) {
            STRING_SPECIAL[c] = true;
        }
        STRING_SPECIAL['"'] = true;
        STRING_SPECIAL['\\'] = true;
    }

    private final MatchState state;
    private byte[] buffer;
    private int start;
    private int end;
    private int maxDepth;
    private PathTrie paths;
    private FieldIndex[] fields;
    private boolean escaped;
    private byte[] unescaped = new byte[256];
    private byte[] containers = new byte[64];
    private int unescapedLength;
    private boolean nestsInArray;
    /** This scan's bytes were found well-formed by an earlier scan: unnamed containers are skipped unchecked. */
    private boolean trusted;
    /** Start of each open container of {@link #skipValue}, beside {@link #containers}. */
    private int[] containerStarts = new int[64];
    /** Whether this scan records the spans of the large containers it skips, into {@link #recorded}. */
    private boolean record;
    private final int[] recorded = new int[2 * EventMatcher.MAX_SPANS];
    private int recordedCount;
    /** The spans a validated scan was given: pairs of (start, end) relative to the event's first byte. */
    private int[] knownSpans;
    private int knownSpanCount;
    /** The smallest container whose span is worth recording: below this, skipping it is cheap anyway. */
    static final int MIN_SPAN_BYTES = 128;

    EventScanner(final MatchState state) {
        this.state = state;
    }

    /**
     * @param validated the bytes were found well-formed within the same depth limit by an earlier scan: containers
     *                  no rule names are then skipped unchecked (jumped over where one of {@code spans} starts, else
     *                  by counting brackets outside strings a word at a time), and {@link #nestsInArray()} does not
     *                  look inside them. On bytes that are not in fact valid the answer is unspecified, but the scan
     *                  still stops at the end of the bytes and never reads outside them.
     * @param spans     with {@code validated}: spans of some containers, pairs of (start, end) relative to
     *                  {@code offset}, as a validating scan records them; a span that does not fit is ignored.
     * @param spanCount the number of pairs in {@code spans}.
     * @param record    whether to record the spans of the containers this (validating) scan skips that are at least
     *                  {@link #MIN_SPAN_BYTES} long, in the order they close, up to {@link EventMatcher#MAX_SPANS}
     *                  ({@link #recordedSpans()}).
     */
    void scan(final MatchAutomaton automaton, final byte[] bytes, final int offset, final int length,
              final int depthLimit, final boolean validated, final int[] spans, final int spanCount,
              final boolean record) {
        trusted = validated;
        knownSpans = spans;
        knownSpanCount = validated ? spanCount : 0;
        this.record = record;
        recordedCount = 0;
        buffer = bytes;
        start = offset;
        end = offset + length;
        maxDepth = depthLimit;
        paths = automaton.paths;
        fields = automaton.fields;
        nestsInArray = false;
        int p = skipWhitespace(offset);
        if (p >= end || buffer[p] != '{') {
            throw error(p, "event must be a JSON object");
        }
        p = skipWhitespace(scanObject(p, PathTrie.ROOT, 1));
        if (p != end) {
            throw error(p, "unexpected content after the event");
        }
    }

    /** @return the spans the last scan recorded ({@link #recordedSpanCount()} pairs); valid until the next scan. */
    int[] recordedSpans() {
        return recorded;
    }

    /** @return the number of spans the last scan recorded. */
    int recordedSpanCount() {
        return recordedCount;
    }

    /**
     * @return whether the last scanned event held an object or an array as an element of an array: only such an
     * event gives array-consistent verification a search to do (a leaf outside any such element is evidence free
     * of array membership), so only such an event can exceed {@link MatchState#MAX_VERIFY_STEPS}.
     */
    boolean nestsInArray() {
        return nestsInArray;
    }

    private int scanObject(final int open, final int node, final int depth) {
        if (depth > maxDepth) {
            throw error(open, "nesting deeper than " + maxDepth + " levels");
        }
        int p = skipWhitespace(open + 1);
        if (p < end && buffer[p] == '}') {
            return p + 1;
        }
        while (true) {
            if (p >= end || buffer[p] != '"') {
                throw error(p, "expected a field name");
            }
            final int keyEnd = stringEnd(p + 1);
            final int child;
            if (escaped) {
                unescape(p + 1, keyEnd);
                child = paths.lookup(node, unescaped, 0, unescapedLength);
            } else {
                child = paths.lookup(node, buffer, p + 1, keyEnd - p - 1);
            }
            p = skipWhitespace(keyEnd + 1);
            if (p >= end || buffer[p] != ':') {
                throw error(p, "expected ':' after a field name");
            }
            p = skipWhitespace(p + 1);
            p = child == PathTrie.MISSING ? skip(p, depth) : scanValue(p, child, depth);
            p = skipWhitespace(p);
            if (p >= end) {
                throw error(p, "unterminated object");
            }
            final byte b = buffer[p];
            if (b == ',') {
                p = skipWhitespace(p + 1);
            } else if (b == '}') {
                return p + 1;
            } else {
                throw error(p, "expected ',' or '}' in an object");
            }
        }
    }

    private int scanValue(final int p, final int node, final int depth) {
        if (p >= end) {
            throw error(p, "expected a value");
        }
        final byte b = buffer[p];
        if (b == '{') {
            return paths.hasChildren(node) ? scanObject(p, node, depth + 1) : skip(p, depth);
        }
        if (b == '[') {
            return scanArray(p, node, depth + 1);
        }
        final int field = paths.field(node);
        if (field < 0) {
            return skip(p, depth);
        }
        final FieldIndex index = fields[field];
        state.beginValue();
        if (index.tracksOccurrences) {
            state.occurrence(field);
        }
        if (b == '"') {
            final int close = stringEnd(p + 1);
            if (escaped) {
                unescape(p + 1, close);
                index.evaluateString(unescaped, 0, unescapedLength, state);
            } else {
                index.evaluateString(buffer, p + 1, close - p - 1, state);
            }
            return close + 1;
        }
        if (b == 't' || b == 'f' || b == 'n') {
            final int after = literalEnd(p);
            index.evaluateLiteral(buffer, p, after - p, state);
            return after;
        }
        final int after = numberEnd(p);
        index.evaluateNumber(buffer, p, after - p, state);
        return after;
    }

    private int scanArray(final int open, final int node, final int depth) {
        if (depth > maxDepth) {
            throw error(open, "nesting deeper than " + maxDepth + " levels");
        }
        final int arrayId = state.nextArrayId();
        int p = skipWhitespace(open + 1);
        if (p < end && buffer[p] == ']') {
            return p + 1;
        }
        int index = 0;
        while (true) {
            if (p >= end) {
                throw error(p, "unterminated array");
            }
            final byte b = buffer[p];
            if (b == '{' || b == '[') {
                nestsInArray = true;
                state.enterElement(arrayId, index);
                p = scanValue(p, node, depth);
                state.leaveElement();
            } else {
                p = scanValue(p, node, depth);
            }
            index++;
            p = skipWhitespace(p);
            if (p >= end) {
                throw error(p, "unterminated array");
            }
            final byte next = buffer[p];
            if (next == ',') {
                p = skipWhitespace(p + 1);
            } else if (next == ']') {
                return p + 1;
            } else {
                throw error(p, "expected ',' or ']' in an array");
            }
        }
    }

    /** Skips one value no rule names: unchecked when it is a container of validated bytes. */
    private int skip(final int from, final int depth) {
        if (trusted && from < end && (buffer[from] == '{' || buffer[from] == '[')) {
            final int relative = from - start;
            for (int i = 0; i < knownSpanCount; i++) {
                if (knownSpans[2 * i] == relative) {
                    final int to = start + knownSpans[2 * i + 1];
                    if (to > from && to <= end) {
                        return to;
                    }
                }
            }
            return skipValidatedContainer(from);
        }
        return skipValue(from, depth);
    }

    /**
     * Skips a container of bytes already found well-formed (depth limit included) a word at a time: per 8 bytes, the
     * quotes' running parity marks what is inside strings, and the brackets outside them are counted; a word is
     * walked bracket by bracket only when it may close the container. Words holding a backslash, and the last
     * bytes, go one byte at a time.
     *
     * @return the position after the container.
     */
    private int skipValidatedContainer(final int from) {
        final byte[] b = buffer;
        int level = 1;
        int p = from + 1;
        boolean inString = false;
        boolean escapeNext = false;
        while (true) {
            if (!escapeNext && p + Long.BYTES <= end) {
                final long word = (long) WORDS.get(b, p);
                if (exactZeroBytes(word ^ BACKSLASHES) == 0) {
                    long quotes = exactZeroBytes(word ^ QUOTES);
                    quotes ^= quotes << 8;
                    quotes ^= quotes << 16;
                    quotes ^= quotes << 32;
                    final long inside = inString ? ~quotes : quotes;
                    final long folded = word | SPACES;
                    final long opens = exactZeroBytes(folded ^ OPEN_BRACES) & ~inside;
                    final long closes = exactZeroBytes(folded ^ CLOSE_BRACES) & ~inside;
                    if (Long.bitCount(closes) < level) {
                        level += Long.bitCount(opens) - Long.bitCount(closes);
                    } else {
                        long brackets = opens | closes;
                        while (brackets != 0) {
                            final long bit = brackets & -brackets;
                            if ((opens & bit) != 0) {
                                level++;
                            } else if (--level == 0) {
                                return p + (Long.numberOfTrailingZeros(bit) >>> 3) + 1;
                            }
                            brackets ^= bit;
                        }
                    }
                    inString = inside < 0;   // the last byte's bit: inside a string at the word's end
                    p += Long.BYTES;
                    continue;
                }
            }
            // one word (or the last bytes) one byte at a time
            final int stop = Math.min(end, p + Long.BYTES);
            if (p >= end) {
                throw error(from, "unterminated " + (b[from] == '{' ? "object" : "array"));
            }
            for (; p < stop; p++) {
                final byte c = b[p];
                if (inString) {
                    if (escapeNext) {
                        escapeNext = false;
                    } else if (c == '\\') {
                        escapeNext = true;
                    } else if (c == '"') {
                        inString = false;
                    }
                } else if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    level++;
                } else if ((c == '}' || c == ']') && --level == 0) {
                    return p + 1;
                }
            }
        }
    }

    /** High bit set in exactly the zero bytes of {@code word}. */
    private static long exactZeroBytes(final long word) {
        return ~(((word & ~HIGH_BITS) + ~HIGH_BITS) | word | ~HIGH_BITS);
    }

    /**
     * Skips one value, checking it is well-formed, in one loop with an explicit stack of open containers (no
     * recursion per nested value). {@code depth} is the nesting of the value's parent.
     *
     * @return the position after the value.
     */
    private int skipValue(final int from, final int depth) {
        int p = from;
        int level = 0;
        while (true) {
            if (p >= end) {
                throw error(p, "expected a value");
            }
            final byte b = buffer[p];
            if (b == '{' || b == '[') {
                if (depth + level + 1 > maxDepth) {
                    throw error(p, "nesting deeper than " + maxDepth + " levels");
                }
                if (level == containers.length) {
                    containers = Arrays.copyOf(containers, level * 2);
                    containerStarts = Arrays.copyOf(containerStarts, level * 2);
                }
                if (level > 0 && containers[level - 1] == '[') {
                    nestsInArray = true;
                }
                containerStarts[level] = p;
                containers[level++] = b;
                p = skipWhitespace(p + 1);
                if (p < end && buffer[p] == (b == '{' ? '}' : ']')) {
                    level--;
                    p++;
                } else {
                    if (b == '{') {
                        p = skipKey(p);
                    }
                    continue;
                }
            } else if (b == '"') {
                p = stringEnd(p + 1) + 1;
            } else if (b == 't' || b == 'f' || b == 'n') {
                p = literalEnd(p);
            } else {
                p = numberEnd(p);
            }
            // after a complete value: close containers or move to the next element
            while (true) {
                if (level == 0) {
                    return p;
                }
                final boolean inObject = containers[level - 1] == '{';
                p = skipWhitespace(p);
                if (p >= end) {
                    throw error(p, inObject ? "unterminated object" : "unterminated array");
                }
                final byte c = buffer[p];
                if (c == ',') {
                    p = skipWhitespace(p + 1);
                    if (inObject) {
                        p = skipKey(p);
                    }
                    break;
                }
                if (c == (inObject ? '}' : ']')) {
                    level--;
                    p++;
                    if (record && p - containerStarts[level] >= MIN_SPAN_BYTES
                        && recordedCount < EventMatcher.MAX_SPANS) {
                        recorded[2 * recordedCount] = containerStarts[level] - start;
                        recorded[2 * recordedCount + 1] = p - start;
                        recordedCount++;
                    }
                    continue;
                }
                throw error(p, inObject ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
            }
        }
    }

    /** Skips {@code "key" :} and the whitespace after it. @return the position of the value. */
    private int skipKey(final int from) {
        if (from >= end || buffer[from] != '"') {
            throw error(from, "expected a field name");
        }
        final int p = skipWhitespace(stringEnd(from + 1) + 1);
        if (p >= end || buffer[p] != ':') {
            throw error(p, "expected ':' after a field name");
        }
        return skipWhitespace(p + 1);
    }

    /**
     * Finds the closing quote of a string whose content starts at {@code p}, checking escapes and control
     * characters; sets {@link #escaped} when the string holds a backslash escape.
     */
    private int stringEnd(final int from) {
        escaped = false;
        final byte[] b = buffer;
        final int limit = Math.min(end, from + SHORT_STRING);
        for (int p = from; p < limit; p++) {
            final int c = b[p] & 0xff;
            if (STRING_SPECIAL[c]) {
                return c == '"' ? p : longStringEnd(from, p);
            }
        }
        return longStringEnd(from, limit);
    }

    /** The rest of {@link #stringEnd(int)}: escapes, control characters, and long runs a word at a time. */
    private int longStringEnd(final int from, final int at) {
        int p = at;
        final byte[] b = buffer;
        while (true) {
            while (p + Long.BYTES <= end && !STRING_SPECIAL[b[p] & 0xff]) {
                final long word = (long) WORDS.get(b, p);
                final long special = zeroBytes(word ^ QUOTES) | zeroBytes(word ^ BACKSLASHES)
                    | ((word - SPACES) & ~word & HIGH_BITS);
                if (special != 0) {
                    p += Long.numberOfTrailingZeros(special) >>> 3;
                    break;
                }
                p += Long.BYTES;
            }
            if (p >= end) {
                throw error(from - 1, "unterminated string");
            }
            final int c = b[p] & 0xff;
            if (c == '"') {
                return p;
            }
            if (c == '\\') {
                escaped = true;
                p = escapeEnd(p);
            } else if (c < 0x20) {
                throw error(p, "unescaped control character in a string");
            } else {
                p++;
            }
        }
    }

    /** The lowest set high bit marks the first zero byte (bits above it may be false positives). */
    private static long zeroBytes(final long word) {
        return (word - ONES) & ~word & HIGH_BITS;
    }

    /** @return the position of the first byte at or after {@code from} that is not an ASCII digit. */
    private int digitsEnd(final int from) {
        int p = from;
        while (p + Long.BYTES <= end) {
            final long word = (long) WORDS.get(buffer, p);
            final long notDigit = ((word - ZEROS) | (word + ABOVE_NINE)) & HIGH_BITS;
            if (notDigit != 0) {
                return p + (Long.numberOfTrailingZeros(notDigit) >>> 3);
            }
            p += Long.BYTES;
        }
        while (p < end && isDigit(buffer[p])) {
            p++;
        }
        return p;
    }

    private int escapeEnd(final int backslash) {
        if (backslash + 1 >= end) {
            throw error(backslash, "unterminated string");
        }
        switch (buffer[backslash + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
                return backslash + 2;
            case 'u':
                if (backslash + 6 > end) {
                    throw error(backslash, "truncated \\u escape");
                }
                for (int i = backslash + 2; i < backslash + 6; i++) {
                    if (IpAddressParser.hexDigit(buffer[i]) < 0) {
                        throw error(i, "invalid hex digit in a \\u escape");
                    }
                }
                return backslash + 6;
            default:
                throw error(backslash, "invalid escape character");
        }
    }

    /** Unescapes a checked string's content into {@link #unescaped}; lone surrogates become '?' as in Java. */
    private void unescape(final int from, final int to) {
        if (unescaped.length < to - from) {
            unescaped = Arrays.copyOf(unescaped, Math.max(unescaped.length * 2, to - from));
        }
        int n = 0;
        int p = from;
        while (p < to) {
            final byte c = buffer[p];
            if (c != '\\') {
                unescaped[n++] = c;
                p++;
                continue;
            }
            final byte kind = buffer[p + 1];
            if (kind != 'u') {
                unescaped[n++] = simpleEscape(kind);
                p += 2;
                continue;
            }
            int codePoint = hex4(p + 2);
            p += 6;
            if (Character.isHighSurrogate((char) codePoint) && p + 6 <= to && buffer[p] == '\\'
                && buffer[p + 1] == 'u' && Character.isLowSurrogate((char) hex4(p + 2))) {
                codePoint = Character.toCodePoint((char) codePoint, (char) hex4(p + 2));
                p += 6;
            } else if (Character.isSurrogate((char) codePoint)) {
                codePoint = '?';
            }
            n = encodeUtf8(codePoint, n);
        }
        unescapedLength = n;
    }

    private int encodeUtf8(final int codePoint, final int at) {
        int n = at;
        if (codePoint < 0x80) {
            unescaped[n++] = (byte) codePoint;
        } else if (codePoint < 0x800) {
            unescaped[n++] = (byte) (0xC0 | (codePoint >> 6));
            unescaped[n++] = (byte) (0x80 | (codePoint & 0x3F));
        } else if (codePoint < 0x10000) {
            unescaped[n++] = (byte) (0xE0 | (codePoint >> 12));
            unescaped[n++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
            unescaped[n++] = (byte) (0x80 | (codePoint & 0x3F));
        } else {
            unescaped[n++] = (byte) (0xF0 | (codePoint >> 18));
            unescaped[n++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
            unescaped[n++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
            unescaped[n++] = (byte) (0x80 | (codePoint & 0x3F));
        }
        return n;
    }

    private static byte simpleEscape(final byte kind) {
        return switch (kind) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            default -> kind;
        };
    }

    private int hex4(final int p) {
        return (IpAddressParser.hexDigit(buffer[p]) << 12) | (IpAddressParser.hexDigit(buffer[p + 1]) << 8)
            | (IpAddressParser.hexDigit(buffer[p + 2]) << 4) | IpAddressParser.hexDigit(buffer[p + 3]);
    }


    private int literalEnd(final int p) {
        final byte b = buffer[p];
        if (b == 't' && matches(p, 't', 'r', 'u', 'e')) {
            return p + 4;
        }
        if (b == 'n' && matches(p, 'n', 'u', 'l', 'l')) {
            return p + 4;
        }
        if (b == 'f' && p + 5 <= end && matches(p + 1, 'a', 'l', 's', 'e')) {
            return p + 5;
        }
        throw error(p, "invalid literal");
    }

    private boolean matches(final int p, final char a, final char b, final char c, final char d) {
        return p + 4 <= end && buffer[p] == a && buffer[p + 1] == b && buffer[p + 2] == c && buffer[p + 3] == d;
    }

    /** JSON number grammar: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
    private int numberEnd(final int from) {
        int p = from;
        if (p < end && buffer[p] == '-') {
            p++;
        }
        if (p >= end || !isDigit(buffer[p])) {
            throw error(from, p >= end ? "unexpected end of input" : "unexpected character");
        }
        if (buffer[p] == '0') {
            p++;
        } else {
            p = digitsEnd(p);
        }
        if (p < end && buffer[p] == '.') {
            p++;
            if (p >= end || !isDigit(buffer[p])) {
                throw error(p, "invalid number: digits expected after '.'");
            }
            p = digitsEnd(p);
        }
        if (p < end && (buffer[p] == 'e' || buffer[p] == 'E')) {
            p++;
            if (p < end && (buffer[p] == '+' || buffer[p] == '-')) {
                p++;
            }
            if (p >= end || !isDigit(buffer[p])) {
                throw error(p, "invalid number: digits expected in the exponent");
            }
            while (p < end && isDigit(buffer[p])) {
                p++;
            }
        }
        return p;
    }

    private static boolean isDigit(final byte b) {
        return b >= '0' && b <= '9';
    }

    private int skipWhitespace(final int from) {
        return from < end && buffer[from] > ' ' ? from : skipWhitespaceRun(from);
    }

    private int skipWhitespaceRun(final int from) {
        int p = from;
        while (p < end) {
            final byte b = buffer[p];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return p;
            }
            p++;
        }
        return p;
    }

    private MalformedEventException error(final int position, final String reason) {
        return new MalformedEventException(position - start, reason);
    }
}
