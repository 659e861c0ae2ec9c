package dev.eventrouter.target;

/**
 * A target whose deliveries finish later, on another thread (an HTTP call, a Kafka send): the handler starts the
 * delivery without blocking and reports its outcome through the {@link Completion}. The router bounds how many are
 * in flight per target ({@link Target#queueCapacity()}); over the bound a delivery fails as throttled and is
 * retried.
 *
 * <p>Threading: called on the router's match thread (first attempts) and on its retry thread (retries), so it must
 * be thread-safe and must not block: hand the work to other threads. The {@link Delivery} and its buffers stay
 * valid until the completion is called, not after. Throwing from {@code onEvent} before calling the completion
 * fails the attempt (retryable unless a non-retryable {@link TargetException}); a throw after it is ignored.
 */
@FunctionalInterface
public interface CompletingHandler {
    /**
     * @param delivery   the payload and what it is for; valid until the completion is called.
     * @param completion call exactly once with the outcome.
     * @throws Exception when the delivery cannot be started.
     */
    void onEvent(Delivery delivery, Completion completion) throws Exception;
}
