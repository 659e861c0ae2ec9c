package dev.eventrouter.auth;

import java.util.Locale;

/**
 * The condition keys a bus policy can test. Names are case-insensitive (as in IAM); the three families
 * ({@code aws:PrincipalTag/}, {@code aws:ResourceTag/}, {@code events:detail.}) take a suffix.
 */
public enum ConditionKey {
    /** PutEvents: the entry's Source. PutRule: the exact values of the pattern's {@code source}. */
    EVENTS_SOURCE("events:source", false),
    /** PutEvents: the entry's DetailType. PutRule: the exact values of the pattern's {@code detail-type}. */
    EVENTS_DETAIL_TYPE("events:detail-type", false),
    /** PutRule: the exact values of the pattern at {@code detail.<path>} ({@code events:detail.service}...). */
    EVENTS_DETAIL("events:detail.", true),
    /** Rule calls on an existing rule: the account that created it. Absent when the rule is being created. */
    EVENTS_CREATOR_ACCOUNT("events:creatorAccount", false),
    /** PutEvents: {@code true} when a rule delivers to a bus target, {@code false} for a direct call. */
    EVENTS_EVENT_BUS_INVOCATION("events:eventBusInvocation", false),
    /** PutTargets: the ARNs of the targets being added (bus targets; handler targets given an ARN). */
    EVENTS_TARGET_ARN("events:TargetArn", false),
    /** AWS-internal (managed rules); never present in a request here. */
    EVENTS_MANAGED_BY("events:ManagedBy", false),
    /** The caller's organization, when it has one. */
    AWS_PRINCIPAL_ORG_ID("aws:PrincipalOrgID", false),
    /** The caller's account. */
    AWS_PRINCIPAL_ACCOUNT("aws:PrincipalAccount", false),
    /** The caller's ARN. */
    AWS_PRINCIPAL_ARN("aws:PrincipalArn", false),
    /** A rule delivering to a bus target: the rule's ARN. */
    AWS_SOURCE_ARN("aws:SourceArn", false),
    /** A rule delivering to a bus target: the rule's account. */
    AWS_SOURCE_ACCOUNT("aws:SourceAccount", false),
    /** A tag of the caller (its own, else its account's from {@link Organizations}). */
    AWS_PRINCIPAL_TAG("aws:PrincipalTag/", true),
    /** A tag of the resource called (the bus, or the rule for rule calls). */
    AWS_RESOURCE_TAG("aws:ResourceTag/", true);

    private final String text;
    private final boolean family;

    ConditionKey(final String text, final boolean family) {
        this.text = text;
        this.family = family;
    }

    /** @return the key as AWS spells it (a family ends with its separator). */
    public String text() {
        return text;
    }

    /** @return whether the key takes a suffix. */
    public boolean isFamily() {
        return family;
    }

    /** @return the key that {@code name} names (any case), or {@code null}. A family needs a non-empty suffix. */
    static ConditionKey find(final String name) {
        final String lower = name.toLowerCase(Locale.ROOT);
        for (ConditionKey key : values()) {
            final String k = key.text.toLowerCase(Locale.ROOT);
            if (key.family ? lower.startsWith(k) && lower.length() > k.length() : lower.equals(k)) {
                return key;
            }
        }
        return null;
    }

    /** @return the keys, comma separated, for messages. */
    static String supported() {
        final StringBuilder b = new StringBuilder();
        for (ConditionKey key : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(key.text).append(key.family ? "<key>" : "");
        }
        return b.toString();
    }
}
