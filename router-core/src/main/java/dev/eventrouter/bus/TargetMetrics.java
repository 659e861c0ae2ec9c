package dev.eventrouter.bus;

/**
 * Counters of one target, readable from any thread without locks. Every matched event ends in exactly one of
 * {@link #delivered()}, {@link #deadLettered()}, {@link #dropped()} or {@link #notForwarded()}, or is still
 * pending (queued or waiting for a retry), or is reported undelivered by {@code Router.close()}.
 */
public final class TargetMetrics {
    final Counter delivered = new Counter();
    final Counter failed = new Counter();
    final Counter retried = new Counter();
    final Counter throttled = new Counter();
    final Counter deadLettered = new Counter();
    final Counter deadLetterFailed = new Counter();
    final Counter dropped = new Counter();
    final Counter notForwarded = new Counter();

    TargetMetrics() {
    }

    /**
     * @return attempts made (first attempts and retries): every attempt ends delivered or failed, so this is their
     *         sum rather than a counter of its own (one atomic increment fewer per delivery).
     */
    public long invoked() {
        return delivered.get() + failed.get();
    }

    /** @return events the target took. */
    public long delivered() {
        return delivered.get();
    }

    /** @return attempts that failed. */
    public long failed() {
        return failed.get();
    }

    /** @return retries made. */
    public long retried() {
        return retried.get();
    }

    /** @return attempts refused because the target's queue (or the destination bus) was full; retried later. */
    public long throttled() {
        return throttled.get();
    }

    /** @return events handed to the dead-letter target. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /** @return events whose dead-letter target threw (reported by {@code close()}). */
    public long deadLetterFailed() {
        return deadLetterFailed.get();
    }

    /** @return events given up without a dead-letter target, as EventBridge drops them. */
    public long dropped() {
        return dropped.get();
    }

    /** @return events a bus target did not forward because they had already crossed a bus (one hop only). */
    public long notForwarded() {
        return notForwarded.get();
    }

    @Override
    public String toString() {
        return "invoked=" + invoked() + " delivered=" + delivered() + " failed=" + failed() + " retried=" + retried()
            + " throttled=" + throttled() + " deadLettered=" + deadLettered() + " dropped=" + dropped()
            + " notForwarded=" + notForwarded();
    }
}
