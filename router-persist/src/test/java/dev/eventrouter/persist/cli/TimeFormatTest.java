package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Times the CLI prints (archive describe/ls, replay's "last event time") always carry milliseconds: Instant's own
 * toString drops the fraction on a whole second, which made ReplayInterruptTest fail about one run in ten.
 */
class TimeFormatTest {
    @Test
    void shouldPrintMillisecondsEvenOnAWholeSecond() {
        assertEquals("2026-11-28T10:00:01.000Z", ArchiveCommand.time(Instant.parse("2026-11-28T10:00:01Z")
            .toEpochMilli()));
        assertEquals("2026-11-28T10:00:01.007Z", ArchiveCommand.time(Instant.parse("2026-11-28T10:00:01.007Z")
            .toEpochMilli()));
        assertEquals("1970-01-01T00:00:00.000Z", ArchiveCommand.time(0));
        assertEquals("-", ArchiveCommand.time(-1));
    }
}
