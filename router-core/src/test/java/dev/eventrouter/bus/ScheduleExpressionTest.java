package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * EventBridge's schedule expressions. Expected firings are the meanings the user guide gives its examples ("Cron
 * expressions" and "Rate expressions" in "Creating a rule that runs on a schedule"): for instance
 * {@code cron(0 18 ? * MON-FRI *)} "6:00 PM Monday through Friday", {@code cron(0 9 ? * 2#1 *)} "9:00 AM on the
 * first Monday of each month", {@code cron(0/5 8-17 ? * MON-FRI *)} "every 5 minutes Monday through Friday between
 * 8:00 AM and 5:55 PM"; and the wildcards' definitions there (L, W, #).
 */
class ScheduleExpressionTest {
    private static long at(final String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    /** @return the next {@code count} firings after {@code from}. */
    private static List<String> firings(final String expression, final String from, final int count) {
        final ScheduleExpression schedule = ScheduleExpression.parse(expression);
        final List<String> out = new ArrayList<>();
        long t = at(from);
        for (int i = 0; i < count; i++) {
            t = schedule.next(t, 0);
            out.add(t < 0 ? "none" : Instant.ofEpochMilli(t).toString());
            if (t < 0) {
                break;
            }
        }
        return out;
    }

    @Test
    void shouldFireTheUserGuidesCronExamplesWhenTheyMean() {
        // "10:00 AM (UTC+0) every day"
        assertEquals(List.of("2026-12-03T10:00:00Z", "2026-12-04T10:00:00Z"),
            firings("cron(0 10 * * ? *)", "2026-12-03T09:59:59Z", 2));
        // "12:15 PM (UTC+0) every day"
        assertEquals(List.of("2026-12-04T12:15:00Z"), firings("cron(15 12 * * ? *)", "2026-12-03T12:15:00Z", 1));
        // "6:00 PM Monday through Friday": 2026-12-04 is a Friday, the next two are Monday and Tuesday
        assertEquals(List.of("2026-12-04T18:00:00Z", "2026-12-07T18:00:00Z", "2026-12-08T18:00:00Z"),
            firings("cron(0 18 ? * MON-FRI *)", "2026-12-04T12:00:00Z", 3));
        // "8:00 AM on the first day of the month"
        assertEquals(List.of("2027-01-01T08:00:00Z", "2027-02-01T08:00:00Z"),
            firings("cron(0 8 1 * ? *)", "2026-12-01T08:00:00Z", 2));
        // "every 15 minutes"
        assertEquals(List.of("2026-12-03T10:15:00Z", "2026-12-03T10:30:00Z", "2026-12-03T10:45:00Z",
            "2026-12-03T11:00:00Z"), firings("cron(0/15 * * * ? *)", "2026-12-03T10:07:00Z", 4));
        // "every 10 minutes Monday through Friday": Friday 23:50, then Monday 00:00
        assertEquals(List.of("2026-12-04T23:50:00Z", "2026-12-07T00:00:00Z"),
            firings("cron(0/10 * ? * MON-FRI *)", "2026-12-04T23:45:00Z", 2));
        // "every 5 minutes Monday through Friday between 8:00 AM and 5:55 PM"
        assertEquals(List.of("2026-12-04T17:55:00Z", "2026-12-07T08:00:00Z"),
            firings("cron(0/5 8-17 ? * MON-FRI *)", "2026-12-04T17:50:00Z", 2));
        // "9:00 AM on the first Monday of each month"
        assertEquals(List.of("2026-12-07T09:00:00Z", "2027-01-04T09:00:00Z", "2027-02-01T09:00:00Z"),
            firings("cron(0 9 ? * 2#1 *)", "2026-12-03T00:00:00Z", 3));
    }

    @Test
    void shouldCrossMonthEndsLeapDaysAndYearsAsTheCalendarDoes() {
        // L: the last day of the month, February of a leap year and not
        assertEquals(List.of("2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z", "2028-03-31T00:00:00Z",
            "2028-04-30T00:00:00Z"), firings("cron(0 0 L * ? *)", "2028-01-15T00:00:00Z", 4));
        assertEquals(List.of("2027-02-28T00:00:00Z"), firings("cron(0 0 L 2 ? *)", "2027-01-01T00:00:00Z", 1));
        // the 29th of February only in leap years; day 31 skips the months without one
        assertEquals(List.of("2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"),
            firings("cron(0 12 29 2 ? *)", "2026-12-03T00:00:00Z", 2));
        assertEquals(List.of("2027-01-31T00:00:00Z", "2027-03-31T00:00:00Z"),
            firings("cron(0 0 31 * ? *)", "2026-12-31T00:00:00Z", 2));
        // a year list, then nothing once its years have passed
        assertEquals(List.of("2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z", "none"),
            firings("cron(0 0 1 JAN ? 2027,2029)", "2026-06-01T00:00:00Z", 3));
        // increments of days, hours and minutes
        assertEquals(List.of("2026-12-01T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-21T00:00:00Z",
            "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"),
            firings("cron(0 0 1/10 * ? *)", "2026-11-30T00:00:00Z", 5));
        assertEquals(List.of("2026-12-03T18:00:00Z", "2026-12-04T00:00:00Z"),
            firings("cron(0 */6 * * ? *)", "2026-12-03T12:00:00Z", 2));
    }

    @Test
    void shouldPlaceWeekdayAndLastDayWildcardsAsTheirDefinitionsSay() {
        // 3W: "the nearest weekday to the 3rd day of the month"; 2027-01-03 is a Sunday (Monday the 4th),
        // 2027-04-03 a Saturday (Friday the 2nd); 1W on Saturday 2027-05-01 stays in May (Monday the 3rd)
        assertEquals(List.of("2027-01-04T00:00:00Z"), firings("cron(0 0 3W 1 ? *)", "2026-12-03T00:00:00Z", 1));
        assertEquals(List.of("2027-04-02T00:00:00Z"), firings("cron(0 0 3W 4 ? *)", "2026-12-03T00:00:00Z", 1));
        assertEquals(List.of("2027-05-03T00:00:00Z"), firings("cron(0 0 1W 5 ? *)", "2026-12-03T00:00:00Z", 1));
        // LW: the last weekday of the month; 2027-01-31 is a Sunday
        assertEquals(List.of("2027-01-29T00:00:00Z"), firings("cron(0 0 LW 1 ? *)", "2026-12-03T00:00:00Z", 1));
        // 5L: the last Thursday of the month; L alone: Saturday, the last day of the week
        assertEquals(List.of("2026-12-31T00:00:00Z", "2027-01-28T00:00:00Z"),
            firings("cron(0 0 ? * 5L *)", "2026-12-03T00:00:00Z", 2));
        assertEquals(List.of("2026-12-05T00:00:00Z", "2026-12-12T00:00:00Z"),
            firings("cron(0 0 ? * L *)", "2026-12-03T00:00:00Z", 2));
        // 3#2: the second Tuesday; a fifth Friday exists only in some months
        assertEquals(List.of("2026-12-08T00:00:00Z", "2027-01-12T00:00:00Z"),
            firings("cron(0 0 ? * 3#2 *)", "2026-12-03T00:00:00Z", 2));
        assertEquals(List.of("2027-01-29T00:00:00Z", "2027-04-30T00:00:00Z"),
            firings("cron(0 0 ? * FRI#5 *)", "2026-12-03T00:00:00Z", 2));
    }

    @Test
    void shouldFireARateEveryPeriodFromWhenTheRuleWasCreated() {
        final ScheduleExpression five = ScheduleExpression.parse("rate(5 minutes)");
        final long created = at("2026-12-03T10:02:30Z");
        assertEquals(at("2026-12-03T10:07:30Z"), five.next(created, created));
        assertEquals(at("2026-12-03T10:12:30Z"), five.next(at("2026-12-03T10:07:30Z"), created));
        assertEquals(at("2026-12-03T10:12:30Z"), five.next(at("2026-12-03T10:09:00Z"), created));
        assertEquals(at("2026-12-04T10:02:30Z"), ScheduleExpression.parse("rate(1 day)").next(created, created));
        assertEquals(at("2026-12-03T12:02:30Z"), ScheduleExpression.parse("rate(2 hours)").next(created, created));
    }

    @Test
    void shouldRefuseInvalidExpressionsNamingTheField() {
        final String prefix = "Parameter ScheduleExpression is not valid. Reason: ";
        for (String[] bad : new String[][] {
            {"rate(1 minutes)", "a rate of 1 takes a singular unit and a larger one a plural unit, got '1 minutes'."},
            {"rate(5 minute)", "a rate of 1 takes a singular unit and a larger one a plural unit, got '5 minute'."},
            {"rate(0 minutes)", "the rate's value must be a positive whole number, got '0'."},
            {"rate(5 weeks)", "the rate's unit must be minute(s), hour(s) or day(s), got 'weeks'."},
            {"rate(5)", "rate() takes a value and a unit, got '5'."},
            {"cron(0 10 * * *)", "cron() takes six fields (Minutes Hours Day-of-month Month Day-of-week Year), "
                + "got 5."},
            {"cron(0 10 * * * *)", "exactly one of Day-of-month and Day-of-week must be '?', got '*' and '*'."},
            {"cron(0 10 ? * ? *)", "exactly one of Day-of-month and Day-of-week must be '?', got '?' and '?'."},
            {"cron(60 10 * * ? *)", "Minutes: 60 is outside 0-59."},
            {"cron(0 24 * * ? *)", "Hours: 24 is outside 0-23."},
            {"cron(0 0 32 * ? *)", "Day-of-month: 32 is outside 1-31."},
            {"cron(0 0 * 13 ? *)", "Month: 13 is outside 1-12."},
            {"cron(0 0 * FOO ? *)", "Month: 'FOO' is not a value of 1-12 or JAN-DEC."},
            {"cron(0 0 ? * 8 *)", "Day-of-week: 8 is outside 1-7."},
            {"cron(0 0 ? * MON#6 *)", "Day-of-week: 6 is outside 1-5."},
            {"cron(0 0 * * ? 1969)", "Year: 1969 is outside 1970-2199."},
            {"cron(0 18-9 * * ? *)", "Hours: the range '18-9' ends before it starts."},
            {"every 5 minutes", "'every 5 minutes' is neither rate(value unit) nor cron(fields)."},
        }) {
            assertEquals(prefix + bad[1], assertThrows(IllegalArgumentException.class,
                () -> ScheduleExpression.parse(bad[0])).getMessage(), bad[0]);
        }
    }
}
