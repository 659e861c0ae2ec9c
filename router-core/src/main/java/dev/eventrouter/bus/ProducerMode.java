package dev.eventrouter.bus;

/** How publisher threads reach the router's ring. */
public enum ProducerMode {
    /**
     * Publishers copy events into a multi-producer handoff buffer (Agrona {@code ManyToOneRingBuffer}); one ingest
     * thread owns the ring's sequence ({@code ProducerType.SINGLE}). Publishers never contend on the ring.
     */
    SINGLE_WRITER,
    /**
     * Publishers claim ring slots themselves through Disruptor's multi-producer sequencer (a CAS per event): one
     * copy and one thread fewer, at the price of contention on the ring's cursor.
     */
    MULTI_PRODUCER
}
