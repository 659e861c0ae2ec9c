package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.pattern.Decimals;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The allocation-free number path agrees with the exact BigDecimal definition of comparable numbers. */
class NumberTextTest {

    @ParameterizedTest
    @CsvSource({
        "300, 300.0", "3e2, 300.0", "300.0, 300.0", "-0, 0.0", "-0.0, 0.0", "0.3, 0.3",
        "0.30000000000000004, 0.30000000000000004", "-122.42916360922355, -122.42916360922355",
        "37.729900216217324, 37.729900216217324", "1E+2, 100.0", "1.5e-3, 0.0015", "9007199254740993, NaN",
        "1.0000000000000001, NaN", "0.10000000000000001, NaN", "1e400, NaN", "123456789012345678, NaN"
    })
    void shouldGiveTheComparableValueOrNaN(final String text, final double expected) {
        assertEquals(expected, comparable(text));
    }

    @Test
    void shouldUseTheShortestRepresentationAsJdk19AndLaterPrintIt() {
        // JDK 17 prints 2.0000000000000008E16 and 1.9999999999999998E23; the shortest forms are these
        assertTrue(Double.isNaN(comparable("20000000000000008")));
        assertEquals(2.000000000000001E16, comparable("20000000000000010"));
        assertEquals(2e23, comparable("2e23"));
    }

    @Test
    void shouldTreatNumbersThatRoundAwayAsNotComparable() {
        assertTrue(Double.isNaN(comparable("1.00000000000000011")));
        assertEquals(1.0000000000000002, comparable("1.0000000000000002"));
    }

    @Property(tries = 20000)
    void shouldAgreeWithTheBigDecimalDefinition(@ForAll("decimals") final String text) {
        final double ours = comparable(text);
        final double exact = Decimals.comparableValue(text);
        if (Double.doubleToLongBits(exact) != Double.doubleToLongBits(ours)) {
            // JDK 17's Double.toString does not always print the shortest representation (fixed in JDK 19, where
            // both answers agree); we use the shortest one. Accept exactly those doubles.
            assertTrue(jdkPrintsNonShortest(Double.parseDouble(text)),
                () -> text + ": ours " + ours + ", BigDecimal definition " + exact);
        }
    }

    private static boolean jdkPrintsNonShortest(final double value) {
        final BigDecimal exactValue = new BigDecimal(value);
        final int printed = new BigDecimal(Double.toString(value)).stripTrailingZeros().precision();
        for (int digits = 1; digits < printed; digits++) {
            final BigDecimal rounded = exactValue.round(new java.math.MathContext(digits,
                java.math.RoundingMode.HALF_EVEN));
            final BigDecimal up = rounded.add(rounded.ulp());
            final BigDecimal down = rounded.subtract(rounded.ulp());
            if (rounded.doubleValue() == value || up.doubleValue() == value || down.doubleValue() == value) {
                return true;
            }
        }
        return false;
    }

    @Provide
    Arbitrary<String> decimals() {
        final Arbitrary<String> digits = Arbitraries.strings().withCharRange('0', '9').ofMinLength(1).ofMaxLength(19);
        final Arbitrary<Integer> point = Arbitraries.integers().between(0, 19);
        final Arbitrary<Integer> exponent = Arbitraries.integers().between(-40, 40);
        final Arbitrary<String> fromDigits = Combinators.combine(digits, point, exponent, Arbitraries.of("", "-"),
                Arbitraries.of(true, false))
            .as((d, p, e, sign, withExponent) -> {
                final String body = p < d.length() && p > 0 ? d.substring(0, p) + "." + d.substring(p) : d;
                final String integerPart = body.startsWith("0") && body.length() > 1 && body.charAt(1) != '.'
                    ? body.replaceFirst("^0+(?=\\d)", "") : body;
                return sign + integerPart + (withExponent ? "e" + e : "");
            });
        final Arbitrary<String> fromDoubles = Arbitraries.doubles().between(-1e6, 1e6).map(v -> Double.toString(v))
            .map(s -> s.replace("E", "e"));
        final Arbitrary<String> coordinates = Arbitraries.doubles().between(-180, 180)
            .map(v -> String.format(java.util.Locale.ROOT, "%.14f", v));
        return Arbitraries.oneOf(fromDigits, fromDoubles, coordinates);
    }

    private static double comparable(final String text) {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return NumberText.comparableValue(bytes, 0, bytes.length);
    }
}
