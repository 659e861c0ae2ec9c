package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.event.MalformedEventException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Array-consistent verification is a backtracking search; without a budget one small crafted event pinned the match
 * thread (seven arrays of 20 elements: 20^7 combinations, each failing at the last condition). Now the search stops
 * after {@link MatchState#MAX_VERIFY_STEPS} and the event is refused as malformed, with no rule reported.
 */
@Timeout(10)
public class VerificationBudgetTest {
    /** Seven independent arrays whose elements all hit, then an array where the last two conditions never agree. */
    public static final String PATTERN = "{\"b\":{\"k\":[\"v\"]},\"c\":{\"k\":[\"v\"]},\"d\":{\"k\":[\"v\"]},"
        + "\"e\":{\"k\":[\"v\"]},\"f\":{\"k\":[\"v\"]},\"g\":{\"k\":[\"v\"]},\"h\":{\"k\":[\"v\"]},"
        + "\"z\":{\"k\":[\"v\"],\"m\":[\"v\"]}}";

    public static String adversarial(final int elements) {
        final StringBuilder event = new StringBuilder("{\"a\":[\"v\"]");
        for (char array = 'b'; array <= 'h'; array++) {
            event.append(",\"").append(array).append("\":[");
            for (int i = 0; i < elements; i++) {
                event.append(i == 0 ? "" : ",").append("{\"k\":\"v\"}");
            }
            event.append(']');
        }
        return event.append(",\"z\":[{\"k\":\"v\"},{\"m\":\"v\"}]}").toString();
    }

    @Test
    void shouldRefuseAnEventWhoseVerificationExceedsTheBudgetAndReportNoRule() {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("cheap", "{\"a\":[\"v\"]}", "crafted", PATTERN));
        final List<String> reported = new ArrayList<>();
        final MalformedEventException e = assertThrows(MalformedEventException.class,
            () -> new EventMatcher(rules).match(adversarial(20), rule -> reported.add(rule.name())));
        assertEquals("verifying array consistency for rule crafted takes over 100000 steps: too many array elements"
            + " match the rule's fields", e.reason());
        assertEquals(List.of(), reported, "not half-matched: the cheap rule is not reported either");
    }

    @Test
    void shouldStillVerifyEventsUnderTheBudget() {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("cheap", "{\"a\":[\"v\"]}", "crafted", PATTERN));
        assertEquals(java.util.Set.of("cheap"), EventMatcherSupport.names(rules, adversarial(3)));
        final String consistent = adversarial(3).replace("{\"m\":\"v\"}]", "{\"k\":\"v\",\"m\":\"v\"}]");
        assertEquals(java.util.Set.of("cheap", "crafted"), EventMatcherSupport.names(rules, consistent));
    }

    /**
     * PutEvents skips its ingest match for entries that nest no container in an array, on the ground that only
     * those can exceed the budget: the adversarial event with its elements flattened to scalars is verified
     * without search, however many elements hit.
     */
    @Test
    void shouldNeverExceedTheBudgetForAnEventWithoutAContainerInAnArray() {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("flat", "{\"b\":[\"v\"],\"c\":[\"v\"],\"d\":[\"v\"],\"e\":[\"v\"],\"f\":[\"v\"],"
            + "\"g\":[\"v\"],\"h\":[\"v\"],\"z\":[\"v\"],\"m\":[\"w\"]}", "crafted", PATTERN));
        final String flat = adversarial(2000).replace("{\"k\":\"v\"}", "\"v\"").replace("{\"m\":\"v\"}", "\"v\"");
        final EventMatcher matcher = new EventMatcher(rules);
        assertEquals(0, matcher.match(flat, rule -> { }));
        assertEquals(false, matcher.lastEventNestsInArray());
        assertThrows(MalformedEventException.class, () -> matcher.match(adversarial(20), rule -> { }));
        assertEquals(true, matcher.lastEventNestsInArray());
    }

    /** Whether an event nests a container in an array, found both where rules follow the array and where not. */
    @Test
    void shouldTellWhetherAnEventNestsAContainerInAnArray() {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of("followed", "{\"a\":{\"k\":[\"v\"]}}"));
        final Map<String, Boolean> events = new java.util.LinkedHashMap<>();
        events.put("{}", false);
        events.put("{\"a\":[1,\"x\",true,null,[]]}", true);
        events.put("{\"a\":[1,\"x\",true,null]}", false);
        events.put("{\"a\":[]}", false);
        events.put("{\"a\":{\"k\":[\"v\"]},\"b\":{\"c\":{\"d\":[1,2]}}}", false);
        events.put("{\"a\":[{\"k\":\"v\"}]}", true);
        events.put("{\"b\":[{\"k\":\"v\"}]}", true);
        events.put("{\"b\":[[1]]}", true);
        events.put("{\"b\":{\"c\":[1,{}]}}", true);
        events.put("{\"b\":[1,2],\"c\":{\"d\":[3,[4]]}}", true);
        for (MatchAutomaton automaton : List.of(MatchAutomaton.EMPTY, rules.current())) {
            final EventMatcher matcher = new EventMatcher(() -> automaton);
            events.forEach((event, nests) -> {
                matcher.match(event, rule -> { });
                assertEquals(nests, matcher.lastEventNestsInArray(), event);
            });
        }
    }
}
