package dev.eventrouter.target;

/**
 * How a {@link CompletingHandler} reports the outcome of one delivery, later and from any thread. Exactly one call
 * counts; later calls are ignored. After the call the delivery's buffers may be reused: read what is needed first.
 */
public interface Completion {
    /** The target accepted the delivery. */
    void succeeded();

    /**
     * The delivery failed; a retryable failure is retried under the target's retry policy, any other goes to the
     * dead-letter target with the exception's code and message.
     *
     * @param failure the error code, message and whether a retry may succeed.
     */
    default void failed(final TargetException failure) {
        failed(failure, 0);
    }

    /**
     * The delivery failed and the target asked for the next attempt to wait ({@code Retry-After}): the retry comes no
     * earlier than that and no earlier than the retry policy's backoff, whichever is later, within the policy's
     * maximum event age.
     *
     * @param failure          the error code, message and whether a retry may succeed.
     * @param retryAfterMillis the least wait before a retry; 0 for none.
     */
    void failed(TargetException failure, long retryAfterMillis);
}
