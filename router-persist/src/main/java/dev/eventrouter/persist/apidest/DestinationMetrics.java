package dev.eventrouter.persist.apidest;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Counters of one API destination, safe to read from any thread: requests sent, their outcomes by status class,
 * retries, calls the rate limit held back, and the latency of answered requests.
 */
public final class DestinationMetrics {
    final LongAdder invocations = new LongAdder();
    final LongAdder successes = new LongAdder();
    final LongAdder clientErrors = new LongAdder();
    final LongAdder serverErrors = new LongAdder();
    final LongAdder throttledResponses = new LongAdder();
    final LongAdder otherFailures = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder connectionFailures = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final Recorder latencyMicros = new Recorder(60_000_000L, 2);

    /** @return requests sent (each attempt counts once). */
    public long invocations() {
        return invocations.sum();
    }

    /** @return 2xx answers. */
    public long successes() {
        return successes.sum();
    }

    /** @return 4xx answers other than 429 (not retried). */
    public long clientErrors() {
        return clientErrors.sum();
    }

    /** @return 5xx answers (retried). */
    public long serverErrors() {
        return serverErrors.sum();
    }

    /** @return 429 answers (retried). */
    public long throttledResponses() {
        return throttledResponses.sum();
    }

    /** @return 1xx and 3xx answers (not retried). */
    public long otherFailures() {
        return otherFailures.sum();
    }

    /** @return requests without an answer within the 5 s timeout (retried). */
    public long timeouts() {
        return timeouts.sum();
    }

    /** @return requests that could not connect or lost the connection before the answer (retried). */
    public long connectionFailures() {
        return connectionFailures.sum();
    }

    /** @return requests that were retries of an earlier attempt. */
    public long retries() {
        return retries.sum();
    }

    /** @return calls the rate limit held back before sending. */
    public long rateLimited() {
        return rateLimited.sum();
    }

    /**
     * @return the latency of answered requests since the last call, in microseconds (an interval histogram; one
     *         reader: {@code router serve}'s {@code /metrics} takes it on each scrape).
     */
    public org.HdrHistogram.Histogram takeLatency() {
        return latencyMicros.getIntervalHistogram();
    }

    @Override
    public String toString() {
        return "DestinationMetrics[invocations=" + invocations() + ", successes=" + successes() + ", 4xx="
            + clientErrors() + ", 5xx=" + serverErrors() + ", 429=" + throttledResponses() + ", other="
            + otherFailures() + ", timeouts=" + timeouts() + ", connectionFailures=" + connectionFailures()
            + ", retries=" + retries() + ", rateLimited=" + rateLimited() + "]";
    }
}
