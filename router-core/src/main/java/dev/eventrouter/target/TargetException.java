package dev.eventrouter.target;

/**
 * A failure a target reports with an EventBridge error code, saying whether a retry may succeed. Non-retryable
 * failures go straight to the dead-letter target, as EventBridge does for {@code NO_PERMISSIONS} or
 * {@code NO_RESOURCE}.
 */
public class TargetException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The target is throttled; retryable. */
    public static final String THROTTLING = "THROTTLING";
    /** The target timed out; retryable. */
    public static final String TIMEOUT = "TIMEOUT";
    /** The target does not exist; not retryable. */
    public static final String NO_RESOURCE = "NO_RESOURCE";
    /** The target refused the caller; not retryable. */
    public static final String NO_PERMISSIONS = "NO_PERMISSIONS";

    private final String errorCode;
    private final boolean retryable;

    /**
     * @param errorCode the dead-letter {@code ERROR_CODE}.
     * @param message   the dead-letter {@code ERROR_MESSAGE}.
     * @param retryable whether a retry may succeed.
     */
    public TargetException(final String errorCode, final String message, final boolean retryable) {
        super(message, null, false, false);
        this.errorCode = errorCode;
        this.retryable = retryable;
    }

    /** @return the error code. */
    public String errorCode() {
        return errorCode;
    }

    /** @return whether a retry may succeed. */
    public boolean isRetryable() {
        return retryable;
    }
}
