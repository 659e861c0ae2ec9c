/**
 * The compiled match automaton: {@link dev.eventrouter.match.RuleCompiler} turns named patterns into an immutable
 * {@link dev.eventrouter.match.MatchAutomaton}; {@link dev.eventrouter.match.RuleSet} swaps it atomically on every
 * change; {@link dev.eventrouter.match.EventMatcher} matches event bytes against it in one pass.
 *
 * <p>Depends on {@code pattern} and {@code event}; must not depend on the bus runtime or persistence. Threading:
 * automatons are immutable and shared; an {@code EventMatcher} is confined to one thread and allocates nothing per
 * event in steady state.
 */
package dev.eventrouter.match;
