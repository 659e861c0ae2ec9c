package dev.eventrouter.match;

/**
 * Exact comparisons between a decimal {@code a·10^e} and a binary {@code b·2^f} in 128-bit integer arithmetic,
 * without allocating. Used to round long decimals correctly and to decide whether a decimal is the shortest
 * representation of its double. Stateless.
 */
final class ExactDecimal {
    /** Returned when the operands are outside the supported range. */
    static final int UNSUPPORTED = Integer.MIN_VALUE;
    static final int MAX_EXPONENT = 27;

    private static final long[] POWERS_OF_FIVE = new long[MAX_EXPONENT + 1];

    static {
        POWERS_OF_FIVE[0] = 1;
        for (int i = 1; i <= MAX_EXPONENT; i++) {
            POWERS_OF_FIVE[i] = POWERS_OF_FIVE[i - 1] * 5;
        }
    }

    private ExactDecimal() {
    }

    /**
     * @param a positive decimal mantissa, below 2^63.
     * @param e decimal exponent, |e| at most {@link #MAX_EXPONENT}.
     * @param b positive binary mantissa, below 2^63.
     * @param f binary exponent.
     * @return the sign of {@code a·10^e − b·2^f}, or {@link #UNSUPPORTED}.
     */
    static int compare(final long a, final int e, final long b, final int f) {
        if (e > MAX_EXPONENT || e < -MAX_EXPONENT) {
            return UNSUPPORTED;
        }
        // a·5^e·2^e vs b·2^f  =>  left·2^shift vs right, moving the powers of two to one side
        final long leftHigh;
        final long leftLow;
        final long rightHigh;
        final long rightLow;
        if (e >= 0) {
            leftHigh = Math.multiplyHigh(a, POWERS_OF_FIVE[e]);
            leftLow = a * POWERS_OF_FIVE[e];
            rightHigh = 0;
            rightLow = b;
        } else {
            leftHigh = 0;
            leftLow = a;
            rightHigh = Math.multiplyHigh(b, POWERS_OF_FIVE[-e]);
            rightLow = b * POWERS_OF_FIVE[-e];
        }
        final int shift = f - e;
        return shift >= 0
            ? compareShifted(rightHigh, rightLow, shift, leftHigh, leftLow, true)
            : compareShifted(leftHigh, leftLow, -shift, rightHigh, rightLow, false);
    }

    /** Compares x·2^s with y; the result is for left−right where {@code xIsRight} says which side x is. */
    private static int compareShifted(final long xHigh, final long xLow, final int s, final long yHigh,
                                      final long yLow, final boolean xIsRight) {
        final int xBits = bitLength(xHigh, xLow);
        final int yBits = bitLength(yHigh, yLow);
        int sign;
        if (xBits == 0) {
            sign = yBits == 0 ? 0 : -1;
        } else if (xBits + s != yBits) {
            sign = xBits + s > yBits ? 1 : -1;
        } else {
            final long shiftedHigh = s == 0 ? xHigh : s >= 64 ? xLow << (s - 64) : (xHigh << s) | (xLow >>> (64 - s));
            final long shiftedLow = s >= 64 ? 0 : xLow << s;
            final int byHigh = Long.compareUnsigned(shiftedHigh, yHigh);
            sign = byHigh != 0 ? Integer.signum(byHigh) : Integer.signum(Long.compareUnsigned(shiftedLow, yLow));
        }
        return xIsRight ? -sign : sign;
    }

    private static int bitLength(final long high, final long low) {
        return high != 0 ? 128 - Long.numberOfLeadingZeros(high) : 64 - Long.numberOfLeadingZeros(low);
    }
}
