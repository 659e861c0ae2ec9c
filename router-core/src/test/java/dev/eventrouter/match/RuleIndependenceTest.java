package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.pattern.InvalidPatternException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import dev.eventrouter.testkit.Seeds;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A rule's answer depends only on that rule and the event: the same as when it is alone, whatever other rules
 * exist and whatever order they were added in (event-ruler's shared machines do not guarantee this).
 */
class RuleIndependenceTest {

    static LongStream seeds() {
        return Seeds.fixedAndRandom(11, 12);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldMatchEachRuleAsIfItWereAlone(final long seed) {
        Seeds.tries(seed, 750, (gen, i) -> {
            final PatternGenerators generate = new PatternGenerators(gen);
            final List<String> patterns = gen.list(2, 8, generate::pattern);
            final Map<String, String> named = new LinkedHashMap<>();
            for (int p = 0; p < patterns.size(); p++) {
                try {
                    EventMatcherSupport.alone(patterns.get(p));
                    named.put("r" + p, patterns.get(p));
                } catch (InvalidPatternException skipped) {
                    // only valid patterns take part
                }
            }
            final List<Map.Entry<String, String>> shuffled = new ArrayList<>(named.entrySet());
            Collections.shuffle(shuffled, gen.random());
            final Map<String, String> reordered = new LinkedHashMap<>();
            shuffled.forEach(e -> reordered.put(e.getKey(), e.getValue()));
            final RuleSet together = new RuleSet();
            together.putAll(named);
            final RuleSet inAnotherOrder = new RuleSet();
            inAnotherOrder.putAll(reordered);
            for (String event : gen.list(1, 5, generate::event)) {
                final Set<String> expected = new TreeSet<>();
                named.forEach((name, pattern) -> {
                    if (EventMatcherSupport.alone(pattern).match(event, rule -> { }) == 1) {
                        expected.add(name);
                    }
                });
                assertEquals(expected, EventMatcherSupport.names(together, event), () -> "event " + event);
                assertEquals(expected, EventMatcherSupport.names(inAnotherOrder, event), () -> "event " + event);
            }
        });
    }
}
