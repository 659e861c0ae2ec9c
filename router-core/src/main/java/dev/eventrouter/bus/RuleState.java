package dev.eventrouter.bus;

/** Whether a rule matches events. */
public enum RuleState {
    /** The rule matches and its targets receive events. */
    ENABLED,
    /** The rule is kept but matches nothing. */
    DISABLED
}
