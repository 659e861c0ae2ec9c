package dev.eventrouter.bus;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A flyweight over one ring slot, as a {@link RingStage} sees it. Single-threaded; valid only during
 * {@link RingStage#onEvent}; reading it does not allocate.
 */
public final class StagedEvent {
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
    private EventBus bus;
    private int length;
    private int flags;
    private long ingestionTimeMillis;

    StagedEvent wrap(final EventBus eventBus, final EventSlot slot) {
        bus = eventBus;
        buffer.wrap(slot.bytes, 0, slot.length);
        length = slot.length;
        flags = slot.flags;
        ingestionTimeMillis = slot.ingestionTimeMillis;
        return this;
    }

    /** @return the bus the event was published to. */
    public EventBus bus() {
        return bus;
    }

    /** @return the event envelope, from index 0 to {@link #length()}. */
    public DirectBuffer buffer() {
        return buffer;
    }

    /** @return the envelope's length in bytes. */
    public int length() {
        return length;
    }

    /** @return when the bus accepted the event, epoch milliseconds. */
    public long ingestionTimeMillis() {
        return ingestionTimeMillis;
    }

    /** @return whether the event arrived through another bus's bus target. */
    public boolean isFromOtherBus() {
        return (flags & HandoffDescriptor.FROM_OTHER_BUS) != 0;
    }
}
