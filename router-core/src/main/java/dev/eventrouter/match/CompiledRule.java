package dev.eventrouter.match;

import dev.eventrouter.pattern.EventPattern;

/**
 * A rule inside one {@link MatchAutomaton}: its name, its index in that automaton, and its pattern. Immutable;
 * handed to {@link MatchHandler#onMatch(CompiledRule)} without allocation.
 *
 * @param name    the rule's name, unique in its rule set.
 * @param index   dense index in the automaton, {@code 0 .. ruleCount-1}; stable only for that automaton.
 * @param pattern the parsed pattern.
 */
public record CompiledRule(String name, int index, EventPattern pattern) {
}
