package dev.eventrouter.event;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * CityLots events that carry a fixed-width sequence number as their first field, {@code {"seq":"000000000042",...}},
 * so a latency probe can stamp an event before publishing and recognise it in a handler without parsing or
 * allocating. The number is a string because JSON numbers have no leading zeros. Stateless helpers; the arrays
 * returned are the caller's to stamp.
 */
public final class SequencedEvents {
    /** Digits of the sequence number. */
    public static final int DIGITS = 12;
    private static final byte[] PREFIX = "{\"seq\":\"".getBytes(StandardCharsets.US_ASCII);
    /** Offset of the first digit in every event. */
    public static final int OFFSET = PREFIX.length;

    private SequencedEvents() {
    }

    /** @return {@code count} distinct CityLots events with sequence 0, from {@code seed}. */
    public static byte[][] generate(final long seed, final int count) {
        final CityLots lots = new CityLots(seed);
        final byte[][] events = new byte[count][];
        for (int i = 0; i < count; i++) {
            final byte[] lot = lots.nextBytes();
            final byte[] event = new byte[OFFSET + DIGITS + 2 + lot.length - 1];
            System.arraycopy(PREFIX, 0, event, 0, OFFSET);
            event[OFFSET + DIGITS] = '"';
            event[OFFSET + DIGITS + 1] = ',';
            System.arraycopy(lot, 1, event, OFFSET + DIGITS + 2, lot.length - 1);
            stamp(event, 0);
            events[i] = event;
        }
        return events;
    }

    /** Writes {@code seq} (modulo 10^12) into an event from {@link #generate}. */
    public static void stamp(final byte[] event, final long seq) {
        long value = seq;
        for (int i = DIGITS - 1; i >= 0; i--) {
            event[OFFSET + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** @return the sequence number of an event held in a buffer from index 0. */
    public static long sequence(final DirectBuffer event) {
        long seq = 0;
        for (int i = 0; i < DIGITS; i++) {
            seq = seq * 10 + (event.getByte(OFFSET + i) - '0');
        }
        return seq;
    }
}
