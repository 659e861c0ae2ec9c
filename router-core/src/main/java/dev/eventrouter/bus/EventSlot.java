package dev.eventrouter.bus;

import org.agrona.DirectBuffer;

/**
 * One preallocated ring entry: an event's bytes and where it goes. Written only by the single writer, read by the
 * stages behind it; the byte array is reused and grows (once) only for an event larger than any before.
 */
final class EventSlot {
    byte[] bytes;
    int length;
    /** The event's X-Ray trace header (ASCII), carried beside it; {@code traceLength} 0 when it has none. */
    byte[] trace = NO_TRACE;
    int traceLength;
    int busIndex;
    int flags;
    long ingestionTimeMillis;

    EventSlot(final int capacity) {
        bytes = new byte[capacity];
    }

    static final byte[] NO_TRACE = new byte[0];
    /** An event without container spans (see {@link HandoffDescriptor#SPAN_COUNT_SHIFT}). */
    static final int[] NO_SPANS = new int[0];

    /** @return {@code buffer} when it holds {@code length} trace bytes, else a larger one (at least 64 bytes). */
    static byte[] traceRoom(final byte[] buffer, final int length) {
        return buffer.length >= length ? buffer : new byte[Math.max(length, 64)];
    }

    /** @return a copy of trace bytes {@code [0, length)} that outlives their buffer; {@link #NO_TRACE} for none. */
    static byte[] traceCopy(final byte[] trace, final int length) {
        return length == 0 ? NO_TRACE : java.util.Arrays.copyOf(trace, length);
    }

    /** Bus index of a slot that holds no event (its publisher failed after claiming it). */
    static final int VOID = -1;

    /** Marks the slot as holding no event. */
    void clear() {
        busIndex = VOID;
        length = 0;
        traceLength = 0;
        spanCount = 0;
    }

    /** Spans of the event's large containers, from the publisher's validation (see {@link HandoffDescriptor}). */
    final int[] spans = new int[2 * HandoffDescriptor.MAX_SPANS];
    int spanCount;

    /** @return the number of spans the flags of a handoff record announce. */
    static int spanCountOf(final int flags) {
        return (flags >>> HandoffDescriptor.SPAN_COUNT_SHIFT) & 0xFF;
    }

    /** Sets the spans (multi-producer mode, after {@link #set(int, int, long, byte[], int, int, byte[], int)}). */
    void spans(final int[] from, final int count) {
        System.arraycopy(from, 0, spans, 0, 2 * count);
        spanCount = count;
    }

    /** Copies an event from a publisher's array (multi-producer mode). */
    void set(final int bus, final int eventFlags, final long ingestionTime, final byte[] source, final int offset,
             final int eventLength, final byte[] traceBytes, final int traceBytesLength) {
        traceLength = traceBytesLength;
        trace = traceRoom(trace, traceLength);
        System.arraycopy(traceBytes, 0, trace, 0, traceLength);
        busIndex = bus;
        flags = eventFlags;
        ingestionTimeMillis = ingestionTime;
        length = eventLength;
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
        }
        System.arraycopy(source, offset, bytes, 0, length);
    }

    /** Copies an event out of the handoff buffer. */
    void set(final int bus, final DirectBuffer buffer, final int index, final int recordLength) {
        busIndex = bus;
        flags = buffer.getInt(index + HandoffDescriptor.FLAGS_OFFSET);
        ingestionTimeMillis = buffer.getLong(index + HandoffDescriptor.INGESTION_TIME_OFFSET);
        traceLength = buffer.getInt(index + HandoffDescriptor.TRACE_LENGTH_OFFSET);
        spanCount = spanCountOf(flags);
        length = recordLength - HandoffDescriptor.HEADER_LENGTH - traceLength - spanCount * 2 * Integer.BYTES;
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
        }
        buffer.getBytes(index + HandoffDescriptor.EVENT_OFFSET, bytes, 0, length);
        trace = traceRoom(trace, traceLength);
        buffer.getBytes(index + HandoffDescriptor.EVENT_OFFSET + length, trace, 0, traceLength);
        final int spansAt = index + HandoffDescriptor.EVENT_OFFSET + length + traceLength;
        for (int i = 0; i < 2 * spanCount; i++) {
            spans[i] = buffer.getInt(spansAt + i * Integer.BYTES);
        }
    }

}
