package dev.eventrouter.event;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** ISO-8601 UTC times always printed with milliseconds ({@code 2026-11-28T10:00:01.000Z}), for records and tools. */
public final class IsoTime {
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    private IsoTime() {
    }

    /** @return the epoch-millisecond time with three fraction digits, whole seconds included. */
    public static String millis(final long epochMillis) {
        return MILLIS.format(Instant.ofEpochMilli(epochMillis));
    }
}
