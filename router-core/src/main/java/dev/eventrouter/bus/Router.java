package dev.eventrouter.bus;

import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Authorizer;
import dev.eventrouter.auth.ConditionKey;
import dev.eventrouter.auth.InvalidPolicyException;
import dev.eventrouter.auth.Organizations;
import dev.eventrouter.auth.PolicyDocument;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.auth.RequestContext;
import dev.eventrouter.auth.Tags;
import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.LayeredRules;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import dev.eventrouter.target.RetryPlanner;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * An embedded EventBridge: event buses with rules and targets, fed by any number of publisher threads through a
 * single-writer Disruptor pipeline ({@link Pipeline}). Every accepted event reaches every target of every enabled
 * rule it matches, or that target's dead-letter handler, or is reported by {@link #close(Duration)}.
 *
 * <pre>{@code
 * try (Router router = Router.start(new RouterContext())) {
 *     router.putRule(Rule.of("orders", "{\"source\":[\"shop\"]}"));
 *     router.putTargets(null, "orders", List.of(Target.handler("print", d -> System.out.println(d.payloadAsString()))));
 *     router.putEvents(List.of(PutEventsEntry.of("shop", "OrderPlaced", "{\"id\":1}")));
 * }
 * }</pre>
 * Thread-safe. Publishing never locks; rule and target changes are serialized among themselves, compile off the
 * match thread and are swapped in atomically, so they never pause publishers. See {@code docs/router.md}.
 */
public final class Router implements AutoCloseable {
    private static final int MAX_ENTRIES = 10;
    /** EventBridge's message when a PutEvents call's entries are too large together (see {@link #putEvents}). */
    public static final String TOTAL_SIZE_OVER_LIMIT = "Total size of the entries in the request is over the limit.";
    private static final dev.eventrouter.target.EventPath ID_PATH = dev.eventrouter.target.EventPath.compile("$.id");

    private final RouterContext context;
    private final Object admin = new Object();
    private final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
    private final RuleCompiler compiler = new RuleCompiler(PatternLimits.DEFAULT);
    private final Map<String, EventBus> busesByKey = new ConcurrentHashMap<>();
    private final Map<String, RuleMetrics> ruleMetrics = new ConcurrentHashMap<>();
    private final Map<String, TargetMetrics> targetMetrics = new ConcurrentHashMap<>();
    private final List<AgentRunner> workerRunners = new ArrayList<>();
    private final List<AsyncTargetWorker> workers = new ArrayList<>();
    /** The in-flight deliveries of every completing target bound so far (replaced ones too, until close). */
    private final List<CompletingDeliveries> completing = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Counter discardedForDeletedBus = new Counter();
    private final Counter stageErrors = new Counter();
    private final AtomicInteger activePublishers = new AtomicInteger();
    private final AtomicLong threadSeeds = new AtomicLong();
    private final ThreadLocal<Publisher> publishers;
    private final Pipeline pipeline;
    /** When events end ({@link RouterContext#trackEnds}); null when not tracked. */
    private final EndLedger endLedger;
    private final RetryAgent retries;
    /** Fires scheduled rules; shares the retry agent's thread. */
    private final ScheduleAgent schedules;
    /** Each scheduled rule's schedule and when it was put with it (a rate counts from then); under admin. */
    private final Map<String, ScheduleAgent.Scheduled> scheduleAnchors = new java.util.HashMap<>();
    /** The scheduled rules last handed to the schedule agent, by ARN (their active-from times); under admin. */
    private Map<String, ScheduleAgent.Scheduled> activeSchedules = Map.of();
    private final AgentRunner retryRunner;
    private volatile EventBus[] busTable = new EventBus[0];
    private volatile boolean closed;
    /** Set when close's drain ends: publishers stop backing off and report the entry throttled. */
    private volatile boolean stopping;
    private final AtomicInteger waitingPublishers = new AtomicInteger();
    /** How long close waits, after its timeout, for the router's threads to stop. */
    static final long CLOSE_GRACE_MILLIS = 1_000;
    /**
     * How long close waits at least for each thread after telling it to stop, even when a stuck thread before it
     * used up {@link #CLOSE_GRACE_MILLIS}: a healthy thread parked in its idle strategy on a loaded machine is not
     * reported stuck because another one was.
     */
    static final long CLOSE_FLOOR_MILLIS = 250;
    private volatile ReplayFilter[] replayFilters = new ReplayFilter[1];
    private int nextReplayFilterId = 1;
    private final java.util.Set<Integer> releasedReplayFilters = new java.util.HashSet<>();
    private static final ReplayFilter EVERYTHING = new ReplayFilter(0, java.util.Set.of());
    private CloseReport closeReport;
    private final EventIdSource forwardIds;
    private volatile Organizations organizations = Organizations.NONE;
    /** Tags of rules, by rule ARN (case-insensitive keys, unmodifiable maps). */
    private final Map<String, Map<String, String>> ruleTags = new ConcurrentHashMap<>();

    /**
     * Per-publisher-thread state: the envelope encoder, validators and authorization scratch; all reused. Static, and
     * holding nothing of the router's: a thread's {@code ThreadLocal} value that referred to its router
     * (or to the router's context, whose handlers may) kept every router a long-lived thread ever published to
     * alive, ring and handoff buffers included, since the value keeps the {@code ThreadLocal} key reachable.
     */
    private static final class Publisher {
        final EnvelopeEncoder encoder;
        /**
         * Raw events are held to 1000 levels as a whole (EventBridge: "events are limited to 1000 levels"), as
         * {@code router match} and {@code test-pattern} hold them; the match stage allows one more level for
         * PutEvents entries, whose Detail may itself be 1000 levels deep inside the envelope.
         */
        final EventMatcher validator;
        final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 100_000);
        /** The rules of the bus a PutEvents entry goes to, for {@link #rulesCheck}. */
        MatchAutomaton entryRules = MatchAutomaton.EMPTY;
        /**
         * Matches a PutEvents entry against its bus's rules of the moment, so that an entry whose array-consistent
         * verification exceeds the per-event bound is refused with a per-entry error instead of being accepted and
         * counted as malformed later. Raw publishes (the zero-allocation path) skip it; the match stage bounds them.
         */
        final EventMatcher rulesCheck;
        /** Set on the router's own threads: handlers may still publish while {@link #close} drains. */
        boolean internal;
        /** A PutEvents entry's trace header as ASCII bytes (validated printable ASCII); reused. */
        byte[] trace = EventSlot.NO_TRACE;
        /** Authorizes a caller's PutEvents entries; reused. */
        final RequestContext auth = new RequestContext();
        /** Decisions on PutEvents entries already made on this thread. */
        final EntryDecisions decisions = new EntryDecisions();
        /** Authorizes a rule's delivery to a bus in another account; reused. */
        final RequestContext forwardAuth = new RequestContext();
        /** The acknowledgement of the last PutEvents entry handed to a diverted bus's sink, or {@code null}. */
        java.util.concurrent.CompletableFuture<?> appended;
        /** How long to wait for {@link #appended}. */
        long appendTimeoutNanos;

        Publisher(final IngestLimits limits, final int maxEventBytes, final org.agrona.concurrent.EpochClock clock,
                  final long seed) {
            encoder = new EnvelopeEncoder(limits, clock, EventIdSource.random(seed));
            validator = new EventMatcher(MatchAutomaton.EMPTY, new EventLimits(maxEventBytes,
                limits.maxDetailDepth()));
            validator.recordSpans(true);   // handed on with the event: the match stage jumps over them
            rulesCheck = new EventMatcher(() -> entryRules, new EventLimits(maxEventBytes,
                limits.maxDetailDepth() + 1));
        }
    }

    private Router(final RouterContext context) {
        this.context = context;
        forwardIds = EventIdSource.random(context.seed() * 31 + 17);
        final IngestLimits limits = context.ingestLimits();
        final int maxEventBytes = context.maxEventBytes();
        final org.agrona.concurrent.EpochClock clock = context.clock();
        final long seed = context.seed();
        publishers = ThreadLocal.withInitial(() -> new Publisher(limits, maxEventBytes, clock,
            seed ^ threadSeeds.incrementAndGet() * 0x9E37_79B9_7F4A_7C15L));
        endLedger = context.trackEnds() ? new EndLedger(this::handoffConsumed, this::ringCursor) : null;
        final MatchStage stage = new MatchStage(this,
            new EventLimits(context.maxEventBytes(), context.ingestLimits().maxDetailDepth() + 1));
        pipeline = new Pipeline(context, stage, this);
        retries = new RetryAgent(new RetryPlanner(context.retryBaseMillis(), context.retryCapMillis(),
            context.seed()), context.clock(), this::markInternalThread);
        schedules = new ScheduleAgent(this, context.clock(), context.seed() * 31 + 29);
        retryRunner = new AgentRunner(context.newAgentIdleStrategy(), Router::reportAgentError, null,
            new org.agrona.concurrent.CompositeAgent(retries, schedules));
        register(new EventBus(this, new EventArns.BusId(context.region(), context.account(), EventArns.DEFAULT_BUS),
            0, compiler));
    }

    /**
     * Starts a router: validates the context ({@link RouterContext#conclude()}), creates the default bus and starts
     * the pipeline and retry threads.
     */
    public static Router start(final RouterContext context) {
        checkJvmFlags();
        final Router router = new Router(context.conclude());
        router.pipeline.start();
        AgentRunner.startOnThread(router.retryRunner);
        return router;
    }

    /** The JVM flag Agrona 2.x needs for its Unsafe access on JDK 17 and later. */
    public static final String REQUIRED_JVM_FLAG = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    /**
     * Agrona's buffers need {@value #REQUIRED_JVM_FLAG}; without it the first buffer fails deep inside Agrona with an
     * IllegalAccessError (and every later one with NoClassDefFoundError). Say which flag, once, up front.
     */
    private static void checkJvmFlags() {
        try {
            new org.agrona.concurrent.UnsafeBuffer(new byte[0]);
        } catch (IllegalAccessError | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("eventrouter needs the JVM flag " + REQUIRED_JVM_FLAG
                + " (Agrona's Unsafe access); archives and queues (Chronicle Queue) need the flags listed in the"
                + " README's Embedding section too", e);
        }
    }

    // ---- buses ---------------------------------------------------------------------------------------------

    /**
     * Creates a bus.
     *
     * @param nameOrArn a name (in the default account and region) or a bus ARN (any account and region).
     * @return the new bus.
     * @throws IllegalArgumentException when the name is invalid or the bus exists.
     */
    public EventBus createEventBus(final String nameOrArn) {
        final EventArns.BusId id = EventArns.resolve(nameOrArn, context.region(), context.account());
        if (id.name().contains("/") && !id.name().startsWith("aws.partner/")) {
            throw new IllegalArgumentException("EventBusName=" + id.name()
                + ": only partner buses (aws.partner/...) may contain '/'");
        }
        synchronized (admin) {
            if (busesByKey.containsKey(id.arn())) {
                throw new ResourceExistsException("Event bus " + id.name() + " already exists.");
            }
            final EventBus bus = new EventBus(this, id, busTable.length, compiler);
            register(bus);
            return bus;
        }
    }

    private void register(final EventBus bus) {
        final EventBus[] table = java.util.Arrays.copyOf(busTable, bus.index + 1);
        table[bus.index] = bus;
        busesByKey.put(bus.arn, bus);
        if (bus.id.account().equals(context.account()) && bus.id.region().equals(context.region())) {
            busesByKey.put(bus.name(), bus);
        }
        busTable = table;
    }

    /**
     * Deletes a bus that has no rules. Events already accepted for it are discarded and counted
     * ({@link #discardedForDeletedBus()}).
     *
     * @throws IllegalArgumentException when it is the router's default bus, does not exist, or still has rules.
     */
    public void deleteEventBus(final String nameOrArn) {
        synchronized (admin) {
            final EventBus bus = eventBus(nameOrArn);
            if (bus.index == 0) {
                throw new IllegalArgumentException("the default event bus cannot be deleted");
            }
            if (!bus.rules.isEmpty()) {
                throw new IllegalArgumentException("event bus " + bus.arn + " still has rules " + bus.rules.keySet()
                    + "; delete them first");
            }
            bus.deleted = true;
            busesByKey.remove(bus.arn);
            busesByKey.remove(bus.name(), bus);
            final EventBus[] table = busTable.clone();
            table[bus.index] = null;
            busTable = table;
        }
    }

    /**
     * @param nameOrArn a bus name or ARN; {@code null} for the default bus.
     * @return the bus.
     * @throws IllegalArgumentException when there is no such bus.
     */
    public EventBus eventBus(final String nameOrArn) {
        final EventBus bus = lookup(nameOrArn);
        if (bus == null) {
            throw new NoSuchResourceException(busDoesNotExist(nameOrArn));
        }
        return bus;
    }

    /** @return every bus, in creation order. */
    public List<EventBus> eventBuses() {
        final List<EventBus> list = new ArrayList<>();
        for (EventBus bus : busTable) {
            if (bus != null) {
                list.add(bus);
            }
        }
        return list;
    }

    /** @return the bus, or {@code null}. Allocation-free when given an exact name or ARN. */
    EventBus lookup(final String nameOrArn) {
        if (nameOrArn == null || nameOrArn.isEmpty()) {
            return busTable[0];
        }
        final EventBus bus = busesByKey.get(nameOrArn);
        if (bus != null || !nameOrArn.startsWith("arn:")) {
            return bus;
        }
        try {
            return busesByKey.get(EventArns.resolve(nameOrArn, context.region(), context.account()).arn());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    EventBus busAt(final int index) {
        final EventBus[] table = busTable;
        return index >= 0 && index < table.length ? table[index] : null;
    }

    // ---- rules ---------------------------------------------------------------------------------------------

    /**
     * Creates or replaces a rule (its targets are kept). Takes effect for the next event matched.
     *
     * @return the rule's ARN.
     * @throws InvalidPatternException  when the pattern is invalid, naming the rule, path and position.
     * @throws IllegalArgumentException when the bus does not exist.
     */
    public String putRule(final Rule rule) {
        return putRule(null, rule);
    }

    String putRule(final Principal caller, final Rule rule) {
        try {
            return putRules(caller, List.of(rule)).get(0);
        } catch (PutRulesException e) {
            throw e.getCause();
        }
    }

    /**
     * Creates or replaces many rules at once, as if by {@link #putRule} one after the other, but each bus's automaton
     * is compiled once for the whole list instead of once per rule: loading N rules is linear, not quadratic. All or
     * nothing: every rule is checked (pattern, bus, schedule, authorization), and every bus's rule set against the
     * wildcard budget, before any takes effect.
     *
     * @return the rules' ARNs, in order.
     * @throws PutRulesException       naming the index of the first rule refused; its cause is what {@link #putRule}
     *                                 would have thrown for it.
     * @throws InvalidPatternException when a bus's rules would exceed the wildcard budget of a rule set together.
     */
    public List<String> putRules(final List<Rule> rules) {
        return putRules(null, rules);
    }

    List<String> putRules(final Principal caller, final List<Rule> rules) {
        final List<EventPattern> patterns = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            final Rule rule = rules.get(i);
            try {
                patterns.add(rule.eventPattern() == null ? null : parser.parse(rule.eventPattern()));
            } catch (InvalidPatternException e) {
                throw new PutRulesException(i, e.inRule(rule.name()));
            }
        }
        synchronized (admin) {
            final Map<EventBus, Map<String, RuleBinding>> nextByBus = new LinkedHashMap<>();
            final Map<String, ScheduleAgent.Scheduled> anchors = new java.util.HashMap<>(scheduleAnchors);
            final List<String> arns = new ArrayList<>(rules.size());
            for (int i = 0; i < rules.size(); i++) {
                try {
                    arns.add(stage(caller, rules.get(i), patterns.get(i), nextByBus, anchors));
                } catch (RuntimeException e) {
                    throw new PutRulesException(i, e);
                }
            }
            // a bus refusing its changes (the wildcard budget) refuses the call before any bus changed
            final Map<EventBus, LayeredRules.Checked> checkedByBus = new LinkedHashMap<>();
            nextByBus.forEach((bus, changes) -> checkedByBus.put(bus, checked(bus, changes)));
            scheduleAnchors.clear();
            scheduleAnchors.putAll(anchors);
            nextByBus.forEach((bus, changes) -> {
                changes.values().forEach(binding -> ruleMetrics.putIfAbsent(binding.arn, binding.metrics));
                install(bus, changes, checkedByBus.get(bus));
            });
            return arns;
        }
    }

    /** Checks one rule of {@link #putRules} and stages it in its bus's changes. @return its ARN. */
    private String stage(final Principal caller, final Rule rule, final EventPattern pattern,
                         final Map<EventBus, Map<String, RuleBinding>> nextByBus,
                         final Map<String, ScheduleAgent.Scheduled> anchors) {
        final EventBus bus = busFor(caller, rule.eventBus());
        if (rule.scheduleExpression() != null && (!bus.name().equals(EventArns.DEFAULT_BUS)
            || !bus.account().equals(context.account()))) {
            throw new IllegalArgumentException("ScheduleExpression is supported only on the default event bus.");
        }
        final Map<String, RuleBinding> next = nextByBus.computeIfAbsent(bus, b -> new LinkedHashMap<>());
        final RuleBinding existing = next.containsKey(rule.name()) ? next.get(rule.name()) : bus.rules.get(rule.name());
        authorizeRule(caller, "events:PutRule", bus, rule.name(), existing, pattern, null);
        // the router itself (no caller) may put a rule as another account stored it (a distributed bus's nodes)
        final Rule stored = rule.onBus(bus.name()).createdBy(existing != null ? existing.rule.createdBy()
            : caller != null ? caller.account() : rule.createdBy() != null ? rule.createdBy() : bus.account());
        final RuleBinding binding = existing != null ? existing.with(stored, pattern)
            : new RuleBinding(stored, bus.id.ruleArn(rule.name()), pattern,
                // registered once the whole list is accepted (a refused list leaves no metrics behind)
                ruleMetrics.getOrDefault(bus.id.ruleArn(rule.name()), new RuleMetrics()), new TargetBinding[0]);
        final ScheduleAgent.Scheduled anchor = anchors.get(binding.arn);
        if (rule.scheduleExpression() == null) {
            anchors.remove(binding.arn);
        } else if (anchor == null || !anchor.schedule().text().equals(rule.scheduleExpression())) {
            final long now = context.clock().time();
            anchors.put(binding.arn, new ScheduleAgent.Scheduled(rule.name(), binding.arn,
                ScheduleExpression.parse(rule.scheduleExpression()), now, now));
        }
        next.put(rule.name(), binding);
        return binding.arn;
    }

    /**
     * Deletes a rule that has no targets (as EventBridge requires).
     *
     * @throws IllegalArgumentException when the rule does not exist or still has targets.
     */
    public void deleteRule(final String bus, final String name) {
        deleteRule(null, bus, name);
    }

    void deleteRule(final Principal caller, final String bus, final String name) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            final RuleBinding binding = requireRule(eventBus, name);
            authorizeRule(caller, "events:DeleteRule", eventBus, name, binding, null, null);
            if (binding.targets.length > 0) {
                throw new IllegalArgumentException("Rule can't be deleted since it has targets. (" + binding.arn
                    + ": remove its targets first)");
            }
            scheduleAnchors.remove(binding.arn);
            install(eventBus, java.util.Collections.singletonMap(name, null), true);   // null: deleted
            ruleTags.remove(binding.arn);
        }
    }

    /** Enables a rule. @throws IllegalArgumentException when it does not exist. */
    public void enableRule(final String bus, final String name) {
        setState(null, bus, name, RuleState.ENABLED);
    }

    /** Disables a rule: it keeps its targets and matches nothing. @throws IllegalArgumentException when absent. */
    public void disableRule(final String bus, final String name) {
        setState(null, bus, name, RuleState.DISABLED);
    }

    void setState(final Principal caller, final String bus, final String name, final RuleState state) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            final RuleBinding binding = requireRule(eventBus, name);
            authorizeRule(caller, state == RuleState.ENABLED ? "events:EnableRule" : "events:DisableRule", eventBus,
                name, binding, null, null);
            install(eventBus, Map.of(name, binding.with(binding.rule.withState(state), binding.pattern)), true);
        }
    }

    /** @return the rule as stored (its bus given by name). @throws IllegalArgumentException when absent. */
    public Rule describeRule(final String bus, final String name) {
        return describeRule(null, bus, name);
    }

    Rule describeRule(final Principal caller, final String bus, final String name) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            final RuleBinding binding = requireRule(eventBus, name);
            authorizeRule(caller, "events:DescribeRule", eventBus, name, binding, null, null);
            return binding.rule;
        }
    }

    /** @return the rules of a bus, in creation order. */
    public List<Rule> listRules(final String bus) {
        return listRules(null, bus);
    }

    List<Rule> listRules(final Principal caller, final String bus) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            authorizeBus(caller, "events:ListRules", eventBus, eventBus.arn);
            final List<Rule> list = new ArrayList<>();
            eventBus.rules.values().forEach(binding -> list.add(binding.rule));
            return list;
        }
    }

    private static RuleBinding requireRule(final EventBus bus, final String name) {
        final RuleBinding binding = bus.rules.get(name);
        if (binding == null) {
            throw new NoSuchResourceException("Rule " + name + " does not exist on EventBus " + bus.name() + ".");
        }
        return binding;
    }

    /** Automaton compilations so far (admin lock; a test seam for {@link #putRules}' one compilation per bus). */
    private long compilations;

    long compilations() {
        synchronized (admin) {
            return compilations;
        }
    }

    /**
     * Applies rule changes to a bus: recompiles what the automaton must change (the rules put, deleted, enabled or
     * disabled: {@link dev.eventrouter.match.LayeredRules}, so the cost is that of the change, not of the bus's rule
     * count) and swaps the bus's rules in one volatile write. Holding the admin lock.
     *
     * @param changes         by rule name, the new binding, or {@code null} for a deleted rule.
     * @param patternsChanged whether any pattern or state may have changed ({@code false}: targets only).
     */
    private void install(final EventBus bus, final Map<String, RuleBinding> changes, final boolean patternsChanged) {
        install(bus, changes, patternsChanged ? checked(bus, changes) : null);   // throws before anything changed
    }

    /** @param checked {@link #checked} of {@code changes}, or {@code null} when they leave the automaton as it is. */
    private void install(final EventBus bus, final Map<String, RuleBinding> changes,
                         final LayeredRules.Checked checked) {
        MatchAutomaton automaton = bus.compiled.automaton;
        if (checked != null) {
            compilations++;
            automaton = bus.layers.apply(checked);
        }
        changes.forEach((name, binding) -> {
            if (binding == null) {
                bus.rules.remove(name);
                bus.byName.remove(name);
            } else {
                bus.rules.put(name, binding);
                bus.byName.put(name, binding);
            }
        });
        bus.compiled = bindings(bus, bus.compiled, automaton, changes.keySet());
        updateSchedules(bus);
        bus.layers.compactLater(context.ruleCompactor(), admin, compacted -> {
            if (!closed) {
                bus.compiled = bindings(bus, bus.compiled, compacted, List.of());
            }
        });
    }

    /**
     * @return what {@code changes} change in the bus's automaton, checked against the wildcard budget, or {@code null}
     *         when they change nothing there.
     * @throws InvalidPatternException when the bus's rules would exceed the budget.
     */
    private static LayeredRules.Checked checked(final EventBus bus, final Map<String, RuleBinding> changes) {
        final Map<String, EventPattern> automatonChanges = automatonChanges(bus, changes);
        return automatonChanges.isEmpty() ? null : bus.layers.check(automatonChanges);
    }

    /** @return what {@code changes} change in the bus's automaton, by rule name ({@code null}: no longer matches). */
    private static Map<String, EventPattern> automatonChanges(final EventBus bus,
                                                              final Map<String, RuleBinding> changes) {
        final Map<String, EventPattern> automatonChanges = new LinkedHashMap<>();
        changes.forEach((name, binding) -> {
            final EventPattern was = matching(bus.rules.get(name));
            final EventPattern now = matching(binding);
            if (now != null ? !now.equals(was) : was != null) {
                automatonChanges.put(name, now);
            }
        });
        return automatonChanges;
    }

    /** @return the pattern a binding gives the automaton: {@code null} when it has none or is disabled. */
    private static EventPattern matching(final RuleBinding binding) {
        return binding != null && binding.rule.state().matches() ? binding.pattern : null;
    }

    /**
     * @return the bus's rules for {@code automaton}: its bindings by rule index. While the automaton's base layer is
     * the previous one's, the base's part is copied and only the changed rules and the overlay are looked up.
     */
    private static BusRules bindings(final EventBus bus, final BusRules previous, final MatchAutomaton automaton,
                                     final java.util.Collection<String> changed) {
        final RuleBinding[] byIndex;
        final int base = bus.layers.baseSize();
        final long version = bus.layers.baseVersion();
        if (previous.baseVersion == version && previous.byIndex.length >= base) {
            byIndex = java.util.Arrays.copyOf(previous.byIndex, automaton.ruleCount());
            for (int i = base; i < byIndex.length; i++) {
                byIndex[i] = bus.rules.get(automaton.rule(i).name());
            }
            for (String name : changed) {
                final int index = bus.layers.indexOf(name);
                if (index >= 0 && index < base) {
                    byIndex[index] = bus.rules.get(name);
                }
            }
        } else {
            byIndex = new RuleBinding[automaton.ruleCount()];
            for (int i = 0; i < byIndex.length; i++) {
                byIndex[i] = bus.rules.get(automaton.rule(i).name());
            }
        }
        return new BusRules(automaton, byIndex, bus.byName, version);
    }

    /**
     * The router's own default bus holds the scheduled rules: hands the enabled ones to the schedule agent (a cost in
     * the number of scheduled rules, not of rules).
     */
    private void updateSchedules(final EventBus bus) {
        if (!bus.name().equals(EventArns.DEFAULT_BUS) || !bus.account().equals(context.account())) {
            return;
        }
        final List<ScheduleAgent.Scheduled> scheduled = new ArrayList<>();
        scheduleAnchors.values().forEach(anchor -> {
            final RuleBinding binding = bus.rules.get(anchor.ruleName());
            if (binding != null && binding.arn.equals(anchor.ruleArn()) && binding.rule.state().matches()) {
                final ScheduleAgent.Scheduled active = activeSchedules.get(binding.arn);
                // still active with the same schedule: keep its count; else it counts from now (put or enabled)
                scheduled.add(active != null && active.putAtMillis() == anchor.putAtMillis() ? active
                    : new ScheduleAgent.Scheduled(anchor.ruleName(), anchor.ruleArn(), anchor.schedule(),
                        anchor.putAtMillis(), Math.max(anchor.putAtMillis(), context.clock().time())));
            }
        });
        schedules.update(scheduled);
        final Map<String, ScheduleAgent.Scheduled> byArn = new java.util.HashMap<>();
        scheduled.forEach(rule -> byArn.put(rule.ruleArn(), rule));
        activeSchedules = byArn;
    }

    /** @return scheduled events made so far (see {@link ScheduleExpression}). */
    public long scheduledEvents() {
        return schedules.fired();
    }

    // ---- targets -------------------------------------------------------------------------------------------

    /**
     * Adds targets to a rule or replaces those with the same ids. A replaced asynchronous target finishes its queue
     * first. All or nothing: the first invalid target fails the call and nothing changes.
     *
     * @throws IllegalArgumentException naming the target and the problem, or when the rule would exceed the
     *                                  targets-per-rule limit.
     */
    public void putTargets(final String bus, final String rule, final List<Target> targets) {
        putTargets(null, bus, rule, targets);
    }

    void putTargets(final Principal caller, final String bus, final String rule, final List<Target> targets) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            final RuleBinding binding = requireRule(eventBus, rule);
            authorizeRule(caller, "events:PutTargets", eventBus, rule, binding, null, targets);
            final Map<String, TargetBinding> byId = targetsById(binding);
            final Map<String, Target> added = new LinkedHashMap<>();
            for (Target target : targets) {
                if (added.put(target.id(), target) != null) {
                    throw new IllegalArgumentException("target " + target.id() + " is given twice");
                }
                if (target.kind() == Target.Kind.BUS) {
                    EventArns.resolve(target.bus(), context.region(), context.account());
                }
            }
            final int count = (int) byId.keySet().stream().filter(id -> !added.containsKey(id)).count()
                + added.size();
            if (count > context.maxTargetsPerRule()) {
                throw new IllegalArgumentException("rule " + binding.arn + " would have " + count
                    + " targets; the limit is " + context.maxTargetsPerRule());
            }
            final List<TargetBinding> retired = new ArrayList<>();
            added.forEach((id, target) -> {
                final TargetBinding old = byId.get(id);
                if (old == null || !old.target.equals(target)) {
                    if (old != null) {
                        retired.add(old);
                    }
                    byId.put(id, bind(eventBus, binding, target));
                }
            });
            install(eventBus, withTargets(binding, byId), false);
            retired.forEach(Router::retire);
        }
    }

    /**
     * Removes targets from a rule; an asynchronous target finishes its queue first.
     *
     * @throws IllegalArgumentException when the rule has no target with one of the ids (nothing is removed).
     */
    public void removeTargets(final String bus, final String rule, final List<String> ids) {
        removeTargets(null, bus, rule, ids);
    }

    void removeTargets(final Principal caller, final String bus, final String rule, final List<String> ids) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            final RuleBinding binding = requireRule(eventBus, rule);
            authorizeRule(caller, "events:RemoveTargets", eventBus, rule, binding, null, null);
            final Map<String, TargetBinding> byId = targetsById(binding);
            for (String id : ids) {
                if (!byId.containsKey(id)) {
                    throw new IllegalArgumentException("rule " + binding.arn + " has no target " + id);
                }
            }
            final List<TargetBinding> removed = new ArrayList<>();
            ids.forEach(id -> removed.add(byId.remove(id)));
            install(eventBus, withTargets(binding, byId), false);
            removed.forEach(Router::retire);
        }
    }

    /** @return the targets of a rule, in the order they were added. */
    public List<Target> listTargetsByRule(final String bus, final String rule) {
        return listTargetsByRule(null, bus, rule);
    }

    List<Target> listTargetsByRule(final Principal caller, final String bus, final String rule) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            final RuleBinding binding = requireRule(eventBus, rule);
            authorizeRule(caller, "events:ListTargetsByRule", eventBus, rule, binding, null, null);
            final List<Target> list = new ArrayList<>();
            for (TargetBinding target : binding.targets) {
                list.add(target.target);
            }
            return list;
        }
    }

    private static Map<String, TargetBinding> targetsById(final RuleBinding binding) {
        final Map<String, TargetBinding> byId = new LinkedHashMap<>();
        for (TargetBinding existing : binding.targets) {
            byId.put(existing.target.id(), existing);
        }
        return byId;
    }

    private static Map<String, RuleBinding> withTargets(final RuleBinding binding,
                                                        final Map<String, TargetBinding> byId) {
        return Map.of(binding.rule.name(), binding.with(byId.values().toArray(new TargetBinding[0])));
    }

    /** @return the ARN of a bus target's bus as delivery resolves it: a name is a bus of the default account. */
    String busArn(final String nameOrArn) {
        return EventArns.resolve(nameOrArn, context.region(), context.account()).arn();
    }

    private TargetBinding bind(final EventBus bus, final RuleBinding rule, final Target target) {
        final TargetMetrics metrics = targetMetrics.computeIfAbsent(rule.arn + "#" + target.id(),
            k -> new TargetMetrics());
        AsyncTargetWorker worker = null;
        if (target.kind() == Target.Kind.ASYNC_HANDLER) {
            worker = new AsyncTargetWorker("eventrouter-target-" + target.id(), target.queueCapacity());
        }
        final CompletingDeliveries completions = target.kind() == Target.Kind.COMPLETING
            ? new CompletingDeliveries(target.queueCapacity()) : null;
        final TargetBinding binding = new TargetBinding(this, bus, target, rule.rule.name(), rule.arn, metrics,
            target.deadLetter() != null ? target.deadLetter() : context.defaultDeadLetter(), worker, completions,
            rule.rule.createdBy());
        if (completions != null) {
            completions.bind(binding);
            completing.add(completions);
        }
        if (worker != null) {
            worker.bind(binding);
            final AgentRunner runner = new AgentRunner(context.newAgentIdleStrategy(), Router::reportAgentError,
                null, worker);
            workers.add(worker);
            workerRunners.add(runner);
            AgentRunner.startOnThread(runner);
        }
        return binding;
    }

    private static void retire(final TargetBinding binding) {
        if (binding.worker != null) {
            binding.worker.retire();
        }
    }

    // ---- accounts, policies and tags -----------------------------------------------------------------------

    /**
     * @return a view of this router whose calls run as {@code principal}: bus names are in its account, and every
     *         call is authorized against the bus's resource-based policy (see {@link Caller}).
     */
    public Caller as(final Principal principal) {
        return new Caller(this, java.util.Objects.requireNonNull(principal, "principal"));
    }

    /** Replaces the organization registry (organization ids and account tags of callers). */
    public void organizations(final Organizations registry) {
        organizations = java.util.Objects.requireNonNull(registry, "registry");
    }

    /** @return the region of names without an ARN. */
    String defaultRegion() {
        return context.region();
    }

    /** @return the organization registry. */
    public Organizations organizations() {
        return organizations;
    }

    /**
     * AWS's words for a missing bus, "Event bus NAME does not exist." (recorded against AWS in LocalStack's
     * {@code tests/aws/services/events/test_events.snapshot.json},
     * {@code test_describe_delete_not_existing_event_bus}).
     */
    static String busDoesNotExist(final String nameOrArn) {
        return "Event bus " + (nameOrArn == null || nameOrArn.isEmpty() ? EventArns.DEFAULT_BUS : nameOrArn)
            + " does not exist.";
    }

    /** @return the bus a caller names: {@code null} is its default bus, a name is in its account, an ARN anywhere. */
    EventBus busFor(final Principal caller, final String nameOrArn) {
        if (caller == null || nameOrArn != null && nameOrArn.startsWith("arn:")) {
            return eventBus(nameOrArn);
        }
        final String arn = new EventArns.BusId(context.region(), caller.account(),
            nameOrArn == null || nameOrArn.isEmpty() ? EventArns.DEFAULT_BUS : nameOrArn).arn();
        final EventBus bus = busesByKey.get(arn);
        if (bus == null) {
            throw new NoSuchResourceException(busDoesNotExist(nameOrArn));
        }
        return bus;
    }

    /** Authorizes a call on a bus (ListRules, tagging the bus, archives and replays). */
    void authorizeBus(final Principal caller, final String action, final EventBus bus, final String resource) {
        if (caller == null) {
            return;
        }
        final RequestContext ctx = new RequestContext().reset(resolve(caller), action, resource)
            .resourceTags(bus.tags);
        check(bus, ctx);
    }

    private void check(final EventBus bus, final RequestContext ctx) {
        final int decision = Authorizer.decide(bus.policy, bus.account(), ctx, 0);
        if (!Authorizer.allowed(decision)) {
            throw new AccessDeniedException(Authorizer.message(decision, ctx));
        }
    }

    Principal resolve(final Principal caller) {
        return organizations.resolve(caller);
    }

    private static boolean mutates(final String action) {
        return !action.equals("events:DescribeRule") && !action.equals("events:ListTargetsByRule")
            && !action.equals("events:ListTagsForResource");
    }

    /**
     * Authorizes a rule call. A rule created by another account than the bus's is managed by its creator only, and
     * its targets must be in the creator's account; the bus policy decides for callers from other accounts, with
     * {@code events:source}, {@code events:detail-type} and {@code events:detail.*} taken from the pattern.
     */
    private void authorizeRule(final Principal caller, final String action, final EventBus bus, final String rule,
                               final RuleBinding existing, final EventPattern pattern, final List<Target> targets) {
        final String callerAccount = caller == null ? bus.account() : caller.account();
        final String creator = existing != null ? existing.rule.createdBy() : callerAccount;
        final String ruleArn = bus.id.ruleArn(rule);
        if (existing != null && mutates(action) && !creator.equals(callerAccount)) {
            throw new AccessDeniedException("User: " + (caller == null ? Principal.rootArn(callerAccount)
                : caller.arn()) + " is not authorized to perform: " + action + " on resource: " + ruleArn
                + " because the rule was created by account " + creator + " and only its creator manages it");
        }
        final List<String> targetArns = new ArrayList<>();
        if (targets != null) {
            for (Target target : targets) {
                if (target.kind() == Target.Kind.BUS) {
                    // as delivery looks it up: a name is a bus of the router's default account
                    final EventArns.BusId id = EventArns.resolve(target.bus(), context.region(), context.account());
                    if (!creator.equals(bus.account()) && !id.account().equals(creator)) {
                        throw new AccessDeniedException("rule " + ruleArn + " was created by account " + creator
                            + "; its target " + target.id() + " (" + id.arn() + ") must be in that account");
                    }
                    targetArns.add(id.arn());
                }
            }
        }
        if (caller == null) {
            return;
        }
        final RequestContext ctx = new RequestContext().reset(resolve(caller), action, ruleArn)
            .resourceTags(ruleTags.getOrDefault(ruleArn, Map.of())).targetArns(targetArns);
        if (existing != null) {
            ctx.creatorAccount(creator);
        }
        final EventPattern keys = pattern != null ? pattern : existing != null ? existing.pattern : null;
        if (keys != null) {
            PatternKeys.add(keys, ctx);
        }
        check(bus, ctx);
    }

    /** @return the PutEvents error for an entry the caller may not put on the bus, or {@code null}. */
    private EntryError authorizeEntry(final Publisher publisher, final Principal caller, final EventBus bus,
                                      final PutEventsEntry entry) {
        final PolicyDocument policy = bus.policy;
        final Map<String, String> tags = bus.tags;
        int decision = publisher.decisions.find(policy, caller, tags, bus.arn, entry.source(), entry.detailType());
        if (decision == EntryDecisions.MISS) {
            decision = Authorizer.decide(policy, bus.account(), entryRequest(publisher.auth, caller, bus, entry), 0);
            publisher.decisions.remember(policy, caller, tags, bus.arn, entry.source(), entry.detailType(), decision);
        }
        return Authorizer.allowed(decision) ? null
            : denial(entryRequest(publisher.auth, caller, bus, entry), caller, bus, entry, decision);
    }

    private static RequestContext entryRequest(final RequestContext ctx, final Principal caller, final EventBus bus,
                                               final PutEventsEntry entry) {
        return ctx.reset(caller, "events:PutEvents", bus.arn).source(entry.source()).detailType(entry.detailType())
            .eventBusInvocation(false).resourceTags(bus.tags);
    }

    /** @return the error for a denied entry: which key kept the bus policy's Allow statements from applying. */
    private static EntryError denial(final RequestContext ctx, final Principal caller, final EventBus bus,
                                     final PutEventsEntry entry, final int decision) {
        final int outcome = Authorizer.outcome(decision);
        if (outcome == Authorizer.DENY_NO_ALLOW || outcome == Authorizer.DENY_NO_IDENTITY_ALLOW) {
            // which key kept every Allow from applying: AWS names the source first, then the detail-type
            final int source = 1 << ConditionKey.EVENTS_SOURCE.ordinal();
            final int detailType = 1 << ConditionKey.EVENTS_DETAIL_TYPE.ordinal();
            final boolean sourceOnly = Authorizer.allowed(Authorizer.decide(bus.policy, bus.account(), ctx, source));
            final boolean detailTypeOnly = !sourceOnly
                && Authorizer.allowed(Authorizer.decide(bus.policy, bus.account(), ctx, detailType));
            if (sourceOnly || !detailTypeOnly
                && Authorizer.allowed(Authorizer.decide(bus.policy, bus.account(), ctx, source | detailType))) {
                return new EntryError(EntryError.NOT_AUTHORIZED_FOR_SOURCE, "account " + caller.account()
                    + " is not authorized to put events with source '" + entry.source() + "' on event bus "
                    + bus.arn);
            }
            if (detailTypeOnly) {
                return new EntryError(EntryError.NOT_AUTHORIZED_FOR_DETAIL_TYPE, "account " + caller.account()
                    + " is not authorized to put events with detail-type '" + entry.detailType()
                    + "' on event bus " + bus.arn);
            }
        }
        return new EntryError(EntryError.ACCESS_DENIED, Authorizer.message(decision, ctx));
    }

    /**
     * Authorizes a rule's delivery to a bus: always allowed within the rule creator's account unless the
     * destination's policy denies; across accounts the destination's policy must allow {@code events:PutEvents}
     * with {@code events:eventBusInvocation=true}, {@code aws:SourceArn} the rule's ARN.
     *
     * @return {@code null} when allowed, else AWS's AccessDenied message.
     */
    String authorizeForward(final TargetBinding from, final EventBus destination, final byte[] event,
                            final int offset, final int length) {
        final PolicyDocument policy = destination.policy;
        final String creator = from.creatorAccount;
        if (policy == null && destination.account().equals(creator)) {
            return null;
        }
        final Publisher publisher = publishers.get();
        final RequestContext ctx = publisher.forwardAuth.reset(from.principal(organizations),
            "events:PutEvents", destination.arn).eventBusInvocation(true)
            .sourceRule(from.ruleArn, from.ruleAccount).resourceTags(destination.tags);
        if (policy != null && (policy.usesKey(ConditionKey.EVENTS_SOURCE)
            || policy.usesKey(ConditionKey.EVENTS_DETAIL_TYPE))) {
            ctx.source(EnvelopeFields.string(event, offset, length, EnvelopeFields.SOURCE));
            ctx.detailType(EnvelopeFields.string(event, offset, length, EnvelopeFields.DETAIL_TYPE));
        }
        final int decision = Authorizer.decide(policy, destination.account(), ctx, 0);
        return Authorizer.allowed(decision) ? null : Authorizer.message(decision, ctx);
    }

    /** Authorizes a caller's raw publish: the envelope's account must be the caller's; then as PutEvents. */
    void authorizeRaw(final Principal caller, final EventBus bus, final byte[] bytes, final int offset,
                      final int length) {
        final String account = EnvelopeFields.string(bytes, offset, length, EnvelopeFields.ACCOUNT);
        if (!caller.account().equals(account)) {
            throw new AccessDeniedException("event account " + account + " is not the caller's account "
                + caller.account() + " (the account field of an event is its sender's)");
        }
        final Publisher publisher = publishers.get();
        final RequestContext ctx = publisher.auth.reset(caller, "events:PutEvents", bus.arn)
            .eventBusInvocation(false).resourceTags(bus.tags);
        final String source = EnvelopeFields.string(bytes, offset, length, EnvelopeFields.SOURCE);
        final String detailType = EnvelopeFields.string(bytes, offset, length, EnvelopeFields.DETAIL_TYPE);
        if (source != null) {
            ctx.source(source);
        }
        if (detailType != null) {
            ctx.detailType(detailType);
        }
        check(bus, ctx);
    }

    boolean publishRaw(final Caller caller, final EventBus bus, final byte[] bytes, final int offset,
                       final int length) {
        checkLength(length);
        authorizeRaw(caller.resolved(), bus, bytes, offset, length);
        return publishRaw(bus, bytes, offset, length);
    }

    /**
     * PutPermission (legacy form): lets an account, or every account ({@code *}, optionally limited to an
     * organization), call {@code action} on the bus.
     *
     * @param statementId    1-64 letters, digits, '-' or '_'; unique in the bus's policy.
     * @param action         {@code events:PutEvents} (any {@code events:} action is accepted, as AWS does).
     * @param principal      a 12-digit account id or {@code *}.
     * @param organizationId {@code null}, or the organization ({@code o-...}) that callers must be in.
     * @throws IllegalArgumentException naming the field. A statement with the same id is replaced, as AWS does.
     */
    public void putPermission(final String bus, final String statementId, final String action,
                              final String principal, final String organizationId) {
        putPermission(null, bus, statementId, action, principal, organizationId);
    }

    void putPermission(final Principal caller, final String bus, final String statementId, final String action,
                       final String principal, final String organizationId) {
        if (statementId == null || !statementId.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("StatementId=" + statementId
                + ": must be 1-64 letters, digits, '-' or '_'");
        }
        if (action == null || !action.matches("events:[a-zA-Z]+")) {
            throw new IllegalArgumentException("Action=" + action + ": must be events:<Action>, as events:PutEvents");
        }
        if (principal == null || !(principal.equals("*") || principal.matches("\\d{12}"))) {
            throw new IllegalArgumentException("Principal=" + principal + ": must be a 12-digit account id or *");
        }
        if (organizationId != null && !organizationId.matches("o-[a-z0-9]{10,32}")) {
            throw new IllegalArgumentException("Condition.Value=" + organizationId
                + ": must be an organization id (o- and 10-32 lowercase letters or digits)");
        }
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            requireOwner(caller, "events:PutPermission", eventBus);
            final PolicyDocument current = eventBus.policy;
            final var statement = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            statement.put("Sid", statementId).put("Effect", "Allow");
            if (principal.equals("*")) {
                statement.put("Principal", "*");
            } else {
                statement.putObject("Principal").put("AWS", Principal.rootArn(principal));
            }
            statement.put("Action", action).put("Resource", eventBus.arn);
            if (organizationId != null) {
                statement.putObject("Condition").putObject("StringEquals").put("aws:PrincipalOrgID", organizationId);
            }
            eventBus.policy = (current == null ? PolicyDocument.parse("{\"Version\":\"2012-10-17\",\"Statement\":"
                + statement + "}") : current.withStatement(statement)).boundTo(eventBus.arn);
        }
    }

    /**
     * PutPermission with a whole policy: replaces the bus's policy.
     *
     * @throws InvalidPolicyException naming the statement and field.
     */
    public void putPolicy(final String bus, final String policyJson) {
        putPolicy(null, bus, policyJson);
    }

    void putPolicy(final Principal caller, final String bus, final String policyJson) {
        final PolicyDocument policy = PolicyDocument.parse(policyJson);
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            requireOwner(caller, "events:PutPermission", eventBus);
            eventBus.policy = policy.boundTo(eventBus.arn);
        }
    }

    /**
     * RemovePermission: removes one statement (by Sid) from the bus's policy.
     *
     * @throws IllegalArgumentException when the policy has no such statement.
     */
    public void removePermission(final String bus, final String statementId) {
        removePermission(null, bus, statementId);
    }

    void removePermission(final Principal caller, final String bus, final String statementId) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            requireOwner(caller, "events:RemovePermission", eventBus);
            final PolicyDocument current = eventBus.policy;
            if (current == null || statementId == null || current.statement(statementId) == null) {
                throw new NoSuchResourceException("Statement with the provided id does not exist. (StatementId="
                    + statementId + ", event bus " + eventBus.arn + ")");
            }
            final PolicyDocument rest = current.withoutStatement(statementId);
            eventBus.policy = rest == null ? null : rest.boundTo(eventBus.arn);
        }
    }

    /** RemovePermission with RemoveAllPermissions: the bus has no policy afterwards. */
    public void removeAllPermissions(final String bus) {
        removeAllPermissions(null, bus);
    }

    void removeAllPermissions(final Principal caller, final String bus) {
        synchronized (admin) {
            final EventBus eventBus = busFor(caller, bus);
            requireOwner(caller, "events:RemovePermission", eventBus);
            eventBus.policy = null;
        }
    }

    private static void requireOwner(final Principal caller, final String action, final EventBus bus) {
        if (caller != null && !caller.account().equals(bus.account())) {
            throw new AccessDeniedException("User: " + caller.arn() + " is not authorized to perform: " + action
                + " on resource: " + bus.arn + " because only the bus's account manages its policy");
        }
    }

    /**
     * TagResource: adds or replaces tags on a bus or rule (by ARN).
     *
     * @throws IllegalArgumentException when the resource does not exist or a tag breaks a limit.
     */
    public void tagResource(final String arn, final Map<String, String> tags) {
        tagResource(null, arn, tags);
    }

    void tagResource(final Principal caller, final String arn, final Map<String, String> tags) {
        changeTags(caller, "events:TagResource", arn, current -> {
            current.putAll(tags);
            Tags.validate(current, "resource " + arn);
        });
    }

    /** UntagResource: removes tags (by key) from a bus or rule; absent keys are ignored. */
    public void untagResource(final String arn, final java.util.Collection<String> keys) {
        untagResource(null, arn, keys);
    }

    void untagResource(final Principal caller, final String arn, final java.util.Collection<String> keys) {
        changeTags(caller, "events:UntagResource", arn, current -> keys.forEach(current::remove));
    }

    /** @return ListTagsForResource: the tags of a bus or rule (by ARN). */
    public Map<String, String> listTagsForResource(final String arn) {
        return listTagsForResource(null, arn);
    }

    Map<String, String> listTagsForResource(final Principal caller, final String arn) {
        synchronized (admin) {
            final Object[] found = taggable(arn);
            final EventBus bus = (EventBus) found[0];
            authorizeTagging(caller, "events:ListTagsForResource", bus, (RuleBinding) found[1]);
            return found[1] == null ? bus.tags : ruleTags.getOrDefault(((RuleBinding) found[1]).arn, Map.of());
        }
    }

    private void changeTags(final Principal caller, final String action, final String arn,
                            final java.util.function.Consumer<Map<String, String>> change) {
        synchronized (admin) {
            final Object[] found = taggable(arn);
            final EventBus bus = (EventBus) found[0];
            final RuleBinding rule = (RuleBinding) found[1];
            authorizeTagging(caller, action, bus, rule);
            final Map<String, String> next = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            next.putAll(rule == null ? bus.tags : ruleTags.getOrDefault(rule.arn, Map.of()));
            change.accept(next);
            final Map<String, String> frozen = java.util.Collections.unmodifiableMap(next);
            if (rule == null) {
                bus.tags = frozen;
            } else {
                ruleTags.put(rule.arn, frozen);
            }
        }
    }

    private void authorizeTagging(final Principal caller, final String action, final EventBus bus,
                                  final RuleBinding rule) {
        if (rule != null) {
            authorizeRule(caller, action, bus, rule.rule.name(), rule, null, null);
        } else {
            authorizeBus(caller, action, bus, bus.arn);
        }
    }

    /** @return {bus, rule or null} for a bus ARN or a rule ARN ({@code .../rule/[bus/]name}). */
    private Object[] taggable(final String arn) {
        if (arn == null || !arn.startsWith("arn:")) {
            throw new IllegalArgumentException("ResourceARN=" + arn + ": must be the ARN of an event bus or rule");
        }
        final int rule = arn.indexOf(":rule/");
        if (rule < 0) {
            return new Object[] {eventBus(arn), null};
        }
        final String path = arn.substring(rule + 6);
        final int slash = path.lastIndexOf('/');
        final String busArn = arn.substring(0, rule) + ":event-bus/" + (slash < 0 ? EventArns.DEFAULT_BUS
            : path.substring(0, slash));
        final EventBus bus = eventBus(busArn);
        return new Object[] {bus, requireRule(bus, path.substring(slash + 1))};
    }

    // ---- metrics -------------------------------------------------------------------------------------------

    /** @return the counters of a rule. @throws IllegalArgumentException when it never existed. */
    public RuleMetrics ruleMetrics(final String bus, final String rule) {
        final RuleMetrics metrics = ruleMetrics.get(eventBus(bus).id.ruleArn(rule));
        if (metrics == null) {
            throw new IllegalArgumentException("rule " + rule + " never existed on event bus " + bus);
        }
        return metrics;
    }

    /** @return the counters of a target. @throws IllegalArgumentException when it never existed. */
    public TargetMetrics targetMetrics(final String bus, final String rule, final String targetId) {
        final TargetMetrics metrics = targetMetrics.get(eventBus(bus).id.ruleArn(rule) + "#" + targetId);
        if (metrics == null) {
            throw new IllegalArgumentException("target " + targetId + " never existed on rule " + rule);
        }
        return metrics;
    }

    /** @return events accepted for a bus that was deleted before they were matched. */
    public long discardedForDeletedBus() {
        return discardedForDeletedBus.get();
    }

    /**
     * Calls {@code then} once every {@link RingStage} (the archive) has finished every event this router accepted
     * before the call: with {@code true}; with {@code false} when the router closes first (a stage stuck past
     * close's grace). With no ring stage it runs at once. An embedder answers a producer only after it, so what was
     * acknowledged is archived (a process crash after the archive's append loses nothing: the page is the kernel's).
     *
     * <p>Runs on whichever thread sees it first (this one, the single writer or a stage thread): keep it short and
     * hand further work to an executor of your own; what it throws is reported and ignored. Not for the hot path:
     * one small object per call.
     */
    public void afterRingStages(final java.util.function.Consumer<Boolean> then) {
        pipeline.afterStages(java.util.Objects.requireNonNull(then, "then"));
    }

    /**
     * Calls {@code then} once every event this router accepted before the call has <em>ended</em>: matched, and every
     * delivery the match started delivered (a bus target: accepted by the next bus), dead-lettered, or dropped by a
     * counted policy (no dead-letter target; a target removed while its retry waited). With {@code true}; with
     * {@code false} when the router closes first (what had not ended is in close's report). An embedder that
     * acknowledges upstream only after it (a Kafka offset, a queue message) loses nothing acknowledged when this
     * process dies: what had not ended is delivered again from upstream.
     *
     * <p>Needs {@link RouterContext#trackEnds(boolean) trackEnds(true)}, which costs one small object per matched
     * event. Runs {@code then} on whichever thread ends the last delivery (the match thread, the retry thread, a
     * worker, a completing target's thread) or on this one: keep it short; what it throws is reported and ignored.
     *
     * @throws IllegalStateException when the router was not started with {@code trackEnds(true)}.
     */
    public void afterEnded(final java.util.function.Consumer<Boolean> then) {
        java.util.Objects.requireNonNull(then, "then");
        if (endLedger == null) {
            throw new IllegalStateException("afterEnded needs a router started with RouterContext.trackEnds(true)");
        }
        pipeline.afterEnded(endLedger, then);
    }

    /** @return whether this router tracks ends ({@link RouterContext#trackEnds}), so {@link #afterEnded} works. */
    public boolean tracksEnds() {
        return endLedger != null;
    }

    EndLedger endLedger() {
        return endLedger;
    }

    private long handoffConsumed() {
        return pipeline.consumedPosition();
    }

    private long ringCursor() {
        return pipeline.cursor();
    }

    /** @return exceptions thrown by {@link RingStage}s (each stage goes on with the next event). */
    public long stageErrors() {
        return stageErrors.get();
    }

    void stageError(final Throwable error) {
        if (stageErrors.get() == 0) {
            error.printStackTrace();
        }
        stageErrors.increment();
    }

    Counter discardedCounter() {
        return discardedForDeletedBus;
    }

    // ---- publishing ----------------------------------------------------------------------------------------

    /**
     * PutEvents: validates and accepts up to 10 entries, in order. Each entry is accepted (it gets an event id) or
     * refused with an error code and message; a refused entry does not affect the others.
     *
     * @return one result per entry and the number refused.
     * @throws IllegalArgumentException when there are no entries or more than 10, or when the entries' sizes (as
     *                                  {@link EnvelopeEncoder#entrySize} counts them) total the entry size limit or
     *                                  more: EventBridge then fails the whole call with {@value #TOTAL_SIZE_OVER_LIMIT}
     *                                  (a ValidationException, recorded against AWS in LocalStack's
     *                                  {@code tests/aws/services/events/test_events.snapshot.json},
     *                                  {@code test_put_event_with_too_big_detail}).
     * @throws IllegalStateException    when the router is closed.
     */
    public PutEventsResult putEvents(final List<PutEventsEntry> entries) {
        return putEvents(null, entries);
    }

    PutEventsResult putEvents(final Caller caller, final List<PutEventsEntry> entries) {
        if (entries == null || entries.isEmpty() || entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("Entries: must hold 1-" + MAX_ENTRIES + " entries, got "
                + (entries == null ? 0 : entries.size()));
        }
        final long limit = context.ingestLimits().maxEntryBytes();
        long total = 0;
        for (PutEventsEntry entry : entries) {
            total += entry == null ? 0 : EnvelopeEncoder.entrySizeBound(entry);
        }
        if (total >= limit) {
            // the bound is not small: count exactly (a pass over every string, which most calls never need)
            total = 0;
            for (PutEventsEntry entry : entries) {
                total += entry == null ? 0 : EnvelopeEncoder.entrySize(entry);
            }
        }
        if (total >= limit) {
            throw new IllegalArgumentException(TOTAL_SIZE_OVER_LIMIT + " (" + total + " bytes; the entries of a call "
                + "must total less than " + limit + " bytes)");
        }
        final Publisher publisher = publishers.get();
        enter(publisher);
        final List<PutEventsResult.Entry> results = new ArrayList<>(entries.size());
        java.util.concurrent.CompletableFuture<?>[] appended = null;
        long ackTimeoutNanos = 0;
        int failed = 0;
        try {
            for (int i = 0; i < entries.size(); i++) {
                final PutEventsResult.Entry result = putEvent(publisher, caller, entries.get(i));
                failed += result.isAccepted() ? 0 : 1;
                results.add(result);
                if (publisher.appended != null) {
                    if (appended == null) {
                        appended = new java.util.concurrent.CompletableFuture<?>[entries.size()];
                    }
                    appended[i] = publisher.appended;
                    ackTimeoutNanos = Math.max(ackTimeoutNanos, publisher.appendTimeoutNanos);
                    publisher.appended = null;
                }
            }
        } finally {
            activePublishers.decrementAndGet();
        }
        if (appended != null) {
            // entries of diverted buses are accepted once their sink acknowledged them (waited for outside the
            // publisher section: close does not wait for a slow log)
            final long deadline = System.nanoTime() + ackTimeoutNanos;
            for (int i = 0; i < appended.length; i++) {
                if (appended[i] != null) {
                    final String why = awaitAppend(appended[i], deadline);
                    if (why != null) {
                        failed++;
                        results.set(i, new PutEventsResult.Entry(null, new EntryError(EntryError.INTERNAL_FAILURE,
                            why)));
                    }
                }
            }
        }
        return new PutEventsResult(failed, results);
    }

    /** @return {@code null} when the sink acknowledged the event by the deadline, else why not. */
    private static String awaitAppend(final java.util.concurrent.CompletableFuture<?> append, final long deadline) {
        try {
            append.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return "the bus's log did not take the event: " + e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            return "the bus's log did not acknowledge the event in time";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while waiting for the bus's log";
        }
    }

    /** Hands an accepted event to its bus's sink; a sink that throws fails the future. */
    private static java.util.concurrent.CompletableFuture<?> append(final IngestSink sink, final EventBus bus,
                                                                    final String eventId, final byte[] bytes,
                                                                    final int offset, final int length) {
        try {
            return sink.append(bus, eventId, bytes, offset, length);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }


    private PutEventsResult.Entry putEvent(final Publisher publisher, final Caller caller,
                                           final PutEventsEntry entry) {
        if (entry == null) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT, "entry is null"));
        }
        final EventBus bus;
        try {
            bus = caller == null ? lookup(entry.eventBusName()) : caller.lookup(entry.eventBusName());
        } catch (IllegalArgumentException e) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT, e.getMessage()));
        }
        if (bus == null) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.RESOURCE_NOT_FOUND,
                busDoesNotExist(entry.eventBusName())));
        }
        final EntryError error = publisher.encoder.validate(entry);
        if (error != null) {
            return new PutEventsResult.Entry(null, error);
        }
        final String refusal = bus.refusal;
        if (refusal != null) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.INTERNAL_FAILURE,
                "event bus " + bus.arn + " refuses events: " + refusal));
        }
        String account = bus.account();
        if (caller != null) {
            final Principal principal = caller.resolved();
            final EntryError denied = authorizeEntry(publisher, principal, bus, entry);
            if (denied != null) {
                return new PutEventsResult.Entry(null, denied);
            }
            account = principal.account();
        }
        final int length = publisher.encoder.encode(entry, account, bus.region());
        if (length > context.maxEventBytes()) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT, "the event's "
                + "envelope of " + length + " bytes is larger than the router's maxEventBytes, "
                + context.maxEventBytes() + " (RouterContext.maxEventBytes)"));
        }
        final BusRules rules = bus.compiled;
        // Only an entry whose Detail nests a container in an array can exceed the verification bound: the others
        // would pass this match, so it is skipped for them.
        if (context.matchPutEventsAtIngest() && rules.automaton.ruleCount() > 0
            && publisher.encoder.detailNestsInArray()) {
            publisher.entryRules = rules.automaton;
            try {
                publisher.rulesCheck.match(publisher.encoder.bytes(), 0, length, rule -> { });
            } catch (MalformedEventException e) {
                return new PutEventsResult.Entry(null, new EntryError(EntryError.MALFORMED_DETAIL, e.reason()));
            } finally {
                publisher.entryRules = MatchAutomaton.EMPTY;
            }
        }
        final IngestSink sink = bus.sink;
        if (sink != null) {
            // a diverted bus: the entry is accepted once its log acknowledged it (putEvents waits for the future)
            final String eventId = publisher.encoder.eventId();
            publisher.appended = append(sink, bus, eventId, publisher.encoder.bytes(), 0, length);
            publisher.appendTimeoutNanos = sink.ackTimeout().toNanos();
            return new PutEventsResult.Entry(eventId, null);
        }
        final String traceHeader = entry.traceHeader();
        final int traceLength = traceHeader == null ? 0 : traceHeader.length();
        publisher.trace = EventSlot.traceRoom(publisher.trace, traceLength);
        for (int i = 0; i < traceLength; i++) {
            publisher.trace[i] = (byte) traceHeader.charAt(i);   // printable ASCII: validated above
        }
        if (!offer(publisher, bus, HandoffDescriptor.VALIDATED, publisher.encoder.bytes(), 0, length, publisher.trace,
            traceLength, publisher.encoder.spans(), publisher.encoder.spanCount())) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.THROTTLING,
                "event bus " + bus.arn + " is full"));
        }
        return new PutEventsResult.Entry(publisher.encoder.eventId(), null);
    }

    boolean publishRaw(final EventBus bus, final byte[] bytes, final int offset, final int length) {
        return publishRaw(bus, bytes, offset, length, true);
    }

    /** @param divertible whether a diverted bus's sink takes the event (else its ring: the sink's way back in). */
    boolean publishRaw(final EventBus bus, final byte[] bytes, final int offset, final int length,
                       final boolean divertible) {
        final IngestSink sink = divertible ? bus.sink : null;
        if (sink != null) {
            return publishDiverted(sink, bus, bytes, offset, length);
        }
        final Publisher publisher = publishers.get();
        enter(publisher, bus);
        try {
            if (context.validatePublishedEvents()) {
                publisher.validator.match(bytes, offset, length, rule -> { });
                return offer(publisher, bus, HandoffDescriptor.VALIDATED, bytes, offset, length, EventSlot.NO_TRACE, 0,
                    publisher.validator.lastSpans(), publisher.validator.lastSpanCount());
            }
            checkLength(length);
            return offer(publisher, bus, 0, bytes, offset, length, EventSlot.NO_TRACE, 0, EventSlot.NO_SPANS, 0);
        } finally {
            activePublishers.decrementAndGet();
        }
    }

    /**
     * A raw publish to a diverted bus: validated (always: the log's readers trust nothing less), handed to the sink,
     * and accepted once the sink acknowledged it.
     */
    private boolean publishDiverted(final IngestSink sink, final EventBus bus, final byte[] bytes, final int offset,
                                    final int length) {
        final Publisher publisher = publishers.get();
        enter(publisher, bus);
        final java.util.concurrent.CompletableFuture<?> appended;
        try {
            publisher.validator.match(bytes, offset, length, rule -> { });
            appended = append(sink, bus, null, bytes, offset, length);
        } finally {
            activePublishers.decrementAndGet();
        }
        final String why = awaitAppend(appended, System.nanoTime() + sink.ackTimeout().toNanos());
        if (why != null) {
            throw new IllegalStateException("event bus " + bus.arn + ": " + why);
        }
        return true;
    }

    boolean publishReplay(final EventBus bus, final byte[] bytes, final int offset, final int length,
                          final ReplayFilter filter) {
        enter(publishers.get(), bus);
        try {
            checkLength(length);
            return pipeline.offer(bus.index, filter.id << HandoffDescriptor.REPLAY_FILTER_SHIFT,
                context.clock().time(), bytes, offset, length);
        } finally {
            activePublishers.decrementAndGet();
        }
    }

    /**
     * Registers the rules a replay delivers to.
     *
     * @param ruleNames the rules; empty for every rule.
     * @throws IllegalStateException when 65,535 filters are alive.
     */
    public synchronized ReplayFilter replayFilter(final java.util.Collection<String> ruleNames) {
        for (int i = 0; i < HandoffDescriptor.MAX_REPLAY_FILTERS; i++) {
            final int id = nextReplayFilterId;
            nextReplayFilterId = id == HandoffDescriptor.MAX_REPLAY_FILTERS ? 1 : id + 1;
            if (id >= replayFilters.length || replayFilters[id] == null || releasedReplayFilters.remove(id)) {
                final ReplayFilter filter = new ReplayFilter(id, new java.util.HashSet<>(ruleNames));
                final ReplayFilter[] next = java.util.Arrays.copyOf(replayFilters,
                    Math.max(replayFilters.length, id + 1));
                next[id] = filter;
                replayFilters = next;
                return filter;
            }
        }
        throw new IllegalStateException(HandoffDescriptor.MAX_REPLAY_FILTERS + " replay filters are in use");
    }

    /**
     * Frees a filter's id once its replay has ended. Ids are handed out round-robin, so an id comes back only after
     * 65,534 other filters: long after the replay's last events were matched.
     */
    public synchronized void releaseReplayFilter(final ReplayFilter filter) {
        if (filter.id < replayFilters.length && replayFilters[filter.id] == filter) {
            // the filter stays readable for the replay's events still in flight until its id is handed out again
            releasedReplayFilters.add(filter.id);
        }
    }

    ReplayFilter replayFilterAt(final int id) {
        final ReplayFilter[] filters = replayFilters;
        return id < filters.length && filters[id] != null ? filters[id] : EVERYTHING;
    }

    private void checkLength(final int length) {
        if (length > context.maxEventBytes()) {
            throw new MalformedEventException(context.maxEventBytes(), "event of " + length
                + " bytes exceeds the limit of " + context.maxEventBytes() + " bytes");
        }
    }

    /** {@link #enter(Publisher)} for a raw publish: also refuses a deleted bus and one that refuses events. */
    private void enter(final Publisher publisher, final EventBus bus) {
        enter(publisher);
        if (bus.deleted) {
            activePublishers.decrementAndGet();
            throw new IllegalStateException("event bus " + bus.arn + " was deleted");
        }
        final String refusal = bus.refusal;
        if (refusal != null) {
            activePublishers.decrementAndGet();
            throw new IllegalStateException("event bus " + bus.arn + " refuses events: " + refusal);
        }
    }

    private void enter(final Publisher publisher) {
        activePublishers.incrementAndGet();
        if (closed && !publisher.internal) {
            activePublishers.decrementAndGet();
            throw new IllegalStateException("router is closed");
        }
    }

    private boolean offer(final Publisher publisher, final EventBus bus, final int flags, final byte[] bytes,
                          final int offset, final int length, final byte[] trace, final int traceLength,
                          final int[] spans, final int spanCount) {
        final long ingestionTime = context.clock().time();
        if (pipeline.offer(bus.index, flags, ingestionTime, bytes, offset, length, trace, traceLength, spans,
            spanCount)) {
            return true;
        }
        final long timeout = context.publishTimeout().toNanos();
        if (timeout > 0 && !stopping) {
            final long deadline = context.nanoClock().nanoTime() + timeout;
            publisher.idle.reset();
            waitingPublishers.incrementAndGet();
            try {
                while (context.nanoClock().nanoTime() - deadline < 0 && !stopping) {
                    publisher.idle.idle();
                    if (pipeline.offer(bus.index, flags, ingestionTime, bytes, offset, length, trace, traceLength,
                        spans, spanCount)) {
                        return true;
                    }
                }
            } finally {
                waitingPublishers.decrementAndGet();
            }
        }
        bus.metrics.throttled.increment();
        return false;
    }

    /** A bus target's one hop: never waits (the match thread must not block on its own ring). */
    boolean forward(final EventBus destination, final byte[] bytes, final int offset, final int length,
                    final long ingestionTime, final Attempt attempt) {
        return pipeline.offer(destination.index, HandoffDescriptor.FROM_OTHER_BUS, context.clock().time(), bytes,
            offset, length, attempt.trace, attempt.traceLength, EventSlot.NO_SPANS, 0);
    }

    /** Error handler of the router's agents: a retired worker's termination is expected, anything else a bug. */
    static void reportAgentError(final Throwable error) {
        if (!(error instanceof org.agrona.concurrent.AgentTerminationException)) {
            error.printStackTrace();
        }
    }

    /** Marks the calling thread as one of the router's own (match, retry and worker threads). */
    void markInternalThread() {
        publishers.get().internal = true;
    }

    org.agrona.concurrent.EpochClock clock() {
        return context.clock();
    }

    /** @return a copy of the event with a new id (a bus target in another region; allocates). */
    byte[] withNewEventId(final byte[] event, final int offset, final int length) {
        final long[] span = ID_PATH.locate(event, offset, length);
        final String id;
        synchronized (forwardIds) {
            id = forwardIds.next();
        }
        if (span == null) {
            return TargetBinding.copy(event, offset, length);
        }
        final byte[] quoted = ("\"" + id + "\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final int start = (int) span[0];
        final int end = (int) span[1];
        final byte[] out = new byte[length - (end - start) + quoted.length];
        System.arraycopy(event, offset, out, 0, start);
        System.arraycopy(quoted, 0, out, start, quoted.length);
        System.arraycopy(event, offset + end, out, start + quoted.length, length - end);
        return out;
    }

    RetryAgent retries() {
        return retries;
    }

    void recordMalformed(final EventBus bus, final EventSlot slot, final MalformedEventException e) {
        // Counted in BusMetrics.malformed; raw publishes and PutEvents entries are validated before they are
        // accepted, so only an event over the matcher's limits can get here.
    }

    // ---- closing -------------------------------------------------------------------------------------------

    /** Closes with a 30 second drain timeout; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Stops accepting events, waits up to {@code timeout} until every accepted event was matched and every
     * delivery finished (including retries that come due within the timeout), then stops all threads. Idempotent:
     * a second call returns the first report.
     *
     * <p>Bounded: after the timeout, publishers still backing off on a full router give up (their entries are
     * refused as throttled, never accepted behind close's back) and close waits for each to finish the attempt it
     * is making; then every thread of the router is told to stop and given {@value #CLOSE_GRACE_MILLIS} ms in all
     * (each at least {@value #CLOSE_FLOOR_MILLIS} ms from its own stop request, so one stuck thread does not get the
     * healthy ones behind it named too). A thread still running then (a handler that ignores interrupts) is named in
     * {@link CloseReport#stuckThreads()};
     * what it holds is reported as undelivered, and it may still deliver some of that if its handler ever returns
     * (at least once, never lost).
     *
     * @return whether the router drained, and every event it could not deliver.
     */
    public CloseReport close(final Duration timeout) {
        synchronized (admin) {
            if (closeReport != null) {
                return closeReport;
            }
            closed = true;
            final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 10_000, 1_000_000);
            final long deadline = context.nanoClock().nanoTime() + timeout.toNanos();
            boolean drained = false;
            while (true) {
                final long before = progress();
                if (activePublishers.get() == 0 && isQuiet() && progress() == before) {
                    drained = true;
                    break;
                }
                if (context.nanoClock().nanoTime() - deadline >= 0) {
                    break;
                }
                idle.idle();
            }
            stopping = true;
            while (activePublishers.get() != 0) {
                Thread.yield();   // each is finishing one offer: it no longer backs off
            }
            final long graceEnd = context.nanoClock().nanoTime() + CLOSE_GRACE_MILLIS * 1_000_000;
            final List<String> stuck = new ArrayList<>();
            pipeline.stop(graceEnd, context.nanoClock(), stuck);
            pipeline.failStageWaiters();
            if (endLedger != null) {
                endLedger.close();   // what has not ended now is in close's report
            }
            workers.forEach(AsyncTargetWorker::halt);
            // before the retry agent's leftovers: a completion that fails from now on is reported by its target
            completing.forEach(CompletingDeliveries::halt);
            workerRunners.forEach(runner -> stopRunner(runner, graceEnd, context.nanoClock(), stuck));
            stopRunner(retryRunner, graceEnd, context.nanoClock(), stuck);
            final List<Undelivered> left = new ArrayList<>();
            pipeline.leftovers().forEach(event -> left.add(new Undelivered(null, null, "not matched before close",
                event)));
            for (AsyncTargetWorker worker : workers) {
                worker.leftovers().forEach(event -> left.add(new Undelivered(worker.ruleArn(), worker.targetId(),
                    "queued for an asynchronous target", event)));
            }
            left.addAll(retries.leftovers());
            completing.forEach(c -> left.addAll(c.leftovers()));
            closeReport = new CloseReport(drained && left.isEmpty() && stuck.isEmpty(), left, stuck);
            return closeReport;
        }
    }

    /** Thrown by {@link #stopRunner}'s close-fail action to end Agrona's close loop, which otherwise never ends. */
    private static final class StillRunning extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StillRunning() {
            super(null, null, false, false);
        }
    }

    /**
     * Stops an agent's thread, waiting at most until {@code graceEnd}: the agent is told to stop and interrupted; a
     * thread still alive at the end is added to {@code stuck} (Agrona's own close would retry for ever).
     */
    static void stopRunner(final AgentRunner runner, final long graceEnd, final org.agrona.concurrent.NanoClock clock,
                           final List<String> stuck) {
        final Thread thread = runner.thread();
        try {
            runner.close(1, t -> {
                throw new StillRunning();
            });
            return;
        } catch (StillRunning stillRunning) {
            if (thread == null) {
                return;
            }
        }
        thread.interrupt();
        awaitThread(thread, graceEnd, clock, stuck);
    }

    /**
     * Joins a thread until {@code graceEnd}, or {@link #CLOSE_FLOOR_MILLIS} from now if that is later; adds its name
     * to {@code stuck} when it is still alive then.
     */
    static void awaitThread(final Thread thread, final long graceEnd, final org.agrona.concurrent.NanoClock clock,
                            final List<String> stuck) {
        final long floorEnd = clock.nanoTime() + CLOSE_FLOOR_MILLIS * 1_000_000;
        final long end = floorEnd - graceEnd > 0 ? floorEnd : graceEnd;
        long left;
        while (thread.isAlive() && (left = end - clock.nanoTime()) > 0) {
            try {
                thread.join(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (thread.isAlive()) {
            stuck.add(thread.getName());
        }
    }

    /** @return publishers backing off on a full router now (for tests). */
    int waitingPublishers() {
        return waitingPublishers.get();
    }

    private long progress() {
        long sum = pipeline.progress() + retries.submitted();
        for (AsyncTargetWorker worker : workers) {
            sum += worker.offered();
        }
        for (CompletingDeliveries c : completing) {
            sum += c.started();
        }
        return sum;
    }

    private boolean isQuiet() {
        if (!pipeline.isIdle() || !retries.isIdle()) {
            return false;
        }
        for (AsyncTargetWorker worker : workers) {
            if (!worker.isIdle()) {
                return false;
            }
        }
        for (CompletingDeliveries c : completing) {
            if (!c.isIdle()) {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }
}
