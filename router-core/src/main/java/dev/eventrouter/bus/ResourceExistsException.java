package dev.eventrouter.bus;

/**
 * A call would create a bus, archive, replay or policy statement that already exists. An
 * {@link IllegalArgumentException}, so existing callers keep catching it; servers map it by type to AWS's
 * {@code ResourceAlreadyExistsException}.
 */
public class ResourceExistsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ResourceExistsException(final String message) {
        super(message);
    }
}
