package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.target.Completion;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Router#afterEnded}: what a consumer of an upstream log (a Kafka partition) waits for before it commits. The
 * callback must never run before every delivery of every event accepted before the call has ended (delivered,
 * dead-lettered, dropped), whatever path the delivery took (synchronous, queued to a worker, in flight at a
 * completing target, waiting for a retry), must run once, and must run with {@code false} when the router closes
 * first.
 */
@Timeout(60)
class AfterEndedTest {
    private static final long T0 = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();
    private final ManualClock clock = new ManualClock();

    private Router start(final RouterContext context) {
        clock.update(T0);
        final Router router = Router.start(context.clock(clock).seed(11).trackEnds(true));
        router.putRule(Rule.of("r", "{\"source\":[\"app\"]}"));
        return router;
    }

    private static void publish(final Router router, final int count) {
        for (int i = 0; i < count; i++) {
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("app", "t", "{\"n\":" + i + "}")))
                .failedEntryCount());
        }
    }

    /** Records the callback's outcome and what {@code probe} said when it ran. */
    private static final class Callback {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicReference<Boolean> passed = new AtomicReference<>();
        final AtomicReference<String> seen = new AtomicReference<>();

        java.util.function.Consumer<Boolean> with(final java.util.function.Supplier<String> probe) {
            return ok -> {
                seen.set(probe.get());
                passed.set(ok);
                calls.incrementAndGet();
            };
        }
    }

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void endsWhenEverySynchronousDeliveryOfTheEarlierEventsIsDone(final ProducerMode mode) {
        final AtomicLong first = new AtomicLong();
        final AtomicLong second = new AtomicLong();
        try (Router router = start(new RouterContext().producerMode(mode))) {
            router.putTargets(null, "r", List.of(Target.handler("a", d -> first.incrementAndGet()),
                Target.handler("b", d -> second.incrementAndGet())));
            publish(router, 200);
            final Callback callback = new Callback();
            router.afterEnded(callback.with(() -> first.get() + "/" + second.get()));
            Await.until(() -> callback.calls.get() == 1, "the callback");
            assertEquals("200/200", callback.seen.get(), "every delivery of the 200 events had ended");
            assertEquals(Boolean.TRUE, callback.passed.get());
            final Callback idle = new Callback();
            router.afterEnded(idle.with(() -> "idle"));
            Await.until(() -> idle.calls.get() == 1, "a callback with nothing outstanding");
            assertEquals(Boolean.TRUE, idle.passed.get());
        }
    }

    @Test
    void waitsForAQueuedAsynchronousDeliveryAndACompletingOne() throws InterruptedException {
        final CountDownLatch gate = new CountDownLatch(1);
        final List<Completion> completions = new CopyOnWriteArrayList<>();
        final AtomicLong asyncDone = new AtomicLong();
        try (Router router = start(new RouterContext())) {
            router.putTargets(null, "r", List.of(Target.asyncHandler("slow", d -> {
                gate.await();
                asyncDone.incrementAndGet();
            }), Target.completing("later", (d, completion) -> completions.add(completion))));
            publish(router, 3);
            Await.until(() -> completions.size() == 3, "three deliveries in flight at the completing target");
            final Callback callback = new Callback();
            router.afterEnded(callback.with(() -> asyncDone.get() + " async"));
            assertEquals(0, callback.calls.get(), "queued and in flight: not ended");
            gate.countDown();
            Await.until(() -> asyncDone.get() == 3, "the worker delivered");
            completions.get(0).succeeded();
            completions.get(2).succeeded();
            assertEquals(0, callback.calls.get(), "one delivery still in flight");
            completions.get(1).succeeded();
            Await.until(() -> callback.calls.get() == 1, "the callback");
            assertEquals("3 async", callback.seen.get());
            assertEquals(Boolean.TRUE, callback.passed.get());
        }
    }

    /**
     * A delivery held for long (a retry waits up to a day) must not keep every later event's ticket: the ledger holds
     * only the events with deliveries out, whatever ended after them.
     */
    @Test
    void keepsOnlyTheEventsWithDeliveriesOutWhileAnOlderOneIsHeld() throws InterruptedException {
        final CountDownLatch gate = new CountDownLatch(1);
        try (Router router = start(new RouterContext())) {
            router.putRule(Rule.of("held", "{\"detail\":{\"n\":[0]}}"));
            router.putTargets(null, "held", List.of(Target.asyncHandler("slow", d -> gate.await())));
            final AtomicLong done = new AtomicLong();
            router.putTargets(null, "r", List.of(Target.handler("fast", d -> done.incrementAndGet())));
            publish(router, 1_000);
            Await.until(() -> done.get() == 1_000, "the synchronous deliveries");
            final Callback callback = new Callback();
            router.afterEnded(callback.with(() -> "released"));
            assertEquals(1, router.endLedger().openTickets(), "only the held event's ticket is kept");
            assertEquals(0, callback.calls.get());
            gate.countDown();
            Await.until(() -> callback.calls.get() == 1, "the callback once the held delivery ended");
            assertEquals(0, router.endLedger().openTickets());
        }
    }

    @Test
    void waitsForRetriesUntilTheyDeliverOrAreDeadLettered() {
        final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();
        final List<Completion> completions = new CopyOnWriteArrayList<>();
        try (Router router = start(new RouterContext())) {
            router.putTargets(null, "r", List.of(Target.handler("flaky", d -> {
                if (attempts.incrementAndGet() == 1) {
                    throw new TargetException(TargetException.THROTTLING, "busy", true);
                }
            }), Target.handler("refusing", d -> {
                throw new TargetException(TargetException.NO_PERMISSIONS, "no", false);
            }).withDeadLetter(deadLetters::add), Target.completing("failing-later",
                (d, completion) -> completions.add(completion))));
            publish(router, 1);
            final TargetMetrics flaky = router.targetMetrics(null, "r", "flaky");
            Await.until(() -> flaky.failed() == 1 && completions.size() == 1 && deadLetters.size() == 1,
                "first attempts made");
            final Callback callback = new Callback();
            router.afterEnded(callback.with(() -> attempts.get() + " attempts"));
            completions.get(0).failed(new TargetException(TargetException.THROTTLING, "later", true));
            Await.until(() -> router.retries().scheduledCount() == 2, "two retries waiting");
            assertEquals(0, callback.calls.get(), "retries waiting: not ended");
            clock.advance(3_600_000);
            Await.until(() -> flaky.delivered() == 1 && completions.size() == 2, "the retries made");
            assertEquals(0, callback.calls.get(), "the completing target's retry is in flight");
            completions.get(1).succeeded();
            Await.until(() -> callback.calls.get() == 1, "the callback");
            assertEquals("2 attempts", callback.seen.get());
            assertEquals(Boolean.TRUE, callback.passed.get());
        }
    }

    /**
     * Seeded: events through a mix of synchronous, asynchronous and completing targets that fail at random (retried,
     * or dead-lettered when not retryable), with a callback registered after every batch of puts; each callback must
     * see every earlier event ended at every target.
     */
    @Test
    void neverRunsBeforeTheEarlierEventsEndedWhateverPathTheirDeliveriesTook() {
        final long seed = new SplittableRandom().nextLong();
        final SplittableRandom random = new SplittableRandom(seed);   // this thread's
        final SplittableRandom failing = new SplittableRandom(seed + 1);   // the delivering threads', locked
        final AtomicLong ended = new AtomicLong();   // deliveries ended: delivered or dead-lettered
        final List<Completion> inFlight = new CopyOnWriteArrayList<>();
        final int targets = 3;
        try (Router router = start(new RouterContext())) {
            final java.util.function.Consumer<DeadLetter> dead = letter -> ended.incrementAndGet();
            router.putTargets(null, "r", List.of(
                Target.handler("sync", d -> fail(failing, d.attempt())).withDeadLetter(dead::accept),
                Target.asyncHandler("async", d -> fail(failing, d.attempt())).withDeadLetter(dead::accept),
                Target.completing("completing", (d, completion) -> inFlight.add(completion))
                    .withDeadLetter(dead::accept)));
            // count successful deliveries from the metrics (a target's handler may run on any thread)
            final java.util.function.LongSupplier delivered = () -> {
                long sum = 0;
                for (String id : List.of("sync", "async", "completing")) {
                    sum += router.targetMetrics(null, "r", id).delivered();
                }
                return sum;
            };
            int published = 0;
            final List<Callback> callbacks = new ArrayList<>();
            final List<Integer> publishedBefore = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                final int batch = 1 + random.nextInt(5);
                publish(router, batch);
                published += batch;
                final int expected = published * targets;
                final Callback callback = new Callback();
                router.afterEnded(callback.with(() -> Long.toString(delivered.getAsLong() + ended.get())));
                callbacks.add(callback);
                publishedBefore.add(expected);
                // settle some in-flight completions and move time for the retries
                for (Completion completion : inFlight) {
                    if (random.nextBoolean()) {
                        inFlight.remove(completion);
                        if (random.nextInt(4) == 0) {
                            completion.failed(new TargetException(TargetException.THROTTLING, "later", true));
                        } else {
                            completion.succeeded();
                        }
                    }
                }
                clock.advance(random.nextInt(5_000));
            }
            // let everything end: complete what is in flight, move time until nothing is pending
            final int total = published * targets;
            Await.until(() -> {
                for (Completion completion : inFlight) {
                    inFlight.remove(completion);
                    completion.succeeded();
                }
                clock.advance(60_000);
                return delivered.getAsLong() + ended.get() == total;
            }, "every delivery ended (seed " + seed + ")");
            for (Callback callback : callbacks) {
                Await.until(() -> callback.calls.get() == 1, "every callback (seed " + seed + ")");
            }
            for (int i = 0; i < callbacks.size(); i++) {
                final long seen = Long.parseLong(callbacks.get(i).seen.get());
                assertTrue(seen >= publishedBefore.get(i), "callback " + i + " ran after " + seen + " of the "
                    + publishedBefore.get(i) + " deliveries before it had ended (seed " + seed + ")");
            }
        }
    }

    /** Fails a first or second attempt one time in three: retryable, or (one in four of those) not. */
    private static void fail(final SplittableRandom random, final int attempt) throws TargetException {
        final int roll;
        synchronized (random) {
            roll = random.nextInt(12);
        }
        if (attempt <= 2 && roll < 4) {
            throw new TargetException(roll == 0 ? TargetException.NO_PERMISSIONS : TargetException.THROTTLING,
                "failure", roll != 0);
        }
    }

    @Test
    void tellsFalseWhenTheRouterClosesFirstAndRefusesWithoutTracking() {
        final CountDownLatch never = new CountDownLatch(1);
        final Callback callback = new Callback();
        final Router router = start(new RouterContext());
        router.putTargets(null, "r", List.of(Target.asyncHandler("stuck", d -> never.await())));
        publish(router, 1);
        router.afterEnded(callback.with(() -> "closed"));
        router.close(Duration.ofMillis(200));
        Await.until(() -> callback.calls.get() == 1, "the callback");
        assertEquals(Boolean.FALSE, callback.passed.get());
        final Callback late = new Callback();
        router.afterEnded(late.with(() -> "after close"));
        assertEquals(Boolean.FALSE, late.passed.get(), "after close: at once, false");
        never.countDown();

        try (Router untracked = Router.start(new RouterContext())) {
            assertEquals("afterEnded needs a router started with RouterContext.trackEnds(true)",
                assertThrows(IllegalStateException.class, () -> untracked.afterEnded(ok -> { })).getMessage());
        }
    }
}
