package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The per-value and per-exclusion stamps wrap after 2^32 values (minutes at 10M values/s). They used to pass through
 * -1, the "never marked" sentinel, on the way: for that one value every unmarked condition looked already hit in
 * this value (hits inside arrays were dropped) and every anything-but alternative looked excluded.
 */
class StampWrapTest {

    @Test
    void shouldMatchEveryValueAcrossTheStampsWrap() {
        final RuleSet rules = new RuleSet();
        rules.putAll(Map.of(
            "anythingBut", "{\"a\":[{\"anything-but\":\"x\"}]}",
            "inArray", "{\"b\":[\"y\"], \"c\":[{\"anything-but\":[\"q\"]}]}"));
        final EventMatcher matcher = new EventMatcher(rules);
        final String event = "{\"a\":\"z\",\"b\":[\"q\",\"y\"],\"c\":[\"r\"]}";
        matcher.match(event, rule -> { });   // binds the automaton; the seam then moves the stamps near the wrap
        matcher.stampsFrom(-8);
        for (int i = 0; i < 16; i++) {
            final Set<String> names = new TreeSet<>();
            matcher.match(event, rule -> names.add(rule.name()));
            assertEquals(Set.of("anythingBut", "inArray"), names, "event " + i + " after the stamps started at -8");
        }
    }
}
