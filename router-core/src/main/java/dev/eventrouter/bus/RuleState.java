package dev.eventrouter.bus;

/** Whether a rule matches events (the PutRule API reference's {@code State} values). */
public enum RuleState {
    /** The rule matches and its targets receive events. */
    ENABLED,
    /** The rule is kept but matches nothing. */
    DISABLED,
    /**
     * On AWS, an enabled rule that also receives the read-only CloudTrail management events AWS services send to the
     * default bus. No AWS service sends events here, so it behaves as {@link #ENABLED}; it is kept and described as
     * given.
     */
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS;

    /** @return whether a rule in this state matches events. */
    public boolean matches() {
        return this != DISABLED;
    }
}
