package dev.eventrouter.match;

import java.util.Set;
import java.util.TreeSet;

/** Small helpers shared by the matcher tests. */
final class EventMatcherSupport {
    private EventMatcherSupport() {
    }

    /** @return a matcher over a rule set holding only this pattern. */
    static EventMatcher alone(final String pattern) {
        final RuleSet rules = new RuleSet();
        rules.put("alone", pattern);
        return new EventMatcher(rules);
    }

    /** @return the names of the rules the event matches, sorted. */
    static Set<String> names(final AutomatonSource source, final String event) {
        final Set<String> names = new TreeSet<>();
        new EventMatcher(source).match(event, rule -> names.add(rule.name()));
        return names;
    }
}
