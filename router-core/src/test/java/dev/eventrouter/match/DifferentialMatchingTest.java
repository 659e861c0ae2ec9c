package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.pattern.InvalidPatternException;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Our matcher against event-ruler 2.1.0 (each rule alone in its own Machine) on random patterns and events.
 * A disagreement fails with jqwik's shrunk counterexample. Patterns only one side accepts are checked against
 * the documented differences (docs/patterns.md).
 */
class DifferentialMatchingTest {

    @Property(tries = 30000, shrinking = ShrinkingMode.FULL)
    void shouldAgreeWithEventRulerOnEveryEvent(@ForAll("patterns") final String pattern,
                                               @ForAll("events") final List<String> events) {
        final RulerOracle oracle = RulerOracle.forPattern(pattern);
        final RuleSet rules = new RuleSet();
        try {
            rules.put("rule", pattern);
        } catch (InvalidPatternException e) {
            assertEquals(null, oracle, "we reject a pattern event-ruler accepts: " + e.getMessage());
            return;
        }
        if (oracle == null) {
            DocumentedDifferences.assertAcceptedOnlyByUs(pattern, RulerOracle.lastRejection);
            return;
        }
        final EventMatcher matcher = new EventMatcher(rules);
        final MatchedRules matched = new MatchedRules();
        for (String event : events) {
            matched.clear();
            matcher.match(event, matched);
            assertEquals(oracle.matches(event), matched.size() == 1,
                () -> "pattern " + pattern + "\nevent   " + event);
        }
    }

    @Provide
    Arbitrary<String> patterns() {
        return PatternGenerators.pattern();
    }

    @Provide
    Arbitrary<List<String>> events() {
        return PatternGenerators.event().list().ofMinSize(1).ofMaxSize(6);
    }
}
