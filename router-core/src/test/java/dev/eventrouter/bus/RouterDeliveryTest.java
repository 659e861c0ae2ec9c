package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;

@Timeout(120)
class RouterDeliveryTest {
    private static final int PUBLISHERS = 4;
    private static final int PER_PUBLISHER = 25_000;

    private static byte[] event(final String bus, final int publisher, final int seq) {
        return ("{\"version\":\"0\",\"id\":\"" + publisher + "-" + seq + "\",\"detail-type\":\"t\",\"source\":\"s"
            + (seq % 3) + "\",\"account\":\"123456789012\",\"time\":\"2026-11-28T10:00:00Z\",\"region\":"
            + "\"us-east-1\",\"resources\":[],\"detail\":{\"publisher\":" + publisher + ",\"seq\":" + seq
            + ",\"bus\":\"" + bus + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    /** Counts deliveries per (publisher, seq) so that duplicates and losses both show. */
    private static final class Tally {
        final AtomicLongArray seen = new AtomicLongArray(PUBLISHERS * PER_PUBLISHER);
        final AtomicLong total = new AtomicLong();

        Target target(final String id, final boolean async) {
            final dev.eventrouter.target.EventHandler handler = delivery -> {
                final String text = delivery.payloadAsString();
                final int p = Integer.parseInt(field(text, "\"publisher\":"));
                final int s = Integer.parseInt(field(text, "\"seq\":"));
                seen.incrementAndGet(p * PER_PUBLISHER + s);
                total.incrementAndGet();
            };
            return async ? Target.asyncHandler(id, handler) : Target.handler(id, handler);
        }

        /** @param expected by index publisher * PER_PUBLISHER + seq: whether the event should arrive. */
        void assertExactlyOnce(final java.util.function.IntPredicate expected) {
            for (int i = 0; i < seen.length(); i++) {
                assertEquals(expected.test(i) ? 1 : 0, seen.get(i), "deliveries of event " + i);
            }
        }
    }

    private static String field(final String text, final String key) {
        final int start = text.indexOf(key) + key.length();
        int end = start;
        while (Character.isDigit(text.charAt(end))) {
            end++;
        }
        return text.substring(start, end);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> pipelines() {
        return java.util.stream.Stream.of(ProducerMode.values()).flatMap(mode -> java.util.stream.Stream.of(
            StageThreading.values()).map(threading -> org.junit.jupiter.params.provider.Arguments.of(mode, threading)));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("pipelines")
    void shouldDeliverEveryMatchingEventExactlyOnceToEveryTargetWhenPublishersRunConcurrently(
        final ProducerMode mode, final StageThreading threading) throws Exception {
        try (Router router = Router.start(new RouterContext().ringSize(1024).handoffBytes(1 << 20)
            .maxEventBytes(64 * 1024).producerMode(mode).stageThreading(threading))) {
            router.createEventBus("orders");
            router.putRule(Rule.of("all", "{\"source\":[{\"prefix\":\"s\"}]}").onBus("orders"));
            router.putRule(Rule.of("s0", "{\"source\":[\"s0\"]}").onBus("orders"));
            router.putRule(Rule.of("off", "{\"source\":[\"s1\"]}").onBus("orders").withState(RuleState.DISABLED));
            final Tally all = new Tally();
            final Tally allAsync = new Tally();
            final Tally s0 = new Tally();
            final Tally off = new Tally();
            router.putTargets("orders", "all", List.of(all.target("sync", false), allAsync.target("async", true)));
            router.putTargets("orders", "s0", List.of(s0.target("sync", false)));
            router.putTargets("orders", "off", List.of(off.target("sync", false)));
            final EventBus bus = router.eventBus("orders");

            final List<Thread> threads = new ArrayList<>();
            final CountDownLatch start = new CountDownLatch(1);
            for (int p = 0; p < PUBLISHERS; p++) {
                final int publisher = p;
                threads.add(new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    for (int s = 0; s < PER_PUBLISHER; s++) {
                        if (!bus.publish(event("orders", publisher, s))) {
                            throw new IllegalStateException("throttled");
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            final CloseReport report = router.close(Duration.ofSeconds(60));

            assertTrue(report.drained(), report.toString());
            all.assertExactlyOnce(i -> true);
            allAsync.assertExactlyOnce(i -> true);
            s0.assertExactlyOnce(i -> i % PER_PUBLISHER % 3 == 0);
            off.assertExactlyOnce(i -> false);
            final int events = PUBLISHERS * PER_PUBLISHER;
            assertEquals(events, bus.metrics().published());
            assertEquals(events, bus.metrics().matched());
            assertEquals(events, router.ruleMetrics("orders", "all").matched());
            assertEquals(events, router.targetMetrics("orders", "all", "async").delivered());
            assertEquals(0, router.ruleMetrics("orders", "off").matched());
        }
    }

    @Test
    void shouldApplyRuleChangesBetweenEventsWithoutLosingAnyWhenRulesChangeUnderLoad() throws Exception {
        try (Router router = Router.start(new RouterContext().ringSize(256).handoffBytes(1 << 20)
            .maxEventBytes(64 * 1024))) {
            router.putRule(Rule.of("always", "{\"detail-type\":[\"t\"]}"));
            final Tally always = new Tally();
            router.putTargets(null, "always", List.of(always.target("t", false)));
            final EventBus bus = router.eventBus(null);
            final Thread publisher = new Thread(() -> {
                for (int s = 0; s < PER_PUBLISHER; s++) {
                    bus.publish(event("default", 0, s));
                }
            });
            publisher.start();
            final ConcurrentHashMap<String, AtomicLong> churn = new ConcurrentHashMap<>();
            int round = 0;
            while (publisher.isAlive()) {
                final String name = "churn" + (round++ % 4);
                router.putRule(Rule.of(name, "{\"source\":[\"s" + (round % 3) + "\"]}"));
                router.putTargets(null, name, List.of(Target.handler("count",
                    d -> churn.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet())));
                if (round % 3 == 0) {
                    router.disableRule(null, name);
                }
                if (round % 5 == 0) {
                    router.removeTargets(null, name, List.of("count"));
                    router.deleteRule(null, name);
                }
            }
            publisher.join();
            assertTrue(router.close(Duration.ofSeconds(60)).drained());
            always.assertExactlyOnce(i -> i < PER_PUBLISHER);
            assertTrue(round > 1, "rules changed " + round + " times while publishing");
        }
    }
}
