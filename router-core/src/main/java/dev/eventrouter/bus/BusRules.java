package dev.eventrouter.bus;

import dev.eventrouter.match.MatchAutomaton;

/**
 * What a bus matches against, swapped as a whole through one volatile reference: the automaton of its enabled
 * rules and, by rule index, their bindings. Immutable.
 */
final class BusRules {
    static final BusRules EMPTY = new BusRules(MatchAutomaton.EMPTY, new RuleBinding[0], java.util.Map.of(), -1);

    final MatchAutomaton automaton;
    final RuleBinding[] byIndex;
    /** Every rule by name, disabled ones included: where a retry finds its target's current binding. */
    final java.util.Map<String, RuleBinding> byName;
    /** The {@link dev.eventrouter.match.LayeredRules#baseVersion()} of the automaton's base layer. */
    final long baseVersion;

    BusRules(final MatchAutomaton automaton, final RuleBinding[] byIndex,
             final java.util.Map<String, RuleBinding> byName, final long baseVersion) {
        this.automaton = automaton;
        this.byIndex = byIndex;
        this.byName = byName;
        this.baseVersion = baseVersion;
    }

    /** @return the current binding of a rule's target, or {@code null} when the rule or the target is gone. */
    TargetBinding target(final String ruleName, final String targetId) {
        final RuleBinding rule = byName.get(ruleName);
        if (rule == null) {
            return null;
        }
        for (TargetBinding target : rule.targets) {
            if (target.target.id().equals(targetId)) {
                return target;
            }
        }
        return null;
    }
}
