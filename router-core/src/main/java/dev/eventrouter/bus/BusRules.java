package dev.eventrouter.bus;

import dev.eventrouter.match.MatchAutomaton;

/**
 * What a bus matches against, swapped as a whole through one volatile reference: the automaton of its enabled
 * rules and, by rule index, their bindings. Immutable.
 */
final class BusRules {
    static final BusRules EMPTY = new BusRules(MatchAutomaton.EMPTY, new RuleBinding[0]);

    final MatchAutomaton automaton;
    final RuleBinding[] byIndex;

    BusRules(final MatchAutomaton automaton, final RuleBinding[] byIndex) {
        this.automaton = automaton;
        this.byIndex = byIndex;
    }
}
