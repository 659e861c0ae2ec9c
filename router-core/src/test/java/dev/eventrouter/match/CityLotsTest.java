package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.event.CityLots;
import org.junit.jupiter.api.Test;

class CityLotsTest {
    @Test
    void shouldGenerateTheSameEventsForTheSameSeed() {
        final CityLots a = new CityLots(7);
        final CityLots b = new CityLots(7);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.next(), b.next());
        }
        assertNotEquals(new CityLots(7).next(), new CityLots(8).next());
    }

    @Test
    void shouldGenerateValidEventsOfTheDocumentedSize() {
        final CityLots lots = new CityLots(1);
        final RuleSet rules = new RuleSet();
        rules.put("all", "{\"type\":[\"Feature\"],\"geometry\":{\"firstCoordinates\":{\"z\":[0]}}}");
        final EventMatcher matcher = new EventMatcher(rules);
        long bytes = 0;
        for (int i = 0; i < 2_000; i++) {
            final byte[] event = lots.nextBytes();
            bytes += event.length;
            assertEquals(1, matcher.match(event, 0, event.length, rule -> { }));
        }
        final long average = bytes / 2_000;
        assertTrue(average >= 740 && average <= 900, () -> "average " + average);
    }
}
