package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TimeArgumentTest {
    private static final long NOW = 1_795_860_000_000L;

    @Test
    void shouldReadEveryAcceptedForm() {
        assertEquals(NOW, TimeArgument.parse("--from", "2026-11-28T10:00:00Z", 0));
        assertEquals(1_700_000_000_123L, TimeArgument.parse("--from", "1700000000123", NOW));
        assertEquals(NOW, TimeArgument.parse("--from", "now", NOW));
        assertEquals(NOW - 30_000, TimeArgument.parse("--from", "-30s", NOW));
        assertEquals(NOW - 15 * 60_000, TimeArgument.parse("--from", "-15m", NOW));
        assertEquals(NOW - 2 * 3_600_000, TimeArgument.parse("--from", "-2h", NOW));
        assertEquals(NOW - 7 * 86_400_000L, TimeArgument.parse("--from", "-7d", NOW));
    }

    @Test
    void shouldMakeMissingEndsOpenAndRefuseEmptyRanges() {
        assertEquals(new TimeArgument.Range(Long.MIN_VALUE, NOW), TimeArgument.range(null, "now", NOW));
        assertEquals(new TimeArgument.Range(NOW - 60_000, Long.MAX_VALUE), TimeArgument.range("-1m", null, NOW));
        assertEquals("--from must be before --to",
            assertThrows(UserError.class, () -> TimeArgument.range("now", "now", NOW)).getMessage());
        assertEquals("--to: cannot read time \"-5w\": use ISO-8601 (2026-11-28T10:00:00Z), epoch milliseconds, or "
            + "relative (-15m, -2h, -7d)", assertThrows(UserError.class, () -> TimeArgument.range("0", "-5w", NOW))
            .getMessage());
    }
}
