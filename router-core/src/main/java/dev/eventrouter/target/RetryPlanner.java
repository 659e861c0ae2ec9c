package dev.eventrouter.target;

import java.util.SplittableRandom;

/**
 * Decides when a failed delivery is tried again, with exponential backoff and jitter, or why it is not.
 * Single-threaded; no allocation; time comes from the caller's injected clock.
 *
 * <p>Backoff: retry {@code n} (1-based) waits {@code d = min(cap, base · 2^(n-1))} halved plus a uniform random
 * share of the other half ("equal jitter": spread out, never zero). With the default 1 s base and 10 minute cap,
 * 185 retries take about 22 hours, so EventBridge's two default limits (185 retries, 24 hours) bind at about the
 * same time, as its documentation describes.
 *
 * <p>Results: a non-negative value is the time of the next attempt; the negative constants say why there is none.
 * A retry that would start after the event's maximum age is not scheduled.
 */
public final class RetryPlanner {
    /** The failure is not retryable: dead-letter it now. */
    public static final long NOT_RETRYABLE = -1;
    /** {@link RetryPolicy#maximumRetryAttempts()} retries were made. */
    public static final long EXHAUSTED_ATTEMPTS = -2;
    /** The next retry would start after {@link RetryPolicy#maximumEventAgeSeconds()}. */
    public static final long EXHAUSTED_AGE = -3;

    /** Default first backoff. */
    public static final long DEFAULT_BASE_MILLIS = 1_000;
    /** Default longest backoff. */
    public static final long DEFAULT_CAP_MILLIS = 600_000;

    private final long baseMillis;
    private final long capMillis;
    private final SplittableRandom random;

    /** @param seed the jitter's random seed (inject for deterministic schedules). */
    public RetryPlanner(final long seed) {
        this(DEFAULT_BASE_MILLIS, DEFAULT_CAP_MILLIS, seed);
    }

    /**
     * @param baseMillis first backoff, at least 1 ms.
     * @param capMillis  longest backoff, at least the base.
     * @param seed       the jitter's random seed.
     */
    public RetryPlanner(final long baseMillis, final long capMillis, final long seed) {
        if (baseMillis < 1) {
            throw new IllegalArgumentException("baseMillis=" + baseMillis + ": must be at least 1");
        }
        if (capMillis < baseMillis) {
            throw new IllegalArgumentException("capMillis=" + capMillis + ": must be at least baseMillis=" + baseMillis);
        }
        this.baseMillis = baseMillis;
        this.capMillis = capMillis;
        random = new SplittableRandom(seed);
    }

    /**
     * @param policy              the target's retry policy.
     * @param ingestionTimeMillis when the bus accepted the event (its age counts from here).
     * @param retriesDone         retries already made (0 after the first attempt failed).
     * @param nowMillis           the current time.
     * @param retryable           whether the failure may succeed on a retry.
     * @return the time of the next attempt, or {@link #NOT_RETRYABLE}, {@link #EXHAUSTED_ATTEMPTS},
     *         {@link #EXHAUSTED_AGE}.
     */
    public long nextAttempt(final RetryPolicy policy, final long ingestionTimeMillis, final int retriesDone,
                            final long nowMillis, final boolean retryable) {
        if (!retryable) {
            return NOT_RETRYABLE;
        }
        if (retriesDone >= policy.maximumRetryAttempts()) {
            return EXHAUSTED_ATTEMPTS;
        }
        final long at = nowMillis + backoffMillis(retriesDone + 1);
        if (at - ingestionTimeMillis > policy.maximumEventAgeSeconds() * 1000L) {
            return EXHAUSTED_AGE;
        }
        return at;
    }

    /** @return the wait before retry {@code n} (1-based): half of the capped exponential plus jitter. */
    public long backoffMillis(final int n) {
        final int shift = Math.min(n - 1, 40);
        final long exponential = Math.min(capMillis, baseMillis << shift);
        final long half = exponential / 2;
        return half + random.nextLong(exponential - half + 1);
    }

    /** @return the name of a negative {@link #nextAttempt} result, as dead letters report it. */
    public static String exhaustedCondition(final long result) {
        if (result == EXHAUSTED_ATTEMPTS) {
            return "MaximumRetryAttempts";
        }
        if (result == EXHAUSTED_AGE) {
            return "MaximumEventAgeInSeconds";
        }
        return null;
    }
}
