package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.event.CityLots;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Matching allocates nothing per event once warm (JMH -prof gc reports the same as gc.alloc.rate.norm). */
class SteadyStateAllocationTest {
    private static final int EVENTS = 2_000;
    private static final int ROUNDS = 10;

    @Test
    void shouldNotAllocateWhileMatchingCityLots() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final Map<String, String> patterns = new LinkedHashMap<>();
        patterns.put("exact", "{\"properties\":{\"MAPBLKLOT\":[\"1430022\"]}}");
        patterns.put("prefix", "{\"properties\":{\"STREET\":[{\"prefix\":\"B\"}]}}");
        patterns.put("ignore-case", "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"beach\"}]}}");
        patterns.put("anything-but", "{\"properties\":{\"ST_TYPE\":[{\"anything-but\":[\"ST\"]}]}}");
        patterns.put("wildcard", "{\"properties\":{\"MAPBLKLOT\":[{\"wildcard\":\"2*0*1*7\"}]}}");
        patterns.put("numeric", "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\"<\",-122.45]}]}}}");
        patterns.put("arrays", "{\"geometry\":{\"coordinates\":{\"x\":[{\"numeric\":[\">\",-122.43,\"<\",-122.42]}],"
            + "\"y\":[{\"numeric\":[\">\",37.76]}]}}}");
        patterns.put("or", "{\"$or\":[{\"properties\":{\"ODD_EVEN\":[\"O\"]}},{\"geometry\":{\"type\":[\"MultiPolygon\"]}}]}");
        patterns.put("absent", "{\"properties\":{\"NOPE\":[{\"exists\":false}]}}");
        final RuleSet rules = new RuleSet();
        rules.putAll(patterns);
        final EventMatcher matcher = new EventMatcher(rules);
        final CityLots lots = new CityLots(99);
        final byte[][] events = new byte[EVENTS][];
        for (int i = 0; i < EVENTS; i++) {
            events[i] = lots.nextBytes();
        }
        final MatchedRules matched = new MatchedRules();
        long total = 0;
        for (int warm = 0; warm < 20; warm++) {
            total += matchAll(matcher, events, matched);
        }
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        for (int round = 0; round < ROUNDS; round++) {
            total += matchAll(matcher, events, matched);
        }
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        final long events1 = (long) EVENTS * ROUNDS;
        assertTrue(total > 0, "the rules must match something");
        // one allocation per event would be at least 16 bytes per event
        assertTrue(allocated < events1, () -> allocated + " bytes allocated for " + events1 + " events");
    }

    private static long matchAll(final EventMatcher matcher, final byte[][] events, final MatchedRules matched) {
        long total = 0;
        for (byte[] event : events) {
            matched.clear();
            total += matcher.match(event, 0, event.length, matched);
        }
        return total;
    }
}
