package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.RuleSet;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Raw publishes with validation on reach the match stage marked validated, with the spans of their large containers
 * (validate once): the router delivers exactly what the validating matcher answers for the same events, with the
 * single writer's handoff and with the multi-producer ring.
 */
@Timeout(60)
class ValidatedPublishTest {
    private static final Map<String, String> RULES = Map.of(
        "street", "{\"properties\":{\"STREET\":[{\"prefix\":\"J\"}]}}",
        "west", "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\"<\",-122.415]}]}}}",
        "lot", "{\"properties\":{\"LOT_NUM\":[{\"exists\":true}],\"ODD_EVEN\":[\"E\"]}}");

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void shouldDeliverWhatTheValidatingMatcherAnswers(final ProducerMode mode) {
        final RuleSet bare = new RuleSet();
        bare.putAll(RULES);
        final EventMatcher matcher = new EventMatcher(bare);
        final Map<String, AtomicLong> expected = new TreeMap<>();
        final Map<String, AtomicLong> got = new ConcurrentHashMap<>();
        RULES.keySet().forEach(name -> {
            expected.put(name, new AtomicLong());
            got.put(name, new AtomicLong());
        });
        final CityLots lots = new CityLots(17);
        try (Router router = Router.start(new RouterContext().producerMode(mode))) {
            RULES.forEach((name, pattern) -> {
                router.putRule(Rule.of(name, pattern));
                router.putTargets(null, name, List.of(Target.handler("t", d -> got.get(name).incrementAndGet())));
            });
            final EventBus bus = router.eventBus(null);
            for (int i = 0; i < 3_000; i++) {
                final byte[] event = lots.nextBytes();
                matcher.match(event, 0, event.length, rule -> expected.get(rule.name()).incrementAndGet());
                assertTrue(bus.publish(event, 0, event.length));
            }
            assertTrue(router.close(Duration.ofSeconds(30)).drained());
        }
        assertEquals(expected.toString(), new TreeMap<>(got).toString());
        expected.values().forEach(count -> assertTrue(count.get() > 100, expected.toString()));
    }

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void shouldDeliverPutEventsEntriesAsTheValidatingMatcherAnswers(final ProducerMode mode) {
        final Map<String, String> rules = new TreeMap<>();
        RULES.forEach((name, pattern) -> rules.put(name, "{\"detail\":" + pattern + "}"));
        final RuleSet bare = new RuleSet();
        bare.putAll(rules);
        final EventMatcher matcher = new EventMatcher(bare);
        final Map<String, AtomicLong> expected = new TreeMap<>();
        final Map<String, AtomicLong> got = new ConcurrentHashMap<>();
        rules.keySet().forEach(name -> {
            expected.put(name, new AtomicLong());
            got.put(name, new AtomicLong());
        });
        final CityLots lots = new CityLots(19);
        try (Router router = Router.start(new RouterContext().producerMode(mode))) {
            rules.forEach((name, pattern) -> {
                router.putRule(Rule.of(name, pattern));
                router.putTargets(null, name, List.of(Target.handler("t", d -> got.get(name).incrementAndGet())));
            });
            for (int i = 0; i < 2_000; i++) {
                final String detail = (i % 3 == 0 ? "  " : "") + lots.next() + (i % 5 == 0 ? "\n" : "");
                matcher.match("{\"detail\":" + detail + "}", rule -> expected.get(rule.name()).incrementAndGet());
                assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", detail))).failedEntryCount());
            }
            assertTrue(router.close(Duration.ofSeconds(30)).drained());
        }
        assertEquals(expected.toString(), new TreeMap<>(got).toString());
        expected.values().forEach(count -> assertTrue(count.get() > 50, expected.toString()));
    }
}
