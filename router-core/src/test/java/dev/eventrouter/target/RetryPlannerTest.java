package dev.eventrouter.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;

class RetryPlannerTest {
    private static final long INGESTED = 1_000_000;

    @Test
    void shouldBackOffExponentiallyWithinTheJitterBand() {
        final RetryPlanner planner = new RetryPlanner(7);
        for (int n = 1; n <= 30; n++) {
            final long exponential = Math.min(600_000, 1_000L << (n - 1));
            final long delay = planner.backoffMillis(n);
            final int retry = n;
            assertTrue(delay >= exponential / 2 && delay <= exponential, () -> "retry " + retry + ": " + delay);
        }
    }

    @Test
    void shouldGiveTheSameScheduleForTheSameSeed() {
        final RetryPlanner a = new RetryPlanner(42);
        final RetryPlanner b = new RetryPlanner(42);
        for (int n = 1; n <= 50; n++) {
            assertEquals(a.backoffMillis(n), b.backoffMillis(n));
        }
    }

    @Test
    void shouldRetryUntilTheAttemptsRunOutOnAManualClock() {
        final RetryPolicy policy = new RetryPolicy(3, 86_400);
        final RetryPlanner planner = new RetryPlanner(1);
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(INGESTED);
        int retries = 0;
        long next;
        while ((next = planner.nextAttempt(policy, INGESTED, retries, clock.time(), true)) >= 0) {
            assertTrue(next > clock.time());
            clock.update(next);
            retries++;
        }
        assertEquals(3, retries);
        assertEquals(RetryPlanner.EXHAUSTED_ATTEMPTS, next);
        assertEquals("MaximumRetryAttempts", RetryPlanner.exhaustedCondition(next));
    }

    @Test
    void shouldNotScheduleARetryPastTheMaximumAge() {
        final RetryPolicy policy = new RetryPolicy(185, 60);
        final RetryPlanner planner = new RetryPlanner(1_000, 600_000, 3);
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(INGESTED);
        int retries = 0;
        long next;
        while ((next = planner.nextAttempt(policy, INGESTED, retries, clock.time(), true)) >= 0) {
            assertTrue(next - INGESTED <= 60_000, "a retry was scheduled after the event's maximum age");
            clock.update(next);
            retries++;
        }
        assertEquals(RetryPlanner.EXHAUSTED_AGE, next);
        assertEquals("MaximumEventAgeInSeconds", RetryPlanner.exhaustedCondition(next));
        assertTrue(retries >= 4 && retries <= 6, "retries within a minute: " + retries);
    }

    @Test
    void shouldSendNonRetryableFailuresStraightToTheDeadLetterTarget() {
        assertEquals(RetryPlanner.NOT_RETRYABLE,
            new RetryPlanner(1).nextAttempt(RetryPolicy.DEFAULT, INGESTED, 0, INGESTED, false));
        assertNull(RetryPlanner.exhaustedCondition(RetryPlanner.NOT_RETRYABLE));
        assertEquals(RetryPlanner.EXHAUSTED_ATTEMPTS,
            new RetryPlanner(1).nextAttempt(new RetryPolicy(0, 60), INGESTED, 0, INGESTED, true));
    }

    @Test
    void shouldLetBothDefaultLimitsBindAtAboutTheSameTime() {
        final RetryPlanner planner = new RetryPlanner(11);
        long total = 0;
        for (int n = 1; n <= 185; n++) {
            total += planner.backoffMillis(n);
        }
        final double hours = total / 3_600_000.0;
        assertTrue(hours > 18 && hours < 24, "185 default retries take " + hours + " h");
    }

    @Test
    void shouldValidatePoliciesAndPlannersNamingTheField() {
        assertEquals("RetryPolicy.MaximumRetryAttempts=186: must be between 0 and 185",
            assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(186, 60)).getMessage());
        assertEquals("RetryPolicy.MaximumEventAgeInSeconds=59: must be between 60 and 86400",
            assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, 59)).getMessage());
        assertEquals("capMillis=5: must be at least baseMillis=10",
            assertThrows(IllegalArgumentException.class, () -> new RetryPlanner(10, 5, 1)).getMessage());
        assertEquals("baseMillis=0: must be at least 1",
            assertThrows(IllegalArgumentException.class, () -> new RetryPlanner(0, 5, 1)).getMessage());
    }
}
