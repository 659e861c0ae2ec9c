package dev.eventrouter.source;

/** A queue that accepts messages (a pipe's or a mapping's destination). */
@FunctionalInterface
public interface QueueSink {
    /**
     * Sends a message; durable (as the queue promises) when this returns.
     *
     * @return its id.
     */
    long send(byte[] body);
}
