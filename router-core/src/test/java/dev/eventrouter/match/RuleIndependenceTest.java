package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.pattern.InvalidPatternException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A rule's answer depends only on that rule and the event: the same as when it is alone, whatever other rules
 * exist and whatever order they were added in (event-ruler's shared machines do not guarantee this).
 */
class RuleIndependenceTest {

    @Property(tries = 1500)
    void shouldMatchEachRuleAsIfItWereAlone(@ForAll("ruleSets") final List<String> patterns,
                                            @ForAll("events") final List<String> events, @ForAll final long seed) {
        final Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < patterns.size(); i++) {
            try {
                EventMatcherSupport.alone(patterns.get(i));
                named.put("r" + i, patterns.get(i));
            } catch (InvalidPatternException skipped) {
                // only valid patterns take part
            }
        }
        final List<Map.Entry<String, String>> shuffled = new ArrayList<>(named.entrySet());
        Collections.shuffle(shuffled, new Random(seed));
        final Map<String, String> reordered = new LinkedHashMap<>();
        shuffled.forEach(e -> reordered.put(e.getKey(), e.getValue()));
        final RuleSet together = new RuleSet();
        together.putAll(named);
        final RuleSet inAnotherOrder = new RuleSet();
        inAnotherOrder.putAll(reordered);
        for (String event : events) {
            final Set<String> expected = new TreeSet<>();
            named.forEach((name, pattern) -> {
                if (EventMatcherSupport.alone(pattern).match(event, rule -> { }) == 1) {
                    expected.add(name);
                }
            });
            assertEquals(expected, EventMatcherSupport.names(together, event), () -> "event " + event);
            assertEquals(expected, EventMatcherSupport.names(inAnotherOrder, event), () -> "event " + event);
        }
    }

    @Provide
    Arbitrary<List<String>> ruleSets() {
        return PatternGenerators.pattern().list().ofMinSize(2).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<String>> events() {
        return PatternGenerators.event().list().ofMinSize(1).ofMaxSize(5);
    }
}
