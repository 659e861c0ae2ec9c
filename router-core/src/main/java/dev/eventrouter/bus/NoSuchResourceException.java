package dev.eventrouter.bus;

/**
 * A call named a bus, rule, archive or replay that does not exist. An {@link IllegalArgumentException}, so existing
 * callers keep catching it; servers map it by type to AWS's {@code ResourceNotFoundException}.
 */
public class NoSuchResourceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NoSuchResourceException(final String message) {
        super(message);
    }
}
