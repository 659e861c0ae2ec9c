package dev.eventrouter.bus;

/**
 * Layout of one event in the multi-producer handoff buffer (an Agrona {@code ManyToOneRingBuffer} record, whose
 * message type id is the destination bus index plus one):
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                             Flags                             |
 *  +---------------------------------------------------------------+
 *  |                                                               |
 *  +                  Ingestion time (epoch ms)                    +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Trace header length (bytes)                  |
 *  +---------------------------------------------------------------+
 *  |                 Event envelope (UTF-8 JSON)                  ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |            Trace header (ASCII; absent when length 0)        ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Flags: {@link #FROM_OTHER_BUS} marks an event delivered by a bus target, which bus targets do not forward again;
 * {@link #VALIDATED} bytes the publisher already validated, with {@link #SPAN_COUNT_SHIFT} spans of their large
 * containers after the trace header;
 * the high 16 bits hold the id of the {@link ReplayFilter} of a replayed event (0: not replayed).
 */
final class HandoffDescriptor {
    /** Offset of the flags. */
    static final int FLAGS_OFFSET = 0;
    /** Offset of the ingestion time. */
    static final int INGESTION_TIME_OFFSET = 4;
    /** Offset of the trace header's length. */
    static final int TRACE_LENGTH_OFFSET = 12;
    /** Offset of the event bytes. */
    static final int EVENT_OFFSET = 16;
    /** Bytes before the event. */
    static final int HEADER_LENGTH = EVENT_OFFSET;
    /** The event arrived through a bus target: it has made its one bus-to-bus hop. */
    static final int FROM_OTHER_BUS = 1;
    /**
     * The publisher found the bytes a well-formed event within the router's limits (PutEvents, which encodes the
     * envelope around a validated detail, and raw publishes with validation on): the match stage skips subtrees no
     * rule names without validating them again. Replays and unvalidated publishes do not carry it.
     */
    static final int VALIDATED = 2;
    /**
     * Shift of the number of container spans in the flags (bits 8-15): that many (start, end) int pairs, relative to
     * the event's first byte, follow the trace header (see {@link dev.eventrouter.match.EventMatcher#recordSpans}).
     */
    static final int SPAN_COUNT_SHIFT = 8;
    /** Most spans an event carries. */
    static final int MAX_SPANS = dev.eventrouter.match.EventMatcher.MAX_SPANS;
    /** Shift of the replay filter id in the flags. */
    static final int REPLAY_FILTER_SHIFT = 16;
    /** Most replay filters alive at once. */
    static final int MAX_REPLAY_FILTERS = 0xFFFF;

    private HandoffDescriptor() {
    }
}
