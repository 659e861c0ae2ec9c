package dev.eventrouter.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.eventrouter.testkit.Gen;
import dev.eventrouter.testkit.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.event.ruler.Machine;
import software.amazon.event.ruler.MachineComplexityEvaluator;

/**
 * {@link WildcardComplexity} against event-ruler 2.1.0's {@code Machine.evaluateComplexity}, the measure behind
 * EventBridge's "Rule is too complex", on generated patterns.
 */
class WildcardComplexityTest {
    private static final int CAP = 1000;
    private static final PatternParser UNLIMITED = new PatternParser(PatternLimits.DEFAULT.withMaxRuleComplexity(
        1_000_000));

    static LongStream seeds() {
        return Seeds.fixedAndRandom(1, 2, 3);
    }

    /**
     * AWS's answers: the issue records {@code *:*:*:*:*:event-bus/*} as AWS's InvalidEventPatternException "Rule is
     * too complex" from TestEventPattern; a Terraform configuration published on GitHub records PutRule refusing the
     * four {@code *}/datasync/{@code *}.ext wildcards on one field with that message, and accepting them split two and
     * two, and the four {@code *.ext} wildcards together. event-ruler measures the refused ones 11 and 16, the
     * accepted ones 8: the limit lies in [8, 11); we take 10.
     */
    @Test
    void shouldRefuseWhatEventBridgeRefusedAndAcceptWhatItAccepted() throws Exception {
        final String tooComplex = "{\"EventBusArn\":[{\"wildcard\":\"*:*:*:*:*:event-bus/*\"}]}";
        final InvalidPatternException refused = assertThrows(InvalidPatternException.class,
            () -> EventPattern.parse(tooComplex));
        assertEquals(InvalidPatternException.Code.TOO_COMPLEX, refused.code());
        assertEquals("$.EventBusArn: Rule is too complex - try using fewer wildcard characters or fewer repeating "
            + "character sequences after a wildcard character (wildcard complexity over the limit of 10)",
            refused.getMessage());
        assertEquals(11, ruler(tooComplex));
        assertEquals(11, WildcardComplexity.ofField(List.of("*:*:*:*:*:event-bus/*"), CAP));

        final List<String> datasync = List.of("*/datasync/*.bif", "*/datasync/*.tif", "*/datasync/*.tiff",
            "*/datasync/*.svs");
        assertEquals(16, WildcardComplexity.ofField(datasync, CAP));
        assertThrows(InvalidPatternException.class, () -> EventPattern.parse(keys(datasync)));
        for (List<String> accepted : List.of(datasync.subList(0, 2), datasync.subList(2, 4),
            List.of("*.bif", "*.tiff", "*.tif", "*.svs"))) {
            assertEquals(8, WildcardComplexity.ofField(accepted, CAP), accepted.toString());
            assertEquals(8, ruler(keys(accepted)));
            EventPattern.parse(keys(accepted));
        }
        // The limit is settable; the rule-set budget is another limit.
        new PatternParser(PatternLimits.DEFAULT.withMaxRuleComplexity(11)).parse(tooComplex);
        assertThrows(InvalidPatternException.class,
            () -> new PatternParser(PatternLimits.DEFAULT.withMaxRuleComplexity(7)).parse(keys(datasync.subList(0, 2))));
        assertEquals("maxRuleComplexity=0: must be at least 1", assertThrows(IllegalArgumentException.class,
            () -> PatternLimits.DEFAULT.withMaxRuleComplexity(0)).getMessage());
        assertEquals(10, new PatternLimits(4096, 1000, 1000).maxRuleComplexity(),
            "the three-limit constructor of earlier releases keeps EventBridge's default");
    }

    @Test
    void shouldNameTheWorstFieldOfTheWorstBranch() {
        final InvalidPatternException refused = assertThrows(InvalidPatternException.class,
            () -> EventPattern.parse("{\"$or\":[{\"a\":[{\"wildcard\":\"*x\"}]},"
                + "{\"detail\":{\"b\":[{\"anything-but\":{\"wildcard\":[\"*:*:*:*:*:*\"]}}]}}]}"));
        assertEquals("$.detail.b", refused.path());
    }

    private static String keys(final List<String> wildcards) {
        final StringBuilder pattern = new StringBuilder("{\"detail\":{\"object\":{\"key\":[");
        for (int w = 0; w < wildcards.size(); w++) {
            pattern.append(w == 0 ? "" : ",").append("{\"wildcard\":").append(quote(wildcards.get(w))).append('}');
        }
        return pattern.append("]}}}").toString();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAgreeWithEventRulerOnOneFieldOfWildcards(final long seed) {
        final int[] histogram = new int[4];
        Seeds.tries(seed, 1_500, (gen, i) -> {
            final List<String> wildcards = gen.list(1, 6, () -> wildcard(gen));
            final StringBuilder pattern = new StringBuilder("{\"k\":[");
            for (int w = 0; w < wildcards.size(); w++) {
                pattern.append(w == 0 ? "" : ",").append("{\"wildcard\":").append(quote(wildcards.get(w)))
                    .append('}');
            }
            final String text = pattern.append("]}").toString();
            final int expected = ruler(text);
            assertEquals(expected, WildcardComplexity.ofField(wildcards, CAP), text);
            histogram[expected <= 2 ? 0 : expected <= 10 ? 1 : expected <= 30 ? 2 : 3]++;
        });
        System.out.println("complexities <=2, <=10, <=30, >30: " + java.util.Arrays.toString(histogram));
        assertTrue(histogram[2] + histogram[3] > 30, "too few fields over the limit to compare: "
            + java.util.Arrays.toString(histogram));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAgreeWithEventRulerOnWholePatterns(final long seed) {
        final java.util.concurrent.atomic.AtomicInteger overLimit = new java.util.concurrent.atomic.AtomicInteger();
        Seeds.tries(seed, 1_500, (gen, i) -> {
            final String text;
            if (gen.oneIn(3)) {
                final List<String> branches = gen.list(2, 3, () -> fields(gen));
                text = "{\"$or\":[" + String.join(",", branches) + "]}";
            } else {
                text = fields(gen);
            }
            final WildcardComplexity.Worst worst = WildcardComplexity.worst(UNLIMITED.parse(text).conjunctions(),
                CAP);
            final int expected = ruler(text);
            assertEquals(expected, worst == null ? 0 : worst.complexity(), text);
            if (expected > 10) {
                overLimit.incrementAndGet();
            }
        });
        assertTrue(overLimit.get() > 10, "too few patterns over the limit to compare: " + overLimit);
    }

    private static String fields(final Gen gen) {
        final List<String> fields = new ArrayList<>();
        for (String name : gen.distinct(List.of("k", "m", "n"), 1, 3)) {
            fields.add("\"" + name + "\":[" + String.join(",", gen.list(1, 4, () -> operand(gen))) + "]");
        }
        return "{" + String.join(",", fields) + "}";
    }

    private static String operand(final Gen gen) {
        final String value = quote(gen.chars("ab.:", 1, 4));
        return switch (gen.between(0, 15)) {
            case 0, 1 -> value;
            case 2 -> "{\"prefix\":" + value + "}";
            case 3 -> "{\"suffix\":" + value + "}";
            case 4 -> "{\"equals-ignore-case\":" + value + "}";
            case 5 -> "{\"anything-but\":{\"wildcard\":[" + quote(wildcard(gen)) + "," + quote(wildcard(gen)) + "]}}";
            case 6 -> "{\"anything-but\":{\"prefix\":" + value + "}}";
            case 7 -> "{\"exists\":true}";
            case 8 -> "{\"numeric\":[\">\",3]}";
            case 9 -> "{\"exists\":false}";
            case 10 -> "{\"wildcard\":" + quote(gen.pick("*a*", "x*y*z", "*:*", "a*")) + "}";
            default -> "{\"wildcard\":" + quote(wildcard(gen)) + "}";
        };
    }

    private static String wildcard(final Gen gen) {
        final StringBuilder value = new StringBuilder();
        final int length = gen.between(0, 14);
        for (int c = 0; c < length; c++) {
            final String next = gen.pick("a", "b", "a", "b", ".", ":", "/", "1", "*", "*", "*", "é", "\\*", "B");
            if (next.equals("*") && value.length() > 0 && value.charAt(value.length() - 1) == '*'
                && (value.length() < 2 || value.charAt(value.length() - 2) != '\\')) {
                continue;
            }
            value.append(next);
        }
        return value.toString();
    }

    private static String quote(final String value) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + "\"";
    }

    static int ruler(final String pattern) throws Exception {
        final Machine machine = new Machine();
        machine.addRule("r", pattern);
        return machine.evaluateComplexity(new MachineComplexityEvaluator(CAP));
    }
}
