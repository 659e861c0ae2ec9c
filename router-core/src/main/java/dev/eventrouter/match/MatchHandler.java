package dev.eventrouter.match;

/**
 * Receives the rules an event matches, once each, after the whole event was scanned. Called on the matching
 * thread; must not keep the event bytes beyond the call.
 */
@FunctionalInterface
public interface MatchHandler {
    /** @param rule a rule the event matches. */
    void onMatch(CompiledRule rule);
}
