package dev.eventrouter.auth;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Who makes a call: an account, the principal's ARN within it, and what {@link Organizations} adds (organization id,
 * tags). Immutable; cheap to keep and reuse (a principal-scoped router view holds one).
 *
 * <p>The values feed the global condition keys {@code aws:PrincipalAccount}, {@code aws:PrincipalArn},
 * {@code aws:PrincipalOrgID} and {@code aws:PrincipalTag/<key>}. A principal's own tags win over its account's tags
 * from the registry.
 *
 * @param account        the 12-digit account id.
 * @param arn            the principal ARN: {@code arn:aws:iam::<account>:root}, {@code ...:role/<name>},
 *                       {@code ...:user/<name>} or {@code arn:aws:sts::<account>:assumed-role/<role>/<session>}.
 * @param orgId          the organization ({@code o-...}), or {@code null}.
 * @param tags           principal tags (keys compared case-insensitively, as IAM does); never {@code null}.
 * @param identityPolicy the principal's identity-based policy, or {@code null} for full access to its own account's
 *                       resources (see {@code docs/accounts.md}, "the identity model").
 */
public record Principal(String account, String arn, String orgId, Map<String, String> tags,
                        PolicyDocument identityPolicy) {
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern ARN = Pattern.compile(
        "arn:aws[a-z-]*:(iam::(\\d{12}):(root|role/.+|user/.+)|sts::(\\d{12}):assumed-role/.+/.+)");
    private static final Pattern ORG = Pattern.compile("o-[a-z0-9]{10,32}");

    /** Validates every field, naming the one that is wrong. */
    public Principal {
        if (account == null || !ACCOUNT.matcher(account).matches()) {
            throw new IllegalArgumentException("principal account=" + account + ": must be 12 digits");
        }
        if (arn == null) {
            arn = rootArn(account);
        }
        final var m = ARN.matcher(arn);
        if (!m.matches()) {
            throw new IllegalArgumentException("principal arn=" + arn
                + ": must be arn:aws:iam::<account>:root|role/<name>|user/<name> or arn:aws:sts::<account>:"
                + "assumed-role/<role>/<session>");
        }
        final String arnAccount = m.group(2) != null ? m.group(2) : m.group(4);
        if (!arnAccount.equals(account)) {
            throw new IllegalArgumentException("principal arn=" + arn + ": is in account " + arnAccount + ", not "
                + account);
        }
        if (orgId != null && !ORG.matcher(orgId).matches()) {
            throw new IllegalArgumentException("principal orgId=" + orgId + ": must be o- and 10-32 lowercase letters"
                + " or digits");
        }
        final TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (tags != null) {
            tags.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "tag key"), Objects.requireNonNull(v, "tag "
                + k)));
        }
        tags = java.util.Collections.unmodifiableMap(copy);
    }

    /** @return the account's root principal ({@code arn:aws:iam::<account>:root}). */
    public static Principal account(final String account) {
        return new Principal(account, null, null, null, null);
    }

    /** @return the principal with this ARN; its account is read from the ARN. */
    public static Principal of(final String arn) {
        final var m = ARN.matcher(arn == null ? "" : arn);
        if (!m.matches()) {
            return new Principal("000000000000", arn, null, null, null); // throws, naming the ARN
        }
        return new Principal(m.group(2) != null ? m.group(2) : m.group(4), arn, null, null, null);
    }

    /**
     * @param accountOrArn a 12-digit account id (its root) or a principal ARN, as config files and command lines
     *                     give a caller.
     * @throws IllegalArgumentException naming the field that is wrong.
     */
    public static Principal parse(final String accountOrArn) {
        return accountOrArn != null && accountOrArn.startsWith("arn:") ? of(accountOrArn) : account(accountOrArn);
    }

    /** @return {@code arn:aws:iam::<account>:root}. */
    public static String rootArn(final String account) {
        return "arn:aws:iam::" + account + ":root";
    }

    /** @return a copy in this organization. */
    public Principal withOrgId(final String organization) {
        return new Principal(account, arn, organization, tags, identityPolicy);
    }

    /** @return a copy with these principal tags (replacing its own). */
    public Principal withTags(final Map<String, String> newTags) {
        return new Principal(account, arn, orgId, newTags, identityPolicy);
    }

    /** @return a copy whose calls are also limited by this identity-based policy. */
    public Principal withIdentityPolicy(final PolicyDocument policy) {
        return new Principal(account, arn, orgId, tags, policy);
    }

    @Override
    public String toString() {
        return arn;
    }
}
