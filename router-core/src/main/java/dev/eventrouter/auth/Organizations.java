package dev.eventrouter.auth;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The organization registry: which organization each account belongs to and each account's tags. It supplies
 * {@code aws:PrincipalOrgID} and (merged under a principal's own tags) {@code aws:PrincipalTag/<key>}. Immutable;
 * build one with {@link #builder()}, or read the {@code organizations} section of a {@code router run} config.
 */
public final class Organizations {
    /** No organizations: principals keep only what they carry. */
    public static final Organizations NONE = builder().build();

    private final Map<String, String> orgOfAccount;
    private final Map<String, Map<String, String>> accountTags;

    private Organizations(final Map<String, String> orgOfAccount, final Map<String, Map<String, String>> tags) {
        this.orgOfAccount = Collections.unmodifiableMap(new HashMap<>(orgOfAccount));
        final Map<String, Map<String, String>> copy = new HashMap<>();
        tags.forEach((account, t) -> copy.put(account, Collections.unmodifiableMap(t)));
        this.accountTags = Collections.unmodifiableMap(copy);
    }

    /** @return an empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the organization of an account, or {@code null}. */
    public String organizationOf(final String account) {
        return orgOfAccount.get(account);
    }

    /** @return the tags of an account (empty when it has none). */
    public Map<String, String> tagsOf(final String account) {
        return accountTags.getOrDefault(account, Map.of());
    }

    /**
     * @return the principal with its organization (when it carries none) and its account's tags under its own.
     * @throws IllegalArgumentException when the principal claims an organization its account is not in.
     */
    public Principal resolve(final Principal principal) {
        final String org = orgOfAccount.get(principal.account());
        if (principal.orgId() != null && org != null && !principal.orgId().equals(org)) {
            throw new IllegalArgumentException("principal " + principal.arn() + " claims organization "
                + principal.orgId() + " but account " + principal.account() + " is in " + org);
        }
        final Map<String, String> fromAccount = tagsOf(principal.account());
        if ((org == null || principal.orgId() != null) && fromAccount.isEmpty()) {
            return principal;
        }
        final Map<String, String> merged = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        merged.putAll(fromAccount);
        merged.putAll(principal.tags());
        return new Principal(principal.account(), principal.arn(), principal.orgId() != null ? principal.orgId()
            : org, merged, principal.identityPolicy());
    }

    /** Builds an {@link Organizations}. */
    public static final class Builder {
        private final Map<String, String> orgOfAccount = new LinkedHashMap<>();
        private final Map<String, Map<String, String>> tags = new LinkedHashMap<>();

        /**
         * Adds an organization and its member accounts.
         *
         * @throws IllegalArgumentException when an id is malformed or an account is already in another organization.
         */
        public Builder organization(final String orgId, final Iterable<String> accounts) {
            Principal.account("000000000000").withOrgId(orgId); // validates the id, naming it
            for (String account : accounts) {
                Principal.account(account); // validates, naming it
                final String previous = orgOfAccount.putIfAbsent(account, orgId);
                if (previous != null && !previous.equals(orgId)) {
                    throw new IllegalArgumentException("account " + account + " is in organization " + previous
                        + " and cannot also be in " + orgId);
                }
            }
            return this;
        }

        /** Tags an account (feeds {@code aws:PrincipalTag/<key>} for its principals). */
        public Builder tagAccount(final String account, final Map<String, String> accountTags) {
            Principal.account(account);
            final Map<String, String> t = tags.computeIfAbsent(account,
                k -> new TreeMap<>(String.CASE_INSENSITIVE_ORDER));
            accountTags.forEach((k, v) -> {
                Tags.validate(k, v, "account " + account);
                t.put(k, v);
            });
            return this;
        }

        /** @return the registry. */
        public Organizations build() {
            return new Organizations(orgOfAccount, tags);
        }
    }
}
