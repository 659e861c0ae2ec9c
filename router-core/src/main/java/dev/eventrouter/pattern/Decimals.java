package dev.eventrouter.pattern;

import java.math.BigDecimal;

/**
 * The numeric semantics of patterns: a JSON number takes part in numeric comparison only when its decimal value is
 * exactly the value of the nearest {@code double} as Java prints it ({@code BigDecimal.valueOf(double)}), as in
 * EventBridge's engine. {@code 0.3}, {@code 3.0e2} and {@code 0.30000000000000004} compare numerically;
 * {@code 1.0000000000000001} (which rounds to {@code 1.0}) and {@code 1e400} do not, and are matched only by their
 * literal text.
 *
 * <p>Thread-safe: stateless. The string form allocates; the matcher has an allocation-free fast path for numbers of
 * up to 15 significant digits and falls back to this class otherwise.
 */
public final class Decimals {
    private Decimals() {
    }

    /**
     * @param text a JSON number.
     * @return its exact {@code double} value, or {@code NaN} when it is not comparable (see the class comment).
     *         Zero is always {@code +0.0}.
     */
    public static double comparableValue(final String text) {
        final BigDecimal decimal;
        try {
            decimal = new BigDecimal(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
        final double value = decimal.doubleValue();
        if (Double.isInfinite(value) || Double.isNaN(value)) {
            return Double.NaN;
        }
        if (BigDecimal.valueOf(value).compareTo(decimal) != 0) {
            return Double.NaN;
        }
        return value == 0.0 ? 0.0 : value;
    }
}
