package dev.eventrouter.bus;

import dev.eventrouter.target.Delivery;
import dev.eventrouter.target.TargetInput;

/**
 * Per-thread scratch for one delivery attempt: the reusable {@link Delivery} flyweight, the context reserved
 * variables read, and the outcome of a failed attempt. Each delivering thread (match, retry, each worker) owns one.
 */
final class Attempt implements TargetInput.ShapeContext {
    final Delivery delivery = new Delivery();
    /** The attempted event's X-Ray trace header, ASCII bytes {@code [0, traceLength)}; 0 for none. */
    byte[] trace = EventSlot.NO_TRACE;
    int traceLength;

    /** Sets the trace header of the event about to be attempted. */
    void trace(final byte[] bytes, final int length) {
        trace = bytes;
        traceLength = length;
    }

    /** @return a copy of the trace header for a delivery that outlives the attempt ({@code NO_TRACE} for none). */
    byte[] traceCopy() {
        return EventSlot.traceCopy(trace, traceLength);
    }
    /** The attempted event's ticket when the router tracks ends ({@link EndLedger}); else null. */
    EndLedger.Ticket ticket;
    String ruleName;
    String ruleArn;
    long ingestionTimeMillis;
    String errorCode;
    String errorMessage;
    boolean retryable;

    void fail(final String code, final String message, final boolean canRetry) {
        errorCode = code;
        errorMessage = message;
        retryable = canRetry;
    }

    @Override
    public String ruleName() {
        return ruleName;
    }

    @Override
    public String ruleArn() {
        return ruleArn;
    }

    @Override
    public long ingestionTimeMillis() {
        return ingestionTimeMillis;
    }
}
