package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.target.Target;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;

/**
 * Publish → match → dispatch allocates nothing per event once warm, on every thread it uses: the publisher, the
 * single writer and the match thread (JMH {@code -prof gc} reports the same as gc.alloc.rate.norm).
 */
@Timeout(120)
class RouterAllocationTest {
    private static final int EVENTS = 2_000;
    private static final int ROUNDS = 10;

    @ParameterizedTest
    @MethodSource("dev.eventrouter.bus.RouterDeliveryTest#pipelines")
    void shouldNotAllocatePerEventWhenPublishingMatchingAndDispatching(final ProducerMode mode,
                                                                      final StageThreading threading) {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final CityLots lots = new CityLots(5);
        final byte[][] events = new byte[EVENTS][];
        for (int i = 0; i < EVENTS; i++) {
            events[i] = lots.nextBytes();
        }
        try (Router router = Router.start(new RouterContext().ringSize(1024).producerMode(mode)
            .stageThreading(threading))) {
            final AtomicLong delivered = new AtomicLong();
            router.putRule(Rule.of("street", "{\"properties\":{\"STREET\":[{\"prefix\":\"B\"}]}}"));
            router.putRule(Rule.of("type", "{\"geometry\":{\"type\":[\"Polygon\"]}}"));
            router.putTargets(null, "street", List.of(Target.handler("count", d -> delivered.incrementAndGet()),
                Target.completing("inline", (d, completion) -> {   // a completing target's flights, once made
                    delivered.incrementAndGet();
                    completion.succeeded();
                })));
            router.putTargets(null, "type", List.of(Target.handler("count", d -> delivered.incrementAndGet()),
                Target.handler("second", d -> delivered.incrementAndGet())));
            final EventBus bus = router.eventBus(null);
            long published = 0;
            for (int warm = 0; warm < 30; warm++) {
                published += publishAll(bus, events);
            }
            awaitMatched(bus, published);
            final long[] ids = routerThreadIds();
            final long before = allocated(threads, ids);
            for (int round = 0; round < ROUNDS; round++) {
                published += publishAll(bus, events);
            }
            awaitMatched(bus, published);
            final long allocated = allocated(threads, ids) - before;
            final long measured = (long) EVENTS * ROUNDS;
            assertTrue(delivered.get() > published, "rules must match");
            // one allocation per event would be at least 16 bytes per event
            assertTrue(allocated < measured, () -> allocated + " bytes allocated for " + measured + " events");
            assertTrue(router.close(Duration.ofSeconds(30)).drained());
        }
    }

    private static long publishAll(final EventBus bus, final byte[][] events) {
        for (byte[] event : events) {
            assertTrue(bus.publish(event, 0, event.length));
        }
        return events.length;
    }

    private static void awaitMatched(final EventBus bus, final long published) {
        Await.until(() -> bus.metrics().published() == published, published + " events matched");
    }

    /** @return the publisher (this thread) and the pipeline's threads: ingest, match, or the one router thread. */
    private static long[] routerThreadIds() {
        final List<Long> ids = new java.util.ArrayList<>(List.of(Thread.currentThread().getId()));
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (List.of("eventrouter-match", "eventrouter-ingest", "eventrouter-router").contains(thread.getName())) {
                ids.add(thread.getId());
            }
        }
        assertTrue(ids.size() >= 2, "found the pipeline's threads");
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long allocated(final com.sun.management.ThreadMXBean threads, final long[] ids) {
        long sum = 0;
        for (long id : ids) {
            sum += threads.getThreadAllocatedBytes(id);
        }
        return sum;
    }
}
