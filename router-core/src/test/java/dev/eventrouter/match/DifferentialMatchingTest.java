package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.testkit.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our matcher against event-ruler 2.1.0 on random patterns and events. Each try puts one to four patterns into one
 * of our rule sets and compares the rules each event matches with event-ruler's answer for each rule alone.
 * Patterns only one side accepts are checked against the documented differences (docs/patterns.md); patterns both
 * reject must stay rare, or the test compares nothing.
 */
class DifferentialMatchingTest {
    private static final int TRIES = 1_500;

    static LongStream seeds() {
        return Seeds.fixedAndRandom(1, 2, 3, 4, 5);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAgreeWithEventRulerOnEveryEvent(final long seed) {
        final AtomicInteger patterns = new AtomicInteger();
        final AtomicInteger rejectedByBoth = new AtomicInteger();
        final AtomicInteger tooComplex = new AtomicInteger();
        final AtomicInteger comparisons = new AtomicInteger();
        final AtomicInteger matches = new AtomicInteger();
        Seeds.tries(seed, TRIES, (gen, i) -> {
            final PatternGenerators generate = new PatternGenerators(gen);
            final RuleSet rules = new RuleSet();
            final List<String> names = new ArrayList<>();
            final List<String> texts = new ArrayList<>();
            final List<RulerOracle> oracles = new ArrayList<>();
            for (int r = gen.between(1, 4); r > 0; r--) {
                final String pattern = generate.pattern();
                patterns.incrementAndGet();
                final RulerOracle oracle = RulerOracle.forPattern(pattern);
                try {
                    rules.put("r" + names.size(), pattern);
                } catch (InvalidPatternException e) {
                    if (e.code() == InvalidPatternException.Code.TOO_COMPLEX && oracle != null) {
                        // EventBridge's per-rule limit on event-ruler's own measure; the library has none.
                        assertTrue(RulerOracle.complexity(pattern) > 10, "we call too complex what event-ruler "
                            + "measures at " + RulerOracle.complexity(pattern) + ": " + pattern);
                        tooComplex.incrementAndGet();
                        continue;
                    }
                    assertEquals(null, oracle, "we reject a pattern event-ruler accepts: " + pattern + ": "
                        + e.getMessage());
                    rejectedByBoth.incrementAndGet();
                    continue;
                }
                if (oracle == null) {
                    DocumentedDifferences.assertAcceptedOnlyByUs(pattern, RulerOracle.lastRejection);
                    rules.remove("r" + names.size());
                    continue;
                }
                names.add("r" + names.size());
                texts.add(pattern);
                oracles.add(oracle);
            }
            final EventMatcher matcher = new EventMatcher(rules);
            for (String event : gen.list(1, 6, generate::event)) {
                final Set<String> expected = new TreeSet<>();
                for (int r = 0; r < names.size(); r++) {
                    if (oracles.get(r).matches(event)) {
                        expected.add(names.get(r));
                    }
                }
                final Set<String> actual = new TreeSet<>();
                matcher.match(event, rule -> actual.add(rule.name()));
                comparisons.incrementAndGet();
                matches.addAndGet(expected.size());
                assertEquals(expected, actual, () -> "patterns " + texts + "\nevent    " + event);
            }
        });
        System.out.printf("seed %d: %d patterns, %d rejected by both, %d too complex for EventBridge, %d events "
            + "compared, %d rule matches%n", seed, patterns.get(), rejectedByBoth.get(), tooComplex.get(),
            comparisons.get(), matches.get());
        assertTrue(tooComplex.get() * 10 < patterns.get(),
            "over 10% of generated patterns are too complex: " + tooComplex + " of " + patterns);
        assertTrue(rejectedByBoth.get() * 10 < patterns.get(),
            "over 10% of generated patterns are rejected by both sides: " + rejectedByBoth + " of " + patterns);
    }
}
