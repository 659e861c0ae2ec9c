package dev.eventrouter.bus;

import java.util.regex.Pattern;

/**
 * A rule as declared: its name, its bus, its event pattern and/or schedule, its state and a description. Immutable.
 *
 * @param name         1-64 characters of letters, digits, '.', '-' and '_'; unique per bus.
 * @param eventBus     the bus name or ARN; {@code null} for the default bus.
 * @param eventPattern the event pattern (JSON); may be {@code null} when the rule has a schedule.
 * @param state        {@code null} means {@link RuleState#ENABLED}.
 * @param description  free text, at most 512 characters; may be {@code null}.
 * @param createdBy    the account that created the rule (DescribeRule's {@code CreatedBy}); set by the router,
 *                     ignored in a {@code putRule} request.
 * @param scheduleExpression a {@link ScheduleExpression} ({@code rate(...)} or {@code cron(...)}): the rule also
 *                     fires on this schedule (default bus only); {@code null} for none. A rule needs a pattern, a
 *                     schedule or both (PutRule API reference).
 */
public record Rule(String name, String eventBus, String eventPattern, RuleState state, String description,
                   String createdBy, String scheduleExpression) {
    private static final Pattern NAME = Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");

    /** Validates the name, pattern presence and description length. */
    public Rule {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Name=" + name
                + ": must be 1-64 characters of letters, digits, '.', '-' and '_'");
        }
        if (eventPattern != null && eventPattern.isBlank()) {
            eventPattern = null;
        }
        if (eventPattern == null && scheduleExpression == null) {
            throw new IllegalArgumentException("rule " + name + ": Parameter(s) EventPattern or ScheduleExpression "
                + "must be specified.");
        }
        if (scheduleExpression != null) {
            ScheduleExpression.parse(scheduleExpression);
        }
        if (description != null && description.length() > 512) {
            throw new IllegalArgumentException("rule " + name + ": Description must be at most 512 characters");
        }
        state = state == null ? RuleState.ENABLED : state;
    }

    /** A rule as requested (its creator is set when it is stored). */
    public Rule(final String name, final String eventBus, final String eventPattern, final RuleState state,
                final String description) {
        this(name, eventBus, eventPattern, state, description, null, null);
    }

    /** A rule as stored, without a schedule. */
    public Rule(final String name, final String eventBus, final String eventPattern, final RuleState state,
                final String description, final String createdBy) {
        this(name, eventBus, eventPattern, state, description, createdBy, null);
    }

    /** @return an enabled rule on the default bus that fires on a schedule only. */
    public static Rule scheduled(final String name, final String scheduleExpression) {
        return new Rule(name, null, null, RuleState.ENABLED, null, null, scheduleExpression);
    }

    /** @return a copy with this schedule ({@code null} for none). */
    public Rule withSchedule(final String expression) {
        return new Rule(name, eventBus, eventPattern, state, description, createdBy, expression);
    }

    /** @return an enabled rule on the default bus. */
    public static Rule of(final String name, final String eventPattern) {
        return new Rule(name, null, eventPattern, RuleState.ENABLED, null);
    }

    /** @return a copy on this bus (name or ARN). */
    public Rule onBus(final String bus) {
        return new Rule(name, bus, eventPattern, state, description, createdBy, scheduleExpression);
    }

    /** @return a copy in this state. */
    public Rule withState(final RuleState newState) {
        return new Rule(name, eventBus, eventPattern, newState, description, createdBy, scheduleExpression);
    }

    /** @return a copy created by this account. */
    public Rule createdBy(final String account) {
        return new Rule(name, eventBus, eventPattern, state, description, account, scheduleExpression);
    }

    /** @return a copy with this description. */
    public Rule withDescription(final String text) {
        return new Rule(name, eventBus, eventPattern, state, text, createdBy, scheduleExpression);
    }
}
