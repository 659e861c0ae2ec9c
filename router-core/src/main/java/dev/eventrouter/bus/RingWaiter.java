package dev.eventrouter.bus;

import java.util.function.Consumer;

/**
 * A caller waiting for the events handed over before its call to pass some point of the pipeline (the ring stages:
 * {@link Router#afterRingStages}; their ends: {@link Router#afterEnded}). Single writer: it knows the handoff's
 * producer position at the call, and learns the ring sequence those events reached once the writer has read past it;
 * multi-producer: it knows the ring's cursor at the call.
 */
final class RingWaiter {
    /** {@link #resolve}: the writer has not read every event of the waiter yet. */
    static final long UNRESOLVED = Long.MIN_VALUE;

    final long handoffPosition;
    volatile long ringSequence;
    final Consumer<Boolean> then;

    RingWaiter(final long handoffPosition, final long ringSequence, final Consumer<Boolean> then) {
        this.handoffPosition = handoffPosition;
        this.ringSequence = ringSequence;
        this.then = then;
    }

    /**
     * @param consumed the handoff's consumer position now (single writer).
     * @param cursor   the ring's cursor now.
     * @return the ring sequence the waiter's events reach (-1: none were ever published), or {@link #UNRESOLVED}
     *         while the writer has not read them all.
     */
    long resolve(final long consumed, final long cursor) {
        final long known = ringSequence;
        if (known >= 0) {
            return known;
        }
        if (handoffPosition >= 0 && consumed < handoffPosition) {
            return UNRESOLVED;
        }
        ringSequence = cursor;   // racing callers each store a valid bound
        return cursor;
    }

    /** Runs the callback; what it throws is reported, never rethrown (it runs on the router's threads). */
    void run(final Boolean passed) {
        try {
            then.accept(passed);
        } catch (Throwable e) {
            Router.reportAgentError(e);
        }
    }
}
