package dev.eventrouter.target;

/**
 * An in-process target. Returning means the delivery succeeded; throwing means it failed: a
 * {@link TargetException} says whether it may succeed on a retry and with which error code, any other exception
 * counts as retryable ({@code HANDLER_ERROR}). The {@link Delivery} is a flyweight valid only during the call.
 *
 * <p>Threading: a synchronous target is called on the router's match thread (first attempts) and on its retry
 * thread (retries), so a handler with retries enabled must be thread-safe; an asynchronous target is called only
 * on its own worker thread. A synchronous handler that blocks stalls its bus: make slow work asynchronous.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * @param delivery the payload and what it is for; copy what must outlive the call.
     * @throws Exception when the delivery failed.
     */
    void onEvent(Delivery delivery) throws Exception;
}
