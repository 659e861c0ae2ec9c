package dev.eventrouter.bench;

import dev.eventrouter.match.CompiledRule;
import dev.eventrouter.match.MatchHandler;

/** Counts matches; the cheapest handler, so benchmarks measure matching. */
public final class CountingHandler implements MatchHandler {
    /** Matches seen since construction. */
    public long matches;

    @Override
    public void onMatch(final CompiledRule rule) {
        matches++;
    }
}
