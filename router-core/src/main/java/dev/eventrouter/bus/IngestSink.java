package dev.eventrouter.bus;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Where a diverted bus's accepted events go instead of its ring: a durable log the events are read back from
 * (a distributed bus appends them to a Kafka topic, and the node owning each event's partition publishes it through
 * the bus's {@link EventBus.Ingress}). See {@link EventBus#divert}.
 *
 * <p>PutEvents and raw publishes to the bus validate, authorize and encode each event as they do for any bus, then
 * hand it to {@link #append} and answer once the returned future completed: an entry is accepted only when its sink
 * acknowledged it, and refused with {@code InternalFailure} when the future failed or did not complete within
 * {@link #ackTimeout}.
 */
public interface IngestSink {
    /**
     * Takes one accepted event. The bytes are the publisher's buffer: copy what must outlive the call. Called on the
     * publisher's thread; must not block for long (hand the event to an asynchronous client).
     *
     * @param eventId the event's {@code id} when the router made it (PutEvents), else {@code null} (a raw publish:
     *                the id is in the bytes).
     * @return a future completing when the event is durable, or exceptionally with why it is not.
     */
    CompletableFuture<?> append(EventBus bus, String eventId, byte[] bytes, int offset, int length);

    /** @return how long a publisher waits for {@link #append}'s future before refusing the event. */
    Duration ackTimeout();
}
