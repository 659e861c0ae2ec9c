package dev.eventrouter.bus;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.BitSet;
import java.util.Locale;

/**
 * A rule's {@code ScheduleExpression} in EventBridge's dialect (user guide, "Creating a rule that runs on a
 * schedule", the rate and cron expression references): {@code rate(N minute|minutes|hour|hours|day|days)} or
 * {@code cron(Minutes Hours Day-of-month Month Day-of-week Year)}, always UTC, one-minute resolution.
 *
 * <p>Cron fields take {@code ,} lists, {@code -} ranges, {@code *} and {@code /} increments; day-of-month also
 * {@code ?}, {@code L} (last day), {@code nW} (nearest weekday to day n, within the month) and {@code LW}; day-of-week
 * ({@code 1-7} or {@code SUN-SAT}) also {@code ?}, {@code L} (Saturday, the last day of the week), {@code nL} (the
 * last day n of the month) and {@code n#k} (the k-th day n of the month). Exactly one of day-of-month and
 * day-of-week is {@code ?}. Months are {@code 1-12} or {@code JAN-DEC}, years 1970-2199.
 *
 * <p>A rate fires every period counted from when the rule was created (the first time one period after it). Immutable
 * and thread-safe.
 */
public final class ScheduleExpression {
    private static final String INVALID = "Parameter ScheduleExpression is not valid.";
    private static final long MINUTE = 60_000L;
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
        "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    private static final int FIRST_YEAR = 1970;
    private static final int LAST_YEAR = 2199;

    private final String text;
    /** The rate's period, or 0 for a cron expression. */
    private final long periodMillis;
    private final BitSet minutes = new BitSet(60);
    private final BitSet hours = new BitSet(24);
    private final BitSet months = new BitSet(13);
    private final BitSet years = new BitSet(LAST_YEAR + 1);
    private final BitSet daysOfMonth = new BitSet(32);
    /** Day-of-month specials: L (last day), nW (nearest weekday to n; 32 for LW). */
    private boolean lastDayOfMonth;
    private int nearestWeekday;
    /** Day-of-week, EventBridge's numbering: 1 = Sunday ... 7 = Saturday. */
    private final BitSet daysOfWeek = new BitSet(8);
    /** nL: the last day n of the month (0 when absent); n#k: the k-th day n (0 when absent). */
    private int lastWeekdayOfMonth;
    private int nthDay;
    private int nth;
    private boolean dayOfMonthGiven;

    private ScheduleExpression(final String text, final long periodMillis) {
        this.text = text;
        this.periodMillis = periodMillis;
    }

    /**
     * @return the parsed expression.
     * @throws IllegalArgumentException with AWS's message ({@code Parameter ScheduleExpression is not valid.}) and
     *                                  the reason, naming the field.
     */
    public static ScheduleExpression parse(final String expression) {
        if (expression == null || expression.isEmpty() || expression.length() > 256) {
            throw invalid("ScheduleExpression must be 1-256 characters");
        }
        if (expression.startsWith("rate(") && expression.endsWith(")")) {
            return rate(expression, expression.substring(5, expression.length() - 1));
        }
        if (expression.startsWith("cron(") && expression.endsWith(")")) {
            return cron(expression, expression.substring(5, expression.length() - 1));
        }
        throw invalid("'" + expression + "' is neither rate(value unit) nor cron(fields)");
    }

    private static IllegalArgumentException invalid(final String reason) {
        return new IllegalArgumentException(INVALID + " Reason: " + reason + ".");
    }

    private static ScheduleExpression rate(final String text, final String body) {
        final String[] parts = body.split(" ", -1);
        if (parts.length != 2) {
            throw invalid("rate() takes a value and a unit, got '" + body + "'");
        }
        final long value;
        try {
            value = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            throw invalid("the rate's value must be a positive whole number, got '" + parts[0] + "'");
        }
        if (value < 1 || value > 1_000_000) {
            throw invalid("the rate's value must be a positive whole number, got '" + parts[0] + "'");
        }
        final long unit = switch (parts[1]) {
            case "minute", "minutes" -> MINUTE;
            case "hour", "hours" -> 60 * MINUTE;
            case "day", "days" -> 24 * 60 * MINUTE;
            default -> throw invalid("the rate's unit must be minute(s), hour(s) or day(s), got '" + parts[1] + "'");
        };
        // "If the value is equal to 1, then the unit must be singular ... greater than 1, the unit must be plural"
        if ((value == 1) != !parts[1].endsWith("s")) {
            throw invalid("a rate of 1 takes a singular unit and a larger one a plural unit, got '" + body + "'");
        }
        return new ScheduleExpression(text, value * unit);
    }

    private static ScheduleExpression cron(final String text, final String body) {
        final String[] fields = body.trim().split("\\s+");
        if (fields.length != 6) {
            throw invalid("cron() takes six fields (Minutes Hours Day-of-month Month Day-of-week Year), got "
                + fields.length);
        }
        final ScheduleExpression cron = new ScheduleExpression(text, 0);
        cron.field(fields[0], "Minutes", 0, 59, null, cron.minutes);
        cron.field(fields[1], "Hours", 0, 23, null, cron.hours);
        cron.field(fields[3], "Month", 1, 12, MONTHS, cron.months);
        cron.field(fields[5], "Year", FIRST_YEAR, LAST_YEAR, null, cron.years);
        final boolean domAny = fields[2].equals("?");
        final boolean dowAny = fields[4].equals("?");
        if (domAny == dowAny) {
            throw invalid("exactly one of Day-of-month and Day-of-week must be '?', got '" + fields[2] + "' and '"
                + fields[4] + "'");
        }
        if (!domAny) {
            cron.dayOfMonth(fields[2]);
        } else {
            cron.dayOfWeek(fields[4]);
        }
        return cron;
    }

    private void dayOfMonth(final String field) {
        dayOfMonthGiven = true;
        if (field.equals("L")) {
            lastDayOfMonth = true;
        } else if (field.equals("LW")) {
            nearestWeekday = 32;
        } else if (field.endsWith("W")) {
            nearestWeekday = number(field.substring(0, field.length() - 1), "Day-of-month", 1, 31, null);
        } else {
            field(field, "Day-of-month", 1, 31, null, daysOfMonth);
        }
    }

    private void dayOfWeek(final String field) {
        if (field.equals("L")) {
            daysOfWeek.set(7);
        } else if (field.length() > 1 && field.endsWith("L")) {
            lastWeekdayOfMonth = number(field.substring(0, field.length() - 1), "Day-of-week", 1, 7, DAYS);
        } else if (field.contains("#")) {
            final int hash = field.indexOf('#');
            nthDay = number(field.substring(0, hash), "Day-of-week", 1, 7, DAYS);
            nth = number(field.substring(hash + 1), "Day-of-week", 1, 5, null);
        } else {
            field(field, "Day-of-week", 1, 7, DAYS, daysOfWeek);
        }
    }

    /** Parses a list of values, ranges and increments into {@code into}. */
    private void field(final String field, final String name, final int min, final int max, final String[] names,
                       final BitSet into) {
        for (String part : field.split(",", -1)) {
            int step = 1;
            String range = part;
            final int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), name, 1, max - min + 1, null);
                range = part.substring(0, slash);
            }
            final int from;
            final int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                final int dash = range.indexOf('-');
                from = number(range.substring(0, dash), name, min, max, names);
                to = number(range.substring(dash + 1), name, min, max, names);
                if (from > to) {
                    throw invalid(name + ": the range '" + range + "' ends before it starts");
                }
            } else {
                from = number(range, name, min, max, names);
                to = slash >= 0 ? max : from;   // "0/15": from 0 every 15 to the field's end
            }
            for (int v = from; v <= to; v += step) {
                into.set(v);
            }
        }
    }

    private static int number(final String text, final String name, final int min, final int max,
                              final String[] names) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(text.toUpperCase(Locale.ROOT))) {
                    return i + 1;
                }
            }
        }
        final int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid(name + ": '" + text + "' is not a value of " + min + "-" + max
                + (names != null ? " or " + names[0] + "-" + names[names.length - 1] : ""));
        }
        if (value < min || value > max) {
            throw invalid(name + ": " + value + " is outside " + min + "-" + max);
        }
        return value;
    }

    /** @return the expression as given. */
    public String text() {
        return text;
    }

    /** @return whether this is a rate expression. */
    public boolean isRate() {
        return periodMillis > 0;
    }

    /**
     * @param afterMillis  the time after which the next firing is wanted (milliseconds since the epoch, UTC).
     * @param anchorMillis when the rule was created: the start of a rate's periods.
     * @return the first firing strictly after {@code afterMillis}, or -1 when there is none (a cron expression
     *         whose years have passed).
     */
    public long next(final long afterMillis, final long anchorMillis) {
        if (periodMillis > 0) {
            if (afterMillis < anchorMillis) {
                return anchorMillis + periodMillis;
            }
            return anchorMillis + ((afterMillis - anchorMillis) / periodMillis + 1) * periodMillis;
        }
        // the first whole minute after afterMillis
        ZonedDateTime t = ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(
            Math.floorDiv(afterMillis, MINUTE) * MINUTE + MINUTE), ZoneOffset.UTC);
        LocalDate day = t.toLocalDate();
        int fromMinuteOfDay = t.getHour() * 60 + t.getMinute();
        while (day.getYear() <= LAST_YEAR) {
            if (!years.get(day.getYear())) {
                final int year = years.nextSetBit(Math.max(day.getYear() + 1, FIRST_YEAR));
                if (year < 0) {
                    return -1;
                }
                day = LocalDate.of(year, 1, 1);
                fromMinuteOfDay = 0;
                continue;
            }
            if (!months.get(day.getMonthValue())) {
                day = day.withDayOfMonth(1).plusMonths(1);
                fromMinuteOfDay = 0;
                continue;
            }
            if (dayMatches(day)) {
                final int minuteOfDay = firstMinute(fromMinuteOfDay);
                if (minuteOfDay >= 0) {
                    return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() + minuteOfDay * MINUTE;
                }
            }
            day = day.plusDays(1);
            fromMinuteOfDay = 0;
        }
        return -1;
    }

    /** @return the first minute of the day at or after {@code from} that the hours and minutes allow, or -1. */
    private int firstMinute(final int from) {
        for (int hour = hours.nextSetBit(from / 60); hour >= 0; hour = hours.nextSetBit(hour + 1)) {
            final int minute = minutes.nextSetBit(hour == from / 60 ? from % 60 : 0);
            if (minute >= 0) {
                return hour * 60 + minute;
            }
        }
        return -1;
    }

    private boolean dayMatches(final LocalDate day) {
        if (dayOfMonthGiven) {
            if (lastDayOfMonth) {
                return day.getDayOfMonth() == day.lengthOfMonth();
            }
            if (nearestWeekday > 0) {
                return day.equals(nearestWeekday(day));
            }
            return daysOfMonth.get(day.getDayOfMonth());
        }
        final int dow = day.getDayOfWeek().getValue() % 7 + 1;   // Monday=1..Sunday=7 to Sunday=1..Saturday=7
        if (lastWeekdayOfMonth > 0) {
            return dow == lastWeekdayOfMonth && day.plusDays(7).getMonthValue() != day.getMonthValue();
        }
        if (nth > 0) {
            return dow == nthDay && (day.getDayOfMonth() - 1) / 7 + 1 == nth;
        }
        return daysOfWeek.get(dow);
    }

    /** @return the weekday (Monday-Friday) of the month nearest to the configured day, as Quartz and EventBridge. */
    private LocalDate nearestWeekday(final LocalDate day) {
        final LocalDate target = nearestWeekday == 32 ? day.with(TemporalAdjusters.lastDayOfMonth())
            : nearestWeekday > day.lengthOfMonth() ? null : day.withDayOfMonth(nearestWeekday);
        if (target == null) {
            return null;
        }
        if (target.getDayOfWeek() == DayOfWeek.SATURDAY) {
            return target.getDayOfMonth() == 1 ? target.plusDays(2) : target.minusDays(1);
        }
        if (target.getDayOfWeek() == DayOfWeek.SUNDAY) {
            return target.getDayOfMonth() == target.lengthOfMonth() ? target.minusDays(2) : target.plusDays(1);
        }
        return target;
    }

    @Override
    public String toString() {
        return text;
    }
}
