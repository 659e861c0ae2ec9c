package dev.eventrouter.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.RuleSet;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.event.ruler.Machine;

/**
 * On realistic events the benchmark families match exactly the rules event-ruler matches, so the benchmark
 * compares equal work.
 */
class FamilyAgreementTest {
    private static final int EVENTS = 3_000;

    @ParameterizedTest
    @EnumSource(Family.class)
    void shouldMatchTheSameRulesAsEventRulerOnEveryEvent(final Family family) throws Exception {
        final List<String> rules = family.rules();
        final Machine[] machines = new Machine[rules.size()];
        final Map<String, String> named = new LinkedHashMap<>();
        for (int r = 0; r < rules.size(); r++) {
            machines[r] = Machine.builder().build();
            machines[r].addRule("r" + r, rules.get(r));
            named.put("r" + r, rules.get(r));
        }
        final RuleSet ruleSet = new RuleSet();
        ruleSet.putAll(named);
        final EventMatcher matcher = new EventMatcher(ruleSet);
        final CityLots lots = new CityLots(2026);
        final long[] ours = new long[rules.size()];
        final long[] theirs = new long[rules.size()];
        for (int i = 0; i < EVENTS; i++) {
            final String event = lots.next();
            final boolean[] hit = new boolean[rules.size()];
            matcher.match(event, rule -> hit[rule.index()] = true);
            for (int r = 0; r < rules.size(); r++) {
                final boolean expected = !machines[r].rulesForJSONEvent(event).isEmpty();
                if (expected != hit[r]) {
                    throw new AssertionError(family + " rule " + rules.get(r) + "\nexpected " + expected + " on " + event);
                }
                ours[r] += hit[r] ? 1 : 0;
                theirs[r] += expected ? 1 : 0;
            }
        }
        assertArrayEquals(theirs, ours);
        assertTrue(Arrays.stream(ours).sum() > 0, family + " matches nothing; the benchmark would measure no work");
    }
}
