package dev.eventrouter.target;

/**
 * Receives what a target could not take: retries exhausted, a non-retryable failure, or (with
 * {@code router.close()}) what was still pending. Called only on the router's retry thread, one at a time. If it
 * throws, the event is counted as failed to dead-letter and reported by {@code close()}.
 */
@FunctionalInterface
public interface DeadLetterHandler {
    /** @param deadLetter the event and why it was not delivered. */
    void onDeadLetter(DeadLetter deadLetter) throws Exception;
}
