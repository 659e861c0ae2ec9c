package dev.eventrouter.bus;

/**
 * A delivery that failed and waits for the retry agent: a private copy of the event (it must outlive its ring
 * slot), the target, how many retries were made and why the last attempt failed. Owned by one thread at a time.
 */
final class PendingDelivery {
    /** The binding the next attempt goes to (the current one once its target was replaced). */
    TargetBinding target;
    final byte[] event;
    /** The event's X-Ray trace header (ASCII, its whole length); {@link EventSlot#NO_TRACE} when it has none. */
    byte[] trace = EventSlot.NO_TRACE;
    final long ingestionTimeMillis;
    int retriesDone;
    String errorCode;
    String errorMessage;
    boolean retryable;
    long dueMillis;
    long failedAtMillis;
    /** The target asked for no retry before this time ({@code Retry-After}); 0 for no such request. */
    long notBeforeMillis;
    /** The event's ticket when the router tracks ends: this delivery holds it until it ends or is handed on. */
    EndLedger.Ticket ticket;

    PendingDelivery(final TargetBinding target, final byte[] event, final long ingestionTimeMillis,
                    final int retriesDone, final Attempt failed) {
        this(target, event, ingestionTimeMillis, retriesDone, failed.errorCode, failed.errorMessage, failed.retryable,
            0);
        trace = failed.traceCopy();
        ticket = failed.ticket;
        if (ticket != null) {
            ticket.retain();
        }
    }

    /** A failure reported by a completing target's completion, possibly with a least wait before the retry. */
    PendingDelivery(final TargetBinding target, final byte[] event, final long ingestionTimeMillis,
                    final int retriesDone, final String errorCode, final String errorMessage, final boolean retryable,
                    final long retryAfterMillis) {
        this.target = target;
        failedAtMillis = target.router().clock().time();
        this.event = event;
        this.ingestionTimeMillis = ingestionTimeMillis;
        this.retriesDone = retriesDone;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
        this.retryable = retryable;
        notBeforeMillis = retryAfterMillis > 0 ? failedAtMillis + retryAfterMillis : 0;
    }

    /** Records the outcome of a failed attempt; the backoff counts from when it failed. */
    void failedWith(final Attempt failed, final long atMillis) {
        failedAtMillis = atMillis;
        failedWith(failed);
    }

    private void failedWith(final Attempt failed) {
        errorCode = failed.errorCode;
        errorMessage = failed.errorMessage;
        retryable = failed.retryable;
        notBeforeMillis = 0;
    }
}
