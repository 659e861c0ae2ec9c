package dev.eventrouter.auth;

/**
 * Decides a call as IAM does for a resource with a resource-based policy:
 * <ol>
 *   <li>an explicit Deny in the resource policy or the caller's identity policy denies;</li>
 *   <li>a caller in the resource's own account is allowed when its identity policy allows (a principal without
 *       one has full access to its own account's resources) or the resource policy allows;</li>
 *   <li>a caller from another account needs an Allow in the resource policy, and in its identity policy when it
 *       has one;</li>
 *   <li>otherwise the call is denied.</li>
 * </ol>
 * Allocation-free; the answer is an {@code int} ({@link #outcome}, {@link #statement}).
 */
public final class Authorizer {
    /** Allowed: the caller is in the resource's account and has no identity policy. */
    public static final int ALLOW_OWNER = 1;
    /** Allowed by a statement of the resource policy. */
    public static final int ALLOW_RESOURCE = 2;
    /** Allowed by a statement of the caller's identity policy (same account). */
    public static final int ALLOW_IDENTITY = 3;
    /** Denied by a Deny statement of the resource policy. */
    public static final int DENY_RESOURCE = 4;
    /** Denied by a Deny statement of the identity policy. */
    public static final int DENY_IDENTITY = 5;
    /** Denied: no resource-policy statement allows it (cross-account), or none of either policy (same account). */
    public static final int DENY_NO_ALLOW = 6;
    /** Denied: the resource policy allows, the caller's identity policy does not. */
    public static final int DENY_NO_IDENTITY_ALLOW = 7;

    private Authorizer() {
    }

    /**
     * @param resourcePolicy  the bus's policy, or {@code null}.
     * @param resourceAccount the account that owns the resource.
     * @param ignore          condition keys counted as met (bits {@code 1 << ordinal}); 0 normally.
     * @return the outcome and deciding statement, packed: read them with {@link #outcome} and {@link #statement}.
     */
    public static int decide(final PolicyDocument resourcePolicy, final String resourceAccount,
                             final RequestContext ctx, final int ignore) {
        final int r = resourcePolicy == null ? -1 : resourcePolicy.evaluate(ctx, ignore);
        if (r <= -2) {
            return pack(DENY_RESOURCE, -2 - r);
        }
        final PolicyDocument identity = ctx.principal.identityPolicy();
        final int i = identity == null ? -1 : identity.evaluate(ctx, ignore);
        if (i <= -2) {
            return pack(DENY_IDENTITY, -2 - i);
        }
        if (ctx.principal.account().equals(resourceAccount)) {
            if (identity == null) {
                return pack(ALLOW_OWNER, -1);
            }
            if (i >= 0) {
                return pack(ALLOW_IDENTITY, i);
            }
            return r >= 0 ? pack(ALLOW_RESOURCE, r) : pack(DENY_NO_ALLOW, -1);
        }
        if (r < 0) {
            return pack(DENY_NO_ALLOW, -1);
        }
        if (identity != null && i < 0) {
            return pack(DENY_NO_IDENTITY_ALLOW, -1);
        }
        return pack(ALLOW_RESOURCE, r);
    }

    private static int pack(final int outcome, final int statement) {
        return outcome << 16 | statement + 1;
    }

    /** @return one of the outcome constants. */
    public static int outcome(final int decision) {
        return decision >>> 16;
    }

    /** @return the deciding statement's index, or -1 when no statement decided. */
    public static int statement(final int decision) {
        return (decision & 0xFFFF) - 1;
    }

    /** @return whether the decision allows. */
    public static boolean allowed(final int decision) {
        return outcome(decision) <= ALLOW_IDENTITY;
    }

    /** @return AWS's AccessDenied message for a denying decision. */
    public static String message(final int decision, final RequestContext ctx) {
        final String head = "User: " + ctx.principal.arn() + " is not authorized to perform: " + ctx.action
            + " on resource: " + ctx.resource;
        switch (outcome(decision)) {
            case DENY_RESOURCE:
                return head + " with an explicit deny in a resource-based policy";
            case DENY_IDENTITY:
                return head + " with an explicit deny in an identity-based policy";
            case DENY_NO_IDENTITY_ALLOW:
                return head + " because no identity-based policy allows the " + ctx.action + " action";
            default:
                return head + " because no resource-based policy allows the " + ctx.action + " action";
        }
    }

    /** @return a human description: {@code Allow by Statement[0] (Sid=x) of the resource policy}... */
    public static String explain(final int decision, final PolicyDocument resourcePolicy,
                                 final PolicyDocument identityPolicy) {
        final int s = statement(decision);
        switch (outcome(decision)) {
            case ALLOW_OWNER:
                return "Allow: the caller is in the resource's account (no identity policy limits it)";
            case ALLOW_RESOURCE:
                return "Allow by " + resourcePolicy.statements[s].label() + " of the resource policy";
            case ALLOW_IDENTITY:
                return "Allow by " + identityPolicy.statements[s].label() + " of the identity policy";
            case DENY_RESOURCE:
                return "Deny by " + resourcePolicy.statements[s].label() + " of the resource policy (explicit)";
            case DENY_IDENTITY:
                return "Deny by " + identityPolicy.statements[s].label() + " of the identity policy (explicit)";
            case DENY_NO_IDENTITY_ALLOW:
                return "Deny: no statement of the identity policy allows it (implicit)";
            default:
                return "Deny: no statement allows it (implicit)";
        }
    }
}
