package dev.eventrouter.bus;

import dev.eventrouter.auth.Organizations;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.target.Target;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Router} seen by one principal: every call runs as that principal and is authorized as EventBridge does
 * (see {@code docs/accounts.md}). Bus names are in the principal's account; ARNs may name any account's bus. Cheap to
 * make and thread-safe; keep one per principal. Denied calls throw
 * {@link dev.eventrouter.auth.AccessDeniedException}; denied PutEvents entries fail one by one with
 * {@code AccessDeniedException}, {@code NotAuthorizedForSourceException} or {@code NotAuthorizedForDetailTypeException}.
 *
 * <pre>{@code
 * Caller purple = router.as(Principal.account("222222222222"));
 * purple.putEvents(List.of(PutEventsEntry.of("com.purple.service", "E2", "{}")
 *     .withEventBusName("arn:aws:events:us-east-1:111111111111:event-bus/devops")));
 * }</pre>
 */
public final class Caller {
    private static final int MAX_CACHED_NAMES = 1024;
    private final Router router;
    private final Principal principal;
    private volatile Resolved resolved;
    private final Map<String, String> arnOfName = new ConcurrentHashMap<>();

    private record Resolved(Organizations registry, Principal principal) {
    }

    Caller(final Router router, final Principal principal) {
        this.router = router;
        this.principal = principal;
    }

    /** @return the principal as given. */
    public Principal principal() {
        return principal;
    }

    /** @return the principal with its organization and account tags from the router's registry. */
    public Principal resolved() {
        final Organizations registry = router.organizations();
        Resolved r = resolved;
        if (r == null || r.registry != registry) {
            r = new Resolved(registry, registry.resolve(principal));
            resolved = r;
        }
        return r.principal;
    }

    /** @return the bus, or {@code null}: a name in the principal's account, an ARN anywhere. */
    EventBus lookup(final String nameOrArn) {
        if (nameOrArn != null && nameOrArn.startsWith("arn:")) {
            return router.lookup(nameOrArn);
        }
        final String name = nameOrArn == null || nameOrArn.isEmpty() ? EventArns.DEFAULT_BUS : nameOrArn;
        String arn = arnOfName.get(name);
        if (arn == null) {
            arn = new EventArns.BusId(router.defaultRegion(), principal.account(), EventArns.busName(name)).arn();
            if (arnOfName.size() < MAX_CACHED_NAMES) {
                arnOfName.put(name, arn);
            }
        }
        return router.lookup(arn);
    }

    /**
     * @return the bus this principal names: {@code null} is its default bus, a name is in its account, an ARN
     *         anywhere. Naming is not a call: nothing is authorized.
     * @throws IllegalArgumentException when there is no such bus.
     */
    public EventBus eventBus(final String nameOrArn) {
        return router.busFor(principal, nameOrArn);
    }

    /** PutEvents as this principal; each entry's {@code account} is the principal's. @see Router#putEvents */
    public PutEventsResult putEvents(final List<PutEventsEntry> entries) {
        return router.putEvents(this, entries);
    }

    /**
     * Publishes a complete envelope as this principal: its {@code account} must be the principal's, and the bus's
     * policy must allow its source and detail-type. @see EventBus#publish(byte[], int, int)
     *
     * @throws dev.eventrouter.auth.AccessDeniedException when not allowed.
     */
    public boolean publish(final String bus, final byte[] bytes, final int offset, final int length) {
        return router.publishRaw(this, router.busFor(principal, bus), bytes, offset, length);
    }

    /** CreateEventBus in the principal's account (a name; the router's region). */
    public EventBus createEventBus(final String name) {
        return router.createEventBus(new EventArns.BusId(router.defaultRegion(), principal.account(),
            EventArns.busName(name)).arn());
    }

    /**
     * DeleteEventBus: only a bus of the principal's own account. @see Router#deleteEventBus
     *
     * @throws dev.eventrouter.auth.AccessDeniedException when the bus is another account's.
     */
    public void deleteEventBus(final String nameOrArn) {
        final EventBus bus = router.busFor(principal, nameOrArn);
        if (!bus.account().equals(principal.account())) {
            throw new dev.eventrouter.auth.AccessDeniedException("User: " + principal.arn()
                + " is not authorized to perform: events:DeleteEventBus on resource: " + bus.arn()
                + " because only the bus's account may delete it");
        }
        router.deleteEventBus(bus.arn());
    }

    /** @see Router#putRule */
    public String putRule(final Rule rule) {
        return router.putRule(principal, rule);
    }

    /** @see Router#putRules */
    public java.util.List<String> putRules(final java.util.List<Rule> rules) {
        return router.putRules(principal, rules);
    }

    /** @see Router#deleteRule */
    public void deleteRule(final String bus, final String name) {
        router.deleteRule(principal, bus, name);
    }

    /** @see Router#enableRule */
    public void enableRule(final String bus, final String name) {
        router.setState(principal, bus, name, RuleState.ENABLED);
    }

    /** @see Router#disableRule */
    public void disableRule(final String bus, final String name) {
        router.setState(principal, bus, name, RuleState.DISABLED);
    }

    /** @see Router#describeRule */
    public Rule describeRule(final String bus, final String name) {
        return router.describeRule(principal, bus, name);
    }

    /** @see Router#listRules */
    public List<Rule> listRules(final String bus) {
        return router.listRules(principal, bus);
    }

    /** @see Router#putTargets */
    public void putTargets(final String bus, final String rule, final List<Target> targets) {
        router.putTargets(principal, bus, rule, targets);
    }

    /** @see Router#removeTargets */
    public void removeTargets(final String bus, final String rule, final List<String> ids) {
        router.removeTargets(principal, bus, rule, ids);
    }

    /** @see Router#listTargetsByRule */
    public List<Target> listTargetsByRule(final String bus, final String rule) {
        return router.listTargetsByRule(principal, bus, rule);
    }

    /** PutPermission on a bus of the principal's account. @see Router#putPermission */
    public void putPermission(final String bus, final String statementId, final String action,
                              final String grantee, final String organizationId) {
        router.putPermission(principal, bus, statementId, action, grantee, organizationId);
    }

    /** @see Router#putPolicy */
    public void putPolicy(final String bus, final String policyJson) {
        router.putPolicy(principal, bus, policyJson);
    }

    /** @see Router#removePermission */
    public void removePermission(final String bus, final String statementId) {
        router.removePermission(principal, bus, statementId);
    }

    /** @see Router#removeAllPermissions */
    public void removeAllPermissions(final String bus) {
        router.removeAllPermissions(principal, bus);
    }

    /** @see Router#tagResource */
    public void tagResource(final String arn, final Map<String, String> tags) {
        router.tagResource(principal, arn, tags);
    }

    /** @see Router#untagResource */
    public void untagResource(final String arn, final Collection<String> keys) {
        router.untagResource(principal, arn, keys);
    }

    /** @see Router#listTagsForResource */
    public Map<String, String> listTagsForResource(final String arn) {
        return router.listTagsForResource(principal, arn);
    }

    /**
     * Authorizes a call on a bus made outside the router (archives: {@code events:CreateArchive}...; replays:
     * {@code events:StartReplay}...): allowed in the bus's account, elsewhere only when the bus policy allows it.
     *
     * @return the bus.
     * @throws dev.eventrouter.auth.AccessDeniedException when not allowed.
     */
    public EventBus authorize(final String action, final String bus) {
        final EventBus eventBus = router.busFor(principal, bus);
        router.authorizeBus(principal, action, eventBus, eventBus.arn);
        return eventBus;
    }

    @Override
    public String toString() {
        return "Caller[" + principal.arn() + "]";
    }
}
