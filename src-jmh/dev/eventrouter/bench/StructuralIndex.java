package dev.eventrouter.bench;

import java.util.Arrays;

/**
 * The stage-1/stage-2 design issue 15 proposed for the validating scan, built far enough to measure it (and found
 * slower than the scanner it would replace: see docs/benchmarks.md, "A structural index for the validating scan").
 * Not the product's scanner: an experiment kept so the measurement can be repeated.
 *
 * <p>Stage 1 classifies 64 bytes at a time into bit masks (quotes, backslashes, control bytes, spaces, and the
 * structural bytes {@code {}[],:}); {@link Masks} has a SWAR form here and a Vector API form in
 * {@link VectorMasks}. Stage 2 ({@link #skip}) walks only the structural bytes outside strings, the opening quotes
 * and the first byte of each number or literal, through JSON's grammar, validating numbers and literals where they
 * start. It answers the position after one container, or -1 where the product's scalar scan would have to decide
 * (a backslash, a control byte in a string, any grammar error, nesting over 64): exactness is left to that path.
 */
final class StructuralIndex {
    private static final int VALUE = 0;
    private static final int VALUE_OR_CLOSE = 1;
    private static final int KEY_OR_CLOSE = 2;
    private static final int KEY = 3;
    private static final int COLON = 4;
    private static final int AFTER_VALUE = 5;
    private static final boolean[] DELIMITER = new boolean[256];

    static {
        for (final char c : "{}[],:\" \t\n\r".toCharArray()) {
            DELIMITER[c] = true;
        }
    }

    /** Stage 1: one 64-byte block's masks, bit i for byte {@code at + i}. */
    abstract static class Masks {
        long quotes;
        long backslashes;
        long controls;
        long spaces;
        long structurals;

        abstract void classify(byte[] bytes, int at);

        /** @return a sum of the masks of every full block of {@code bytes}, for a stage-1-only measurement. */
        long classifyAll(final byte[] bytes) {
            long sum = 0;
            for (int at = 0; at + 64 <= bytes.length; at += 64) {
                classify(bytes, at);
                sum += quotes ^ backslashes ^ controls ^ spaces ^ structurals;
            }
            return sum;
        }
    }

    /** Stage 1 on JDK 17: eight words, each class found a word at a time and gathered into 8 bits by a multiply. */
    static final class SwarMasks extends Masks {
        private static final java.lang.invoke.VarHandle WORDS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
        private static final long HIGH = 0x8080_8080_8080_8080L;

        @Override
        void classify(final byte[] bytes, final int at) {
            long q = 0;
            long b = 0;
            long c = 0;
            long s = 0;
            long t = 0;
            for (int i = 0; i < 8; i++) {
                final long w = (long) WORDS.get(bytes, at + 8 * i);
                final int shift = 8 * i;
                q |= gather(zero(w ^ 0x2222_2222_2222_2222L)) << shift;
                b |= gather(zero(w ^ 0x5C5C_5C5C_5C5C_5C5CL)) << shift;
                c |= gather(~(((w & ~HIGH) + 0x6060_6060_6060_6060L) | w) & HIGH) << shift;
                s |= gather(zero(w ^ 0x2020_2020_2020_2020L)) << shift;
                final long folded = w | 0x2020_2020_2020_2020L;
                t |= gather(zero(folded ^ 0x7B7B_7B7B_7B7B_7B7BL) | zero(folded ^ 0x7D7D_7D7D_7D7D_7D7DL)
                    | zero(w ^ 0x2C2C_2C2C_2C2C_2C2CL) | zero(w ^ 0x3A3A_3A3A_3A3A_3A3AL)) << shift;
            }
            quotes = q;
            backslashes = b;
            controls = c;
            spaces = s;
            structurals = t;
        }

        /** High bit set in exactly the zero bytes of {@code w}. */
        private static long zero(final long w) {
            return ~(((w & ~HIGH) + ~HIGH) | w | ~HIGH);
        }

        /** The high bits of a word's 8 bytes as 8 bits. */
        private static long gather(final long highBits) {
            return ((highBits >>> 7) * 0x0102_0408_1020_4080L) >>> 56;
        }
    }

    private final Masks masks;
    private final byte[] padded = new byte[64];

    StructuralIndex(final Masks masks) {
        this.masks = masks;
    }

    /**
     * Stage 2: skips the container (or value) at {@code from}, validating it.
     *
     * @return the position after it, or -1 when the scalar scan must decide.
     */
    int skip(final byte[] bytes, final int from, final int end) {
        long kinds = 0;   // bit per open container, 1 = object
        int level = 0;
        int state = VALUE;
        long inString = 0;
        long scalarCarry = 0;
        for (int block = from; block < end; block += 64) {
            final byte[] source;
            final int at;
            if (block + 64 <= end) {
                source = bytes;
                at = block;
            } else {   // the last bytes, padded with spaces, which the grammar ignores
                System.arraycopy(bytes, block, padded, 0, end - block);
                Arrays.fill(padded, end - block, 64, (byte) ' ');
                source = padded;
                at = 0;
            }
            final Masks m = masks;
            m.classify(source, at);
            if (m.backslashes != 0) {
                return -1;
            }
            final long q = m.quotes;
            long x = q ^ (q << 1);
            x ^= x << 2;
            x ^= x << 4;
            x ^= x << 8;
            x ^= x << 16;
            x ^= x << 32;
            final long strings = x ^ inString;   // from an opening quote up to its closing quote
            inString = strings >> 63;
            if ((m.controls & strings) != 0) {
                return -1;
            }
            final long outside = ~(strings | q);
            final long otherControls = m.controls & outside;
            if (otherControls != 0 && !onlyWhitespace(bytes, block, otherControls, end)) {
                return -1;
            }
            final long structural = m.structurals & outside;
            final long scalar = outside & ~structural & ~m.spaces & ~m.controls;
            long events = structural | (q & strings) | (scalar & ~((scalar << 1) | scalarCarry));
            scalarCarry = scalar >>> 63;
            while (events != 0) {
                final int p = block + Long.numberOfTrailingZeros(events);
                events &= events - 1;
                final byte c = bytes[p];
                switch (state) {
                    case VALUE_OR_CLOSE:
                        if (c == ']') {
                            if (--level == 0) {
                                return p + 1;
                            }
                            kinds >>>= 1;
                            state = AFTER_VALUE;
                            continue;
                        }
                        // a value, as below
                    case VALUE:
                        if (c == '{' || c == '[') {
                            if (level == 64) {
                                return -1;
                            }
                            kinds = (kinds << 1) | (c == '{' ? 1 : 0);
                            level++;
                            state = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
                        } else if (c == '"') {
                            state = AFTER_VALUE;
                        } else if (c == ',' || c == ':' || c == '}' || c == ']') {
                            return -1;
                        } else {
                            final int after = scalarEnd(bytes, p, end);
                            if (after < 0 || (after < end && !DELIMITER[bytes[after] & 0xff])) {
                                return -1;
                            }
                            state = AFTER_VALUE;
                        }
                        continue;
                    case KEY_OR_CLOSE:
                        if (c == '}') {
                            if (--level == 0) {
                                return p + 1;
                            }
                            kinds >>>= 1;
                            state = AFTER_VALUE;
                            continue;
                        }
                        // a key, as below
                    case KEY:
                        if (c != '"') {
                            return -1;
                        }
                        state = COLON;
                        continue;
                    case COLON:
                        if (c != ':') {
                            return -1;
                        }
                        state = VALUE;
                        continue;
                    default:
                        if (c == ',') {
                            state = (kinds & 1) != 0 ? KEY : VALUE;
                        } else if (c == ((kinds & 1) != 0 ? '}' : ']')) {
                            if (--level == 0) {
                                return p + 1;
                            }
                            kinds >>>= 1;
                        } else {
                            return -1;
                        }
                }
            }
        }
        return -1;
    }

    private static boolean onlyWhitespace(final byte[] bytes, final int block, final long controls, final int end) {
        for (long m = controls; m != 0; m &= m - 1) {
            final int p = block + Long.numberOfTrailingZeros(m);
            if (p < end && bytes[p] != '\t' && bytes[p] != '\n' && bytes[p] != '\r') {
                return false;
            }
        }
        return true;
    }

    /** @return the end of the number or literal at {@code from}, or -1 if it is not one. */
    private static int scalarEnd(final byte[] b, final int from, final int end) {
        final byte c = b[from];
        if (c == 't' || c == 'n') {
            final String word = c == 't' ? "true" : "null";
            return from + 4 <= end && b[from + 1] == word.charAt(1) && b[from + 2] == word.charAt(2)
                && b[from + 3] == word.charAt(3) ? from + 4 : -1;
        }
        if (c == 'f') {
            return from + 5 <= end && b[from + 1] == 'a' && b[from + 2] == 'l' && b[from + 3] == 's'
                && b[from + 4] == 'e' ? from + 5 : -1;
        }
        int p = from;
        if (b[p] == '-') {
            p++;
        }
        if (p >= end || !digit(b[p])) {
            return -1;
        }
        p = b[p] == '0' ? p + 1 : digitsEnd(b, p, end);
        if (p < end && b[p] == '.') {
            if (p + 1 >= end || !digit(b[p + 1])) {
                return -1;
            }
            p = digitsEnd(b, p + 1, end);
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E')) {
            p++;
            if (p < end && (b[p] == '+' || b[p] == '-')) {
                p++;
            }
            if (p >= end || !digit(b[p])) {
                return -1;
            }
            p = digitsEnd(b, p, end);
        }
        return p;
    }

    private static int digitsEnd(final byte[] b, final int from, final int end) {
        int p = from;
        while (p < end && digit(b[p])) {
            p++;
        }
        return p;
    }

    private static boolean digit(final byte c) {
        return c >= '0' && c <= '9';
    }
}
