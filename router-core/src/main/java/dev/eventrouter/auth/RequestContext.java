package dev.eventrouter.auth;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * One authorization request: who calls, which action on which resource, and the request's condition key values.
 * Mutable and reusable: a publisher thread keeps one and {@link #reset}s it per entry, so authorizing does not
 * allocate. Not thread-safe.
 */
public final class RequestContext {
    /**
     * The value a PutRule key takes when the pattern allows more than exact strings there (a prefix, wildcard,
     * anything-but...): it equals no policy value, so an equality condition denies, and only {@code *} is like it.
     */
    public static final String UNBOUNDED = "\u0000(any value the pattern allows)";

    Principal principal;
    String action;
    String resource;
    final Values source = new Values();
    final Values detailType = new Values();
    final Values targetArns = new Values();
    String creatorAccount;
    String eventBusInvocation;
    String sourceArn;
    String sourceAccount;
    Map<String, String> resourceTags = Map.of();
    /** PutRule: exact values of the pattern under {@code detail.}, by path after {@code detail.} (lower case). */
    final Map<String, Values> detail = new HashMap<>();
    /** Policy variables are substituted here. */
    final StringBuilder scratch = new StringBuilder(64);
    /** Tag maps with lower-case keys (condition suffixes are lower case), rebuilt only when the map changes. */
    private Map<String, String> principalTagsSeen;
    private Map<String, String> principalTagsLower = Map.of();
    private Map<String, String> resourceTagsSeen;
    private Map<String, String> resourceTagsLower = Map.of();

    /** Starts a new request: every key is absent until set. */
    public RequestContext reset(final Principal caller, final String actionName, final String resourceArn) {
        principal = caller;
        action = actionName;
        resource = resourceArn;
        source.clear();
        detailType.clear();
        targetArns.clear();
        creatorAccount = null;
        eventBusInvocation = null;
        sourceArn = null;
        sourceAccount = null;
        resourceTags = Map.of();
        if (!detail.isEmpty()) {
            detail.clear();
        }
        return this;
    }

    /** @return the caller. */
    public Principal principal() {
        return principal;
    }

    /** @return the action, {@code events:PutEvents}. */
    public String action() {
        return action;
    }

    /** @return the resource ARN. */
    public String resource() {
        return resource;
    }

    /** Adds a value of {@code events:source}. */
    public RequestContext source(final String value) {
        source.add(value);
        return this;
    }

    /** Adds a value of {@code events:detail-type}. */
    public RequestContext detailType(final String value) {
        detailType.add(value);
        return this;
    }

    /** Adds a value of {@code events:detail.<path>} ({@code path} without the {@code detail.} prefix). */
    public RequestContext detail(final String path, final String value) {
        detail.computeIfAbsent(path.toLowerCase(java.util.Locale.ROOT), k -> new Values()).add(value);
        return this;
    }

    /** Adds values of {@code events:TargetArn}. */
    public RequestContext targetArns(final Collection<String> arns) {
        arns.forEach(targetArns::add);
        return this;
    }

    /** Sets {@code events:creatorAccount}. */
    public RequestContext creatorAccount(final String account) {
        creatorAccount = account;
        return this;
    }

    /** Sets {@code events:eventBusInvocation}. */
    public RequestContext eventBusInvocation(final boolean viaRule) {
        eventBusInvocation = viaRule ? "true" : "false";
        return this;
    }

    /** Sets {@code aws:SourceArn} and {@code aws:SourceAccount} (a rule delivering to a bus target). */
    public RequestContext sourceRule(final String ruleArn, final String ruleAccount) {
        sourceArn = ruleArn;
        sourceAccount = ruleAccount;
        return this;
    }

    /** Sets the resource's tags ({@code aws:ResourceTag/<key>}). */
    public RequestContext resourceTags(final Map<String, String> tags) {
        resourceTags = tags;
        return this;
    }

    /** @return how many values the key has in this request (0: absent). */
    int count(final ConditionKey key, final String suffix) {
        switch (key) {
            case EVENTS_SOURCE:
                return source.size;
            case EVENTS_DETAIL_TYPE:
                return detailType.size;
            case EVENTS_TARGET_ARN:
                return targetArns.size;
            case EVENTS_DETAIL: {
                final Values v = detail.get(suffix);
                return v == null ? 0 : v.size;
            }
            default:
                return single(key, suffix) == null ? 0 : 1;
        }
    }

    /** @return value {@code i} of the key. */
    String value(final ConditionKey key, final String suffix, final int i) {
        switch (key) {
            case EVENTS_SOURCE:
                return source.items[i];
            case EVENTS_DETAIL_TYPE:
                return detailType.items[i];
            case EVENTS_TARGET_ARN:
                return targetArns.items[i];
            case EVENTS_DETAIL:
                return detail.get(suffix).items[i];
            default:
                return single(key, suffix);
        }
    }

    /** @return a single-valued key's value, or {@code null} when absent. */
    String single(final ConditionKey key, final String suffix) {
        switch (key) {
            case EVENTS_SOURCE:
                return source.size == 1 ? source.items[0] : null;
            case EVENTS_DETAIL_TYPE:
                return detailType.size == 1 ? detailType.items[0] : null;
            case EVENTS_CREATOR_ACCOUNT:
                return creatorAccount;
            case EVENTS_EVENT_BUS_INVOCATION:
                return eventBusInvocation;
            case AWS_PRINCIPAL_ORG_ID:
                return principal.orgId();
            case AWS_PRINCIPAL_ACCOUNT:
                return principal.account();
            case AWS_PRINCIPAL_ARN:
                return principal.arn();
            case AWS_SOURCE_ARN:
                return sourceArn;
            case AWS_SOURCE_ACCOUNT:
                return sourceAccount;
            case AWS_PRINCIPAL_TAG:
                if (principal.tags() != principalTagsSeen) {
                    principalTagsLower = lowerCaseKeys(principal.tags());
                    principalTagsSeen = principal.tags();
                }
                return principalTagsLower.get(suffix);
            case AWS_RESOURCE_TAG:
                if (resourceTags != resourceTagsSeen) {
                    resourceTagsLower = lowerCaseKeys(resourceTags);
                    resourceTagsSeen = resourceTags;
                }
                return resourceTagsLower.get(suffix);
            default:
                return null;
        }
    }

    private static Map<String, String> lowerCaseKeys(final Map<String, String> tags) {
        if (tags.isEmpty()) {
            return Map.of();
        }
        final Map<String, String> lower = new HashMap<>();
        tags.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return lower;
    }

    /** A growable list of strings, cleared without freeing. */
    static final class Values {
        String[] items = new String[4];
        int size;

        void add(final String value) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = value;
        }

        void clear() {
            java.util.Arrays.fill(items, 0, size, null);
            size = 0;
        }
    }
}
