package dev.eventrouter.match;

import dev.eventrouter.pattern.Decimals;
import java.nio.charset.StandardCharsets;

/**
 * The comparable value of a JSON number's text (see {@link Decimals}), without allocating for numbers of up to 18
 * significant digits and a decimal exponent within ±27 (after removing trailing zeros):
 * <ul>
 *   <li>up to 15 digits and ±22: such a number is exactly the shortest representation of its nearest double, so it
 *       is always comparable, and one IEEE multiplication or division of two exact values gives that double;</li>
 *   <li>otherwise: the double is found by exact 128-bit comparisons ({@link ExactDecimal}), and the number is
 *       comparable when it is that double's shortest representation (as JDK 19+ {@code Double.toString} prints
 *       it).</li>
 * </ul>
 * More extreme numbers take the {@code BigDecimal} path, which allocates.
 */
final class NumberText {
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27
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
        // the shortest-representation check also compares at exponent + 1
        if (exponent >= ExactDecimal.MAX_EXPONENT || exponent < -ExactDecimal.MAX_EXPONENT) {
            return slow(bytes, offset, length);
        }
        final double estimate = exponent >= 0 ? mantissa * POWERS_OF_TEN[exponent]
            : mantissa / POWERS_OF_TEN[-exponent];
        if (digits <= FAST_DIGITS && exponent <= FAST_EXPONENT && exponent >= -FAST_EXPONENT) {
            return negative ? -estimate : estimate;
        }
        final double value = longDecimal(mantissa, exponent, estimate);
        if (value == SLOW) {
            return slow(bytes, offset, length);
        }
        return negative ? -value : value;
    }

    private static final double SLOW = -1.0;

    /**
     * 16 to 18 significant digits, or a decimal exponent beyond ±22: rounds exactly, then checks that the decimal is the shortest representation of
     * its double (no decimal with one digit less rounds to it, and no neighbour with as many digits is closer).
     *
     * @return the positive value, {@code NaN} when not comparable, or {@link #SLOW} when out of range.
     */
    private static double longDecimal(final long mantissa, final int exponent, final double estimate) {
        double value = estimate;
        for (int round = 0; round < 4; round++) {
            if (!(value >= Double.MIN_NORMAL) || Double.isInfinite(value)) {
                return SLOW;
            }
            final long m = binaryMantissa(value);
            final int q = binaryExponent(value);
            final int above = ExactDecimal.compare(mantissa, exponent, 2 * m + 1, q - 1);
            final int below = lowerMidpointCompare(mantissa, exponent, m, q);
            if (above == ExactDecimal.UNSUPPORTED || below == ExactDecimal.UNSUPPORTED) {
                return SLOW;
            }
            if (above > 0 || (above == 0 && (m & 1) == 1)) {
                value = Math.nextUp(value);
            } else if (below < 0 || (below == 0 && (m & 1) == 1)) {
                value = Math.nextDown(value);
            } else {
                return isShortest(mantissa, exponent, m, q) ? value : Double.NaN;
            }
        }
        return SLOW;
    }

    private static boolean isShortest(final long mantissa, final int exponent, final long m, final int q) {
        final long shorter = mantissa / 10;
        if (shorter > 0 && roundsTo(shorter, exponent + 1, m, q)) {
            return false;
        }
        if (roundsTo(shorter + 1, exponent + 1, m, q)) {
            return false;
        }
        // a neighbour with as many digits that also rounds here and lies closer to the double wins; at equal
        // distance the one with the even last digit wins (the JDK 19+ definition of Double.toString)
        final boolean oddLastDigit = (mantissa & 1) == 1;
        final int towardsAbove = ExactDecimal.compare(2 * mantissa + 1, exponent, m, q + 1);
        if ((towardsAbove < 0 || (towardsAbove == 0 && oddLastDigit)) && roundsTo(mantissa + 1, exponent, m, q)) {
            return false;
        }
        final int towardsBelow = ExactDecimal.compare(2 * mantissa - 1, exponent, m, q + 1);
        return !((towardsBelow > 0 || (towardsBelow == 0 && oddLastDigit)) && roundsTo(mantissa - 1, exponent, m, q));
    }

    /** @return whether {@code a·10^e} rounds (to nearest, ties to even) to the double {@code m·2^q}. */
    private static boolean roundsTo(final long a, final int e, final long m, final int q) {
        final boolean even = (m & 1) == 0;
        final int above = ExactDecimal.compare(a, e, 2 * m + 1, q - 1);
        final int below = lowerMidpointCompare(a, e, m, q);
        return (above < 0 || (above == 0 && even)) && (below > 0 || (below == 0 && even));
    }

    /** Compares with the midpoint below {@code m·2^q}, which is closer at a power of two. */
    private static int lowerMidpointCompare(final long a, final int e, final long m, final int q) {
        return m == (1L << 52) ? ExactDecimal.compare(a, e, 4 * m - 1, q - 2) : ExactDecimal.compare(a, e, 2 * m - 1, q - 1);
    }

    private static long binaryMantissa(final double value) {
        return (Double.doubleToRawLongBits(value) & 0x000F_FFFF_FFFF_FFFFL) | (1L << 52);
    }

    private static int binaryExponent(final double value) {
        return (int) ((Double.doubleToRawLongBits(value) >>> 52) & 0x7FF) - 1075;
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
