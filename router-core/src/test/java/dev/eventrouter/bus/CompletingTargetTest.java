package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.target.Completion;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.Delivery;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetException;
import dev.eventrouter.target.TargetInput;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Targets whose deliveries complete later ({@link Target#completing}): each holds its event until its completion,
 * the in-flight bound throttles, failures are retried on the injected clock (after a Retry-After when one is given),
 * and close reports what is still in flight.
 */
@Timeout(60)
class CompletingTargetTest {
    private static final long T0 = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    private final ManualClock clock = new ManualClock();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    /** Deliveries started and not completed yet, in order. */
    private final List<Started> started = new CopyOnWriteArrayList<>();

    private record Started(Delivery delivery, Completion completion, int attempt) {
        String payload() {
            return delivery.payloadAsString();
        }

        String event() {
            final byte[] bytes = new byte[delivery.event().capacity()];
            delivery.event().getBytes(0, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private Router start(final Target target) {
        clock.update(T0);
        final Router router = Router.start(new RouterContext().clock(clock).seed(7).maxEventBytes(16 * 1024)
            .handoffBytes(1 << 20));
        router.putRule(Rule.of("r", "{\"source\":[\"app\"]}"));
        router.putTargets(null, "r", List.of(target.withDeadLetter(deadLetters::add)));
        return router;
    }

    private Target holding() {
        return Target.completing("t", (d, c) -> started.add(new Started(d, c, d.attempt())));
    }

    private static void publish(final Router router, final int from, final int count) {
        for (int i = from; i < from + count; i++) {
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("app", "t", "{\"n\":" + i + "}")))
                .failedEntryCount());
        }
    }

    /** Publishes one event and waits until its first attempt started. */
    private void firstAttempt(final Router router) {
        publish(router, 0, 1);
        Await.until(() -> started.size() == 1, "first attempt");
    }

    @Test
    void shouldHoldEachEventUntilItsCompletionArrivesFromAnotherThread() throws InterruptedException {
        try (Router router = start(holding())) {
            publish(router, 0, 50);
            Await.until(() -> started.size() == 50, "50 deliveries started");
            final TargetMetrics metrics = router.targetMetrics(null, "r", "t");
            assertEquals(0, metrics.delivered(), "nothing counts as delivered before its completion");
            // every held delivery still reads its own event though 49 more went through the match thread since
            for (int i = 0; i < 50; i++) {
                assertTrue(started.get(i).payload().endsWith("\"detail\":{\"n\":" + i + "}}"), started.get(i).payload());
            }
            final Thread completer = new Thread(() -> started.forEach(s -> s.completion().succeeded()));
            completer.start();
            completer.join();
            Await.until(() -> metrics.delivered() == 50, "50 delivered");
            started.get(0).completion().failed(new TargetException("X", "late", true));   // a second call: ignored
            assertEquals(0, metrics.failed());
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(List.of(), deadLetters);
        }
    }

    @Test
    void shouldThrottleBeyondTheInFlightBoundAndRetryOnceAFlightIsFree() {
        try (Router router = start(holding().withQueueCapacity(4))) {
            publish(router, 0, 5);
            final TargetMetrics metrics = router.targetMetrics(null, "r", "t");
            Await.until(() -> metrics.throttled() == 1 && router.retries().nextDue() > 0, "the fifth throttled");
            assertEquals(4, started.size());
            started.forEach(s -> s.completion().succeeded());
            clock.update(router.retries().nextDue());
            Await.until(() -> started.size() == 5, "the retry started");
            assertEquals(2, started.get(4).attempt());
            assertTrue(started.get(4).payload().endsWith("{\"n\":4}}"), started.get(4).payload());
            started.get(4).completion().succeeded();
            Await.until(() -> metrics.delivered() == 5, "all delivered");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldNameTheInFlightBoundWhenASaturatedTargetDeadLettersAnEvent() {
        try (Router router = start(holding().withQueueCapacity(2).withRetryPolicy(new RetryPolicy(0, 60)))) {
            publish(router, 0, 3);
            Await.until(() -> deadLetters.size() == 1, "the third dead-lettered");
            assertEquals("THROTTLING", deadLetters.get(0).errorCode());
            assertEquals("2 deliveries of target t are in flight", deadLetters.get(0).errorMessage());
            started.forEach(s -> s.completion().succeeded());
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldRetryNoEarlierThanRetryAfterWhenItIsLaterThanTheBackoff() {
        try (Router router = start(holding())) {
            firstAttempt(router);
            clock.update(T0 + 5_000);
            started.get(0).completion().failed(new TargetException("429", "Too Many Requests", true), 30_000);
            Await.until(() -> router.retries().nextDue() > 0, "retry planned");
            assertEquals(T0 + 35_000, router.retries().nextDue(), "Retry-After counts from the failure");
            clock.update(T0 + 34_999);
            assertEquals(1, started.size());
            clock.update(T0 + 35_000);
            Await.until(() -> started.size() == 2, "retried at Retry-After");
            started.get(1).completion().succeeded();
            Await.until(() -> router.targetMetrics(null, "r", "t").delivered() == 1, "delivered");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldKeepTheBackoffWhenRetryAfterIsShorter() {
        try (Router router = start(holding())) {
            firstAttempt(router);
            started.get(0).completion().failed(new TargetException("503", "Service Unavailable", true), 1);
            Await.until(() -> router.retries().nextDue() > 0, "retry planned");
            final long due = router.retries().nextDue();
            assertTrue(due - T0 >= 500 && due - T0 <= 1_000, "the policy's first backoff: " + (due - T0));
            clock.update(due);
            Await.until(() -> started.size() == 2, "retried");
            started.get(1).completion().succeeded();
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldDeadLetterWhenRetryAfterFallsBeyondTheMaximumEventAge() {
        try (Router router = start(holding().withRetryPolicy(new RetryPolicy(185, 60)))) {
            firstAttempt(router);
            started.get(0).completion().failed(new TargetException("429", "Too Many Requests", true), 61_000);
            Await.until(() -> deadLetters.size() == 1, "dead-lettered");
            final DeadLetter dead = deadLetters.get(0);
            assertEquals("429", dead.errorCode());
            assertEquals("Too Many Requests", dead.errorMessage());
            assertEquals(0, dead.retryAttempts());
            assertEquals("MaximumEventAgeInSeconds", dead.exhaustedRetryCondition());
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldDeadLetterANonRetryableFailureWithoutRetrying() {
        try (Router router = start(holding())) {
            firstAttempt(router);
            started.get(0).completion().failed(new TargetException("400", "Bad Request", false));
            Await.until(() -> deadLetters.size() == 1, "dead-lettered");
            assertEquals("400", deadLetters.get(0).errorCode());
            assertEquals(null, deadLetters.get(0).exhaustedRetryCondition());
            assertTrue(new String(deadLetters.get(0).event(), StandardCharsets.UTF_8).endsWith("{\"n\":0}}"));
            assertEquals(0, router.targetMetrics(null, "r", "t").retried());
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldTreatAThrowBeforeCompletingAsAFailedAttemptAndAThrowAfterItAsNothing() {
        final List<Integer> calls = new CopyOnWriteArrayList<>();
        try (Router router = start(Target.completing("t", (d, c) -> {
            calls.add(d.attempt());
            if (d.attempt() == 1) {
                throw new TargetException(TargetException.NO_PERMISSIONS, "refused", false);
            }
            c.succeeded();
            throw new IllegalStateException("after completing");
        }))) {
            publish(router, 0, 2);
            Await.until(() -> deadLetters.size() == 2, "both first attempts refused");
            assertEquals(List.of("NO_PERMISSIONS", "NO_PERMISSIONS"),
                deadLetters.stream().map(DeadLetter::errorCode).collect(Collectors.toList()));
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
        deadLetters.clear();
        try (Router router = start(Target.completing("t", (d, c) -> {
            if (d.attempt() == 1) {
                throw new IllegalStateException("cannot start");
            }
            c.succeeded();
            throw new IllegalStateException("after completing");
        }))) {
            publish(router, 0, 1);
            Await.until(() -> router.retries().nextDue() > 0, "a throw is retryable");
            clock.update(router.retries().nextDue());
            final TargetMetrics metrics = router.targetMetrics(null, "r", "t");
            Await.until(() -> metrics.delivered() == 1, "the retry completed, then threw: delivered");
            assertEquals(1, metrics.failed());
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(List.of(), deadLetters);
        }
    }

    @Test
    void shouldGiveShapedInputAsPayloadAndTheMatchedEventBesideIt() {
        try (Router router = start(holding().withInput(TargetInput.transformer(
            java.util.Map.of("n", "$.detail.n"), "{\"number\": <n>}")))) {
            publish(router, 7, 1);
            Await.until(() -> started.size() == 1, "delivered");
            assertEquals("{\"number\": 7}", started.get(0).payload());
            assertTrue(started.get(0).event().startsWith("{\"version\":\"0\""), started.get(0).event());
            assertTrue(started.get(0).event().endsWith("\"detail\":{\"n\":7}}"), started.get(0).event());
            started.get(0).completion().succeeded();
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
    }

    @Test
    void shouldReportDeliveriesStillInFlightAtCloseAndNotRetryTheirLateFailures() {
        final Router router = start(holding());
        publish(router, 0, 3);
        Await.until(() -> started.size() == 3, "3 in flight");
        started.get(0).completion().succeeded();
        final CloseReport report = router.close(Duration.ofMillis(50));
        assertFalse(report.drained());
        final List<String> reasons = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        report.undelivered().forEach(u -> {
            reasons.add(u.targetId() + ": " + u.reason());
            events.add(u.eventAsString());
        });
        assertEquals(List.of("t: in flight at a completing target when the router closed",
            "t: in flight at a completing target when the router closed"), reasons);
        assertTrue(events.get(0).endsWith("{\"n\":1}}") && events.get(1).endsWith("{\"n\":2}}"), events.toString());
        started.get(1).completion().failed(new TargetException("500", "late", true));
        started.get(2).completion().succeeded();
        assertEquals(1, router.targetMetrics(null, "r", "t").failed());
        assertEquals(2, router.targetMetrics(null, "r", "t").delivered());
        assertEquals(List.of(), deadLetters);
    }

    @Test
    void shouldWaitInCloseForCompletionsThatArriveWhileItDrains() throws InterruptedException {
        final Router router = start(holding());
        publish(router, 0, 3);
        Await.until(() -> started.size() == 3, "3 in flight");
        final CloseReport[] report = new CloseReport[1];
        final Thread closer = new Thread(() -> report[0] = router.close(Duration.ofSeconds(30)));
        closer.start();
        Await.until(router::isClosed, "close began");
        started.forEach(s -> s.completion().succeeded());
        closer.join();
        assertTrue(report[0].drained(), report[0].toString());
        assertEquals(3, router.targetMetrics(null, "r", "t").delivered());
    }
}
