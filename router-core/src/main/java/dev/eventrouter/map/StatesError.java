package dev.eventrouter.map;

/**
 * An error an {@link ItemProcessor} raises with a Step Functions error name (a Fail state's {@code Error} and
 * {@code Cause}, or a task's error such as {@code States.Timeout}). Any other exception from a processor is
 * {@code States.TaskFailed} with the exception as its cause.
 */
public final class StatesError extends Exception {
    private static final long serialVersionUID = 1L;
    /** The error name of a processor that threw anything but a {@link StatesError}. */
    public static final String TASK_FAILED = "States.TaskFailed";

    private final String error;
    private final String cause;

    /**
     * @param error the error name, e.g. {@code OrderRejected} or {@code States.Timeout}.
     * @param cause the cause, free text.
     */
    public StatesError(final String error, final String cause) {
        super(error + ": " + cause, null, false, false);
        if (error == null || error.isEmpty()) {
            throw new IllegalArgumentException("a States error needs a name");
        }
        this.error = error;
        this.cause = cause;
    }

    /** @return the error name. */
    public String error() {
        return error;
    }

    /** @return the cause. */
    public String errorCause() {
        return cause;
    }
}
