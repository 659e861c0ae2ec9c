package dev.eventrouter.persist.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses time options: ISO-8601 ({@code 2026-11-28T10:00:00Z}), epoch milliseconds ({@code 1795860000000}), or
 * relative to now ({@code -15m}, {@code -2h}, {@code -30s}, {@code -7d}, {@code now}).
 */
final class TimeArgument {
    private static final Pattern RELATIVE = Pattern.compile("-(\\d{1,9})([smhd])");

    private TimeArgument() {
    }

    /** A time range {@code [start, end)} in epoch milliseconds. */
    record Range(long start, long end) {
    }

    /**
     * Parses {@code --from} and {@code --to}; a missing one is open-ended.
     *
     * @throws UserError naming the bad option, or when the range is empty.
     */
    static Range range(final String from, final String to, final long nowMillis) {
        final long start = from == null ? Long.MIN_VALUE : parse("--from", from, nowMillis);
        final long end = to == null ? Long.MAX_VALUE : parse("--to", to, nowMillis);
        if (start >= end) {
            throw new UserError("--from must be before --to");
        }
        return new Range(start, end);
    }

    /**
     * @return epoch milliseconds.
     * @throws UserError naming the option and the accepted forms.
     */
    static long parse(final String option, final String text, final long nowMillis) {
        if ("now".equals(text)) {
            return nowMillis;
        }
        if (text.matches("\\d{1,16}")) {
            return Long.parseLong(text);
        }
        final Matcher relative = RELATIVE.matcher(text);
        if (relative.matches()) {
            final long amount = Long.parseLong(relative.group(1));
            final long unit = switch (relative.group(2)) {
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            return nowMillis - amount * unit;
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new UserError(option + ": cannot read time \"" + text + "\": use ISO-8601 (2026-11-28T10:00:00Z), "
                + "epoch milliseconds, or relative (-15m, -2h, -7d)");
        }
    }
}
