package dev.eventrouter.target;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A flyweight over one delivery: the payload (the event, or its shaped input) and the rule and target it is for.
 * Single-threaded and reused; valid only during {@link EventHandler#onEvent(Delivery)} (for a
 * {@link CompletingHandler}, until its completion). Reading the payload does
 * not allocate; {@link #payloadAsString()} does.
 */
public final class Delivery {
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer event = new UnsafeBuffer(new byte[0]);
    private int length;
    private String ruleName;
    private String ruleArn;
    private String targetId;
    private int attempt;
    private long ingestionTimeMillis;
    private final UnsafeBuffer traceHeader = new UnsafeBuffer(new byte[0]);
    private int traceHeaderLength;

    /**
     * Points the flyweight at a delivery (called by the router before each handler call).
     *
     * @param bytes               payload bytes.
     * @param offset              first payload byte.
     * @param length              payload length.
     * @param ruleName            the matched rule.
     * @param ruleArn             its ARN.
     * @param targetId            the target's id.
     * @param attempt             1 for the first attempt, 2 for the first retry, and so on.
     * @param ingestionTimeMillis when the bus accepted the event.
     * @return this flyweight.
     */
    public Delivery wrap(final byte[] bytes, final int offset, final int length, final String ruleName,
                         final String ruleArn, final String targetId, final int attempt,
                         final long ingestionTimeMillis) {
        payload.wrap(bytes, offset, length);
        event.wrap(bytes, offset, length);
        this.length = length;
        this.ruleName = ruleName;
        this.ruleArn = ruleArn;
        this.targetId = targetId;
        this.attempt = attempt;
        this.ingestionTimeMillis = ingestionTimeMillis;
        return this;
    }

    /**
     * Points the event at the matched event when the payload is its shaped input (Input, InputPath or an input
     * transformer); call after {@link #wrap}.
     *
     * @param bytes  the event as the bus accepted it.
     * @param offset its first byte.
     * @param length its length.
     * @return this flyweight.
     */
    public Delivery withEvent(final byte[] bytes, final int offset, final int length) {
        event.wrap(bytes, offset, length);
        return this;
    }

    /**
     * Points the trace header at the event's X-Ray trace header (PutEvents' TraceHeader); call after {@link #wrap}.
     *
     * @param bytes  ASCII bytes.
     * @param length their count; 0 when the event has none.
     * @return this flyweight.
     */
    public Delivery withTraceHeader(final byte[] bytes, final int length) {
        traceHeaderLength = length;
        if (length > 0) {
            traceHeader.wrap(bytes, 0, length);
        }
        return this;
    }

    /**
     * @return the event's X-Ray trace header (PutEvents' TraceHeader, carried beside the event as EventBridge carries
     *         it to targets), ASCII from index 0 to {@link #traceHeaderLength()}; read nothing when the length is 0.
     */
    public DirectBuffer traceHeader() {
        return traceHeader;
    }

    /** @return the trace header's length; 0 when the event has none. */
    public int traceHeaderLength() {
        return traceHeaderLength;
    }

    /** @return the trace header as text (allocates), or {@code null} when the event has none. */
    public String traceHeaderAsString() {
        return traceHeaderLength == 0 ? null : traceHeader.getStringWithoutLengthAscii(0, traceHeaderLength);
    }

    /**
     * @return the event as the bus accepted it, from index 0 to its capacity: the payload itself when the target
     *         takes the whole event (dynamic parameters such as {@code $.detail.id} are read from here, never from
     *         shaped input, as EventBridge does).
     */
    public DirectBuffer event() {
        return event;
    }

    /** @return the payload, from index 0 to {@link #length()}. */
    public DirectBuffer payload() {
        return payload;
    }

    /** @return the payload's length in bytes. */
    public int length() {
        return length;
    }

    /** @return the payload as text (allocates). */
    public String payloadAsString() {
        final byte[] copy = new byte[length];
        payload.getBytes(0, copy);
        return new String(copy, StandardCharsets.UTF_8);
    }

    /** @return a copy of the payload's bytes (allocates). */
    public byte[] payloadCopy() {
        final byte[] copy = new byte[length];
        payload.getBytes(0, copy);
        return copy;
    }

    /** @return the name of the rule that matched. */
    public String ruleName() {
        return ruleName;
    }

    /** @return the ARN of the rule that matched. */
    public String ruleArn() {
        return ruleArn;
    }

    /** @return the target's id. */
    public String targetId() {
        return targetId;
    }

    /** @return 1 for the first attempt, 2 for the first retry, and so on. */
    public int attempt() {
        return attempt;
    }

    /** @return when the bus accepted the event, epoch milliseconds. */
    public long ingestionTimeMillis() {
        return ingestionTimeMillis;
    }
}
