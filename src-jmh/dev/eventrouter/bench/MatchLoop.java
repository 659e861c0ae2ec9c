package dev.eventrouter.bench;

import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchHandler;

/** The measured loop shared by the matching benchmarks: every event once, returning the match count. */
final class MatchLoop {
    private MatchLoop() {
    }

    /** @return {@code count} CityLots events of seed 2026: the events every matching benchmark uses. */
    static byte[][] cityLots(final int count) {
        final dev.eventrouter.event.CityLots lots = new dev.eventrouter.event.CityLots(2026);
        final byte[][] events = new byte[count][];
        for (int i = 0; i < count; i++) {
            events[i] = lots.nextBytes();
        }
        return events;
    }

    static long matchAll(final EventMatcher matcher, final byte[][] events, final MatchHandler handler) {
        long matched = 0;
        for (byte[] event : events) {
            matched += matcher.match(event, 0, event.length, handler);
        }
        return matched;
    }

    /** As {@link #matchAll}, through {@link EventMatcher#matchValidated}: the events are known to be well-formed. */
    static long matchAllValidated(final EventMatcher matcher, final byte[][] events, final MatchHandler handler) {
        long matched = 0;
        for (byte[] event : events) {
            matched += matcher.matchValidated(event, 0, event.length, handler);
        }
        return matched;
    }
}
