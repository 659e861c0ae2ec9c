package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import org.junit.jupiter.api.Test;

class LimitsTest {
    @Test
    void shouldNameTheInvalidLimit() {
        assertEquals("maxEntryBytes=0: must be at least 1",
            assertThrows(IllegalArgumentException.class, () -> new IngestLimits(0, 10)).getMessage());
        assertEquals("maxDetailDepth=0: must be between 1 and 10000",
            assertThrows(IllegalArgumentException.class, () -> new IngestLimits(10, 0)).getMessage());
        assertEquals("maxBytes=1: must be at least 2",
            assertThrows(IllegalArgumentException.class, () -> new EventLimits(1, 10)).getMessage());
        assertEquals("maxDepth=10001: must be between 1 and 10000",
            assertThrows(IllegalArgumentException.class, () -> new EventLimits(100, 10_001)).getMessage());
    }

    @Test
    void shouldReportMalformedEventsWithoutAStackTrace() {
        assertEquals(0, new MalformedEventException(3, "x").getStackTrace().length);
    }
}
