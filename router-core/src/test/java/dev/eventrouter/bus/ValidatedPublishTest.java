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

    /** Sends events through a router and through the validating matcher, counting each rule's matches on both. */
    private static final class Comparison {
        final Map<String, AtomicLong> expected = new TreeMap<>();
        final Map<String, AtomicLong> got = new ConcurrentHashMap<>();
        final EventMatcher matcher;
        final Router router;

        Comparison(final ProducerMode mode, final Map<String, String> rules) {
            final RuleSet bare = new RuleSet();
            bare.putAll(rules);
            matcher = new EventMatcher(bare);
            router = Router.start(new RouterContext().producerMode(mode));
            rules.forEach((name, pattern) -> {
                expected.put(name, new AtomicLong());
                got.put(name, new AtomicLong());
                router.putRule(Rule.of(name, pattern));
                router.putTargets(null, name, List.of(Target.handler("t", d -> got.get(name).incrementAndGet())));
            });
        }

        void expect(final String event) {
            matcher.match(event, rule -> expected.get(rule.name()).incrementAndGet());
        }

        /** Closes the router (every event delivered) and compares; each rule must have matched over {@code least}. */
        void check(final int least) {
            assertTrue(router.close(Duration.ofSeconds(30)).drained());
            assertEquals(expected.toString(), new TreeMap<>(got).toString());
            expected.values().forEach(count -> assertTrue(count.get() > least, expected.toString()));
        }
    }

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void shouldDeliverWhatTheValidatingMatcherAnswers(final ProducerMode mode) {
        final Comparison comparison = new Comparison(mode, RULES);
        final EventBus bus = comparison.router.eventBus(null);
        final CityLots lots = new CityLots(17);
        for (int i = 0; i < 3_000; i++) {
            final byte[] event = lots.nextBytes();
            comparison.expect(new String(event, java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(bus.publish(event, 0, event.length));
        }
        comparison.check(100);
    }

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void shouldDeliverPutEventsEntriesAsTheValidatingMatcherAnswers(final ProducerMode mode) {
        final Map<String, String> rules = new TreeMap<>();
        RULES.forEach((name, pattern) -> rules.put(name, "{\"detail\":" + pattern + "}"));
        final Comparison comparison = new Comparison(mode, rules);
        final CityLots lots = new CityLots(19);
        for (int i = 0; i < 2_000; i++) {
            final String detail = (i % 3 == 0 ? "  " : "") + lots.next() + (i % 5 == 0 ? "\n" : "");
            comparison.expect("{\"detail\":" + detail + "}");
            assertEquals(0, comparison.router.putEvents(List.of(PutEventsEntry.of("s", "t", detail)))
                .failedEntryCount());
        }
        comparison.check(50);
    }
}
