package dev.eventrouter.match;

/** Where a matcher reads the automaton to use for the next event: a fixed one, or a {@link RuleSet}'s latest. */
@FunctionalInterface
public interface AutomatonSource {
    /** @return the automaton to match the next event with; never {@code null}. */
    MatchAutomaton current();
}
