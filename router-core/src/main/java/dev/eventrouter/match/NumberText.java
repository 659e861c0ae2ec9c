package dev.eventrouter.match;

import dev.eventrouter.pattern.Decimals;
import java.nio.charset.StandardCharsets;

/**
 * The comparable value of a JSON number's text (see {@link Decimals}), without allocating for numbers of up to 15
 * significant digits and a decimal exponent within ±22 (after removing trailing zeros). Such a number is exactly
 * the shortest representation of its nearest double, so it is always comparable, and one IEEE multiplication or
 * division of two exact values gives that double. Longer or more extreme numbers take the exact
 * {@code BigDecimal} path, which allocates.
 */
final class NumberText {
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22
    };
    private static final int FAST_DIGITS = 15;
    private static final int FAST_EXPONENT = 22;

    private NumberText() {
    }

    /**
     * @param bytes  the text of a valid JSON number.
     * @param offset first byte.
     * @param length number of bytes.
     * @return the comparable value, or {@code NaN} when the number is not comparable.
     */
    static double comparableValue(final byte[] bytes, final int offset, final int length) {
        final int end = offset + length;
        int i = offset;
        final boolean negative = bytes[i] == '-';
        if (negative) {
            i++;
        }
        long mantissa = 0;
        int digits = 0;
        int exponent = 0;
        boolean fraction = false;
        for (; i < end; i++) {
            final byte b = bytes[i];
            if (b == '.') {
                fraction = true;
                continue;
            }
            if (b == 'e' || b == 'E') {
                break;
            }
            final int digit = b - '0';
            if (digits == 0 && digit == 0) {
                if (fraction) {
                    exponent--;
                }
                continue;
            }
            if (digits >= 18) {
                return slow(bytes, offset, length);
            }
            mantissa = mantissa * 10 + digit;
            digits++;
            if (fraction) {
                exponent--;
            }
        }
        if (i < end) {
            final int parsed = exponentValue(bytes, i + 1, end);
            if (parsed == Integer.MIN_VALUE) {
                return slow(bytes, offset, length);
            }
            exponent += parsed;
        }
        if (digits == 0) {
            return 0.0;
        }
        while (mantissa % 10 == 0) {
            mantissa /= 10;
            digits--;
            exponent++;
        }
        if (digits > FAST_DIGITS || exponent > FAST_EXPONENT || exponent < -FAST_EXPONENT) {
            return slow(bytes, offset, length);
        }
        final double value = exponent >= 0 ? mantissa * POWERS_OF_TEN[exponent] : mantissa / POWERS_OF_TEN[-exponent];
        return negative ? -value : value;
    }

    /** @return the exponent, or {@code Integer.MIN_VALUE} when it has too many digits for the fast path. */
    private static int exponentValue(final byte[] bytes, final int start, final int end) {
        int i = start;
        boolean negative = false;
        if (bytes[i] == '+' || bytes[i] == '-') {
            negative = bytes[i] == '-';
            i++;
        }
        int value = 0;
        for (; i < end; i++) {
            value = value * 10 + (bytes[i] - '0');
            if (value > 10_000) {
                return Integer.MIN_VALUE;
            }
        }
        return negative ? -value : value;
    }

    private static double slow(final byte[] bytes, final int offset, final int length) {
        return Decimals.comparableValue(new String(bytes, offset, length, StandardCharsets.US_ASCII));
    }
}
