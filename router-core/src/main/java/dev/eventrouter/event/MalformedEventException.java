package dev.eventrouter.event;

/**
 * Event bytes that are not a well-formed JSON object, or that exceed an {@link EventLimits} limit: the byte offset
 * where the problem was found and the reason. The message reads
 * {@code malformed event at byte offset 17: expected ':' after a field name}. It carries no stack trace: a malformed
 * event is an expected outcome at ingest (PutEvents answers it per entry), and the offset says where.
 */
public final class MalformedEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long offset;
    private final String reason;

    /**
     * @param offset byte offset from the start of the event.
     * @param reason what is wrong.
     */
    public MalformedEventException(final long offset, final String reason) {
        super("malformed event at byte offset " + offset + ": " + reason, null, false, false);
        this.offset = offset;
        this.reason = reason;
    }

    /** @return byte offset from the start of the event. */
    public long offset() {
        return offset;
    }

    /** @return what is wrong, without the offset. */
    public String reason() {
        return reason;
    }
}
