package dev.eventrouter.bus;

import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
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
    private final Counter discardedForDeletedBus = new Counter();
    private final Counter stageErrors = new Counter();
    private final AtomicInteger activePublishers = new AtomicInteger();
    private final AtomicLong threadSeeds = new AtomicLong();
    private final ThreadLocal<Publisher> publishers;
    private final Pipeline pipeline;
    private final RetryAgent retries;
    private final AgentRunner retryRunner;
    private volatile EventBus[] busTable = new EventBus[0];
    private volatile boolean closed;
    /** Set when close's drain ends: publishers stop backing off and report the entry throttled. */
    private volatile boolean stopping;
    private final AtomicInteger waitingPublishers = new AtomicInteger();
    /** How long close waits, after its timeout, for the router's threads to stop. */
    static final long CLOSE_GRACE_MILLIS = 1_000;
    private volatile ReplayFilter[] replayFilters = new ReplayFilter[1];
    private int nextReplayFilterId = 1;
    private final java.util.Set<Integer> releasedReplayFilters = new java.util.HashSet<>();
    private static final ReplayFilter EVERYTHING = new ReplayFilter(0, java.util.Set.of());
    private CloseReport closeReport;
    private final EventIdSource forwardIds;

    /** Per-publisher-thread state: the envelope encoder and a validator; both reused. */
    private final class Publisher {
        final EnvelopeEncoder encoder;
        /**
         * Raw events are held to 1000 levels as a whole (EventBridge: "events are limited to 1000 levels"), as
         * {@code router match} and {@code test-pattern} hold them; the match stage allows one more level for
         * PutEvents entries, whose Detail may itself be 1000 levels deep inside the envelope.
         */
        final EventMatcher validator = new EventMatcher(MatchAutomaton.EMPTY,
            new EventLimits(context.maxEventBytes(), context.ingestLimits().maxDetailDepth()));
        final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 100_000);
        /** The rules of the bus a PutEvents entry goes to, for {@link #rulesCheck}. */
        MatchAutomaton entryRules = MatchAutomaton.EMPTY;
        /**
         * Matches a PutEvents entry against its bus's rules of the moment, so that an entry whose array-consistent
         * verification exceeds the per-event bound is refused with a per-entry error instead of being accepted and
         * counted as malformed later. Raw publishes (the zero-allocation path) skip it; the match stage bounds them.
         */
        final EventMatcher rulesCheck = new EventMatcher(() -> entryRules,
            new EventLimits(context.maxEventBytes(), context.ingestLimits().maxDetailDepth() + 1));
        /** Set on the router's own threads: handlers may still publish while {@link #close} drains. */
        boolean internal;

        Publisher() {
            encoder = new EnvelopeEncoder(context.ingestLimits(), context.clock(),
                EventIdSource.random(context.seed() ^ threadSeeds.incrementAndGet() * 0x9E37_79B9_7F4A_7C15L));
        }
    }

    private Router(final RouterContext context) {
        this.context = context;
        forwardIds = EventIdSource.random(context.seed() * 31 + 17);
        publishers = ThreadLocal.withInitial(Publisher::new);
        final MatchStage stage = new MatchStage(this,
            new EventLimits(context.maxEventBytes(), context.ingestLimits().maxDetailDepth() + 1));
        pipeline = new Pipeline(context, stage, this);
        retries = new RetryAgent(new RetryPlanner(context.retryBaseMillis(), context.retryCapMillis(),
            context.seed()), context.clock(), this::markInternalThread);
        retryRunner = new AgentRunner(context.newAgentIdleStrategy(), Router::reportAgentError, null, retries);
        register(new EventBus(this, new EventArns.BusId(context.region(), context.account(), EventArns.DEFAULT_BUS),
            0));
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
                throw new IllegalArgumentException("event bus " + id.arn() + " already exists");
            }
            final EventBus bus = new EventBus(this, id, busTable.length);
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
            throw new IllegalArgumentException("event bus " + nameOrArn + " does not exist");
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
        final EventPattern pattern;
        try {
            pattern = parser.parse(rule.eventPattern());
        } catch (InvalidPatternException e) {
            throw e.inRule(rule.name());
        }
        synchronized (admin) {
            final EventBus bus = eventBus(rule.eventBus());
            final Rule stored = rule.onBus(bus.name());
            final RuleBinding existing = bus.rules.get(rule.name());
            final RuleBinding binding = existing != null ? existing.with(stored, pattern)
                : new RuleBinding(stored, bus.id.ruleArn(rule.name()), pattern,
                    ruleMetrics.computeIfAbsent(bus.id.ruleArn(rule.name()), k -> new RuleMetrics()),
                    new TargetBinding[0]);
            final Map<String, RuleBinding> next = new LinkedHashMap<>(bus.rules);
            next.put(rule.name(), binding);
            install(bus, next, true);
            return binding.arn;
        }
    }

    /**
     * Deletes a rule that has no targets (as EventBridge requires).
     *
     * @throws IllegalArgumentException when the rule does not exist or still has targets.
     */
    public void deleteRule(final String bus, final String name) {
        synchronized (admin) {
            final EventBus eventBus = eventBus(bus);
            final RuleBinding binding = requireRule(eventBus, name);
            if (binding.targets.length > 0) {
                throw new IllegalArgumentException("rule " + binding.arn + " still has targets; remove them first");
            }
            final Map<String, RuleBinding> next = new LinkedHashMap<>(eventBus.rules);
            next.remove(name);
            install(eventBus, next, true);
        }
    }

    /** Enables a rule. @throws IllegalArgumentException when it does not exist. */
    public void enableRule(final String bus, final String name) {
        setState(bus, name, RuleState.ENABLED);
    }

    /** Disables a rule: it keeps its targets and matches nothing. @throws IllegalArgumentException when absent. */
    public void disableRule(final String bus, final String name) {
        setState(bus, name, RuleState.DISABLED);
    }

    private void setState(final String bus, final String name, final RuleState state) {
        synchronized (admin) {
            final EventBus eventBus = eventBus(bus);
            final RuleBinding binding = requireRule(eventBus, name);
            final Map<String, RuleBinding> next = new LinkedHashMap<>(eventBus.rules);
            next.put(name, binding.with(binding.rule.withState(state), binding.pattern));
            install(eventBus, next, true);
        }
    }

    /** @return the rule as stored (its bus given by name). @throws IllegalArgumentException when absent. */
    public Rule describeRule(final String bus, final String name) {
        synchronized (admin) {
            return requireRule(eventBus(bus), name).rule;
        }
    }

    /** @return the rules of a bus, in creation order. */
    public List<Rule> listRules(final String bus) {
        synchronized (admin) {
            final List<Rule> list = new ArrayList<>();
            eventBus(bus).rules.values().forEach(binding -> list.add(binding.rule));
            return list;
        }
    }

    private static RuleBinding requireRule(final EventBus bus, final String name) {
        final RuleBinding binding = bus.rules.get(name);
        if (binding == null) {
            throw new IllegalArgumentException("rule " + name + " does not exist on event bus " + bus.arn);
        }
        return binding;
    }

    /** Compiles the enabled rules (or re-binds targets only) and swaps the bus's rules in one volatile write. */
    private void install(final EventBus bus, final Map<String, RuleBinding> next, final boolean patternsChanged) {
        final List<RuleBinding> enabled = new ArrayList<>();
        next.values().forEach(binding -> {
            if (binding.rule.state() == RuleState.ENABLED) {
                enabled.add(binding);
            }
        });
        final MatchAutomaton automaton;
        if (patternsChanged) {
            final List<RuleCompiler.Rule> compileList = new ArrayList<>(enabled.size());
            enabled.forEach(binding -> compileList.add(new RuleCompiler.Rule(binding.rule.name(), binding.pattern)));
            automaton = compiler.compile(compileList);
        } else {
            automaton = bus.compiled.automaton;
        }
        final RuleBinding[] byIndex = new RuleBinding[automaton.ruleCount()];
        for (int i = 0; i < byIndex.length; i++) {
            byIndex[i] = next.get(automaton.rule(i).name());
        }
        bus.rules.clear();
        bus.rules.putAll(next);
        bus.compiled = new BusRules(automaton, byIndex, java.util.Map.copyOf(next));
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
        synchronized (admin) {
            final EventBus eventBus = eventBus(bus);
            final RuleBinding binding = requireRule(eventBus, rule);
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
            install(eventBus, withTargets(eventBus, binding, byId), false);
            retired.forEach(Router::retire);
        }
    }

    /**
     * Removes targets from a rule; an asynchronous target finishes its queue first.
     *
     * @throws IllegalArgumentException when the rule has no target with one of the ids (nothing is removed).
     */
    public void removeTargets(final String bus, final String rule, final List<String> ids) {
        synchronized (admin) {
            final EventBus eventBus = eventBus(bus);
            final RuleBinding binding = requireRule(eventBus, rule);
            final Map<String, TargetBinding> byId = targetsById(binding);
            for (String id : ids) {
                if (!byId.containsKey(id)) {
                    throw new IllegalArgumentException("rule " + binding.arn + " has no target " + id);
                }
            }
            final List<TargetBinding> removed = new ArrayList<>();
            ids.forEach(id -> removed.add(byId.remove(id)));
            install(eventBus, withTargets(eventBus, binding, byId), false);
            removed.forEach(Router::retire);
        }
    }

    /** @return the targets of a rule, in the order they were added. */
    public List<Target> listTargetsByRule(final String bus, final String rule) {
        synchronized (admin) {
            final List<Target> list = new ArrayList<>();
            for (TargetBinding target : requireRule(eventBus(bus), rule).targets) {
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

    private static Map<String, RuleBinding> withTargets(final EventBus bus, final RuleBinding binding,
                                                        final Map<String, TargetBinding> byId) {
        final Map<String, RuleBinding> next = new LinkedHashMap<>(bus.rules);
        next.put(binding.rule.name(), binding.with(byId.values().toArray(new TargetBinding[0])));
        return next;
    }

    private TargetBinding bind(final EventBus bus, final RuleBinding rule, final Target target) {
        final TargetMetrics metrics = targetMetrics.computeIfAbsent(rule.arn + "#" + target.id(),
            k -> new TargetMetrics());
        AsyncTargetWorker worker = null;
        if (target.kind() == Target.Kind.ASYNC_HANDLER) {
            worker = new AsyncTargetWorker("eventrouter-target-" + target.id(), target.queueCapacity());
        }
        final TargetBinding binding = new TargetBinding(this, bus, target, rule.rule.name(), rule.arn, metrics,
            target.deadLetter() != null ? target.deadLetter() : context.defaultDeadLetter(), worker);
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
     * @throws IllegalArgumentException when there are no entries or more than 10, or when no entry has all of
     *                                  Source, DetailType and Detail (EventBridge then fails the whole call).
     * @throws IllegalStateException    when the router is closed.
     */
    public PutEventsResult putEvents(final List<PutEventsEntry> entries) {
        if (entries == null || entries.isEmpty() || entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("Entries: must hold 1-" + MAX_ENTRIES + " entries, got "
                + (entries == null ? 0 : entries.size()));
        }
        if (entries.stream().noneMatch(Router::hasRequiredFields)) {
            throw new IllegalArgumentException("Entries: no entry has Source, DetailType and Detail");
        }
        final Publisher publisher = publishers.get();
        enter(publisher);
        try {
            final List<PutEventsResult.Entry> results = new ArrayList<>(entries.size());
            int failed = 0;
            for (PutEventsEntry entry : entries) {
                final PutEventsResult.Entry result = putEvent(publisher, entry);
                failed += result.isAccepted() ? 0 : 1;
                results.add(result);
            }
            return new PutEventsResult(failed, results);
        } finally {
            activePublishers.decrementAndGet();
        }
    }

    private static boolean hasRequiredFields(final PutEventsEntry entry) {
        return entry != null && entry.source() != null && entry.detailType() != null && entry.detail() != null;
    }

    private PutEventsResult.Entry putEvent(final Publisher publisher, final PutEventsEntry entry) {
        if (entry == null) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT, "entry is null"));
        }
        final EventBus bus;
        try {
            bus = lookup(entry.eventBusName());
        } catch (IllegalArgumentException e) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT, e.getMessage()));
        }
        if (bus == null) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.RESOURCE_NOT_FOUND,
                "event bus " + entry.eventBusName() + " does not exist"));
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
        final int length = publisher.encoder.encode(entry, bus.account(), bus.region());
        final BusRules rules = bus.compiled;
        if (context.matchPutEventsAtIngest() && rules.automaton.ruleCount() > 0) {
            publisher.entryRules = rules.automaton;
            try {
                publisher.rulesCheck.match(publisher.encoder.bytes(), 0, length, rule -> { });
            } catch (MalformedEventException e) {
                return new PutEventsResult.Entry(null, new EntryError(EntryError.MALFORMED_DETAIL, e.reason()));
            } finally {
                publisher.entryRules = MatchAutomaton.EMPTY;
            }
        }
        if (!offer(publisher, bus, publisher.encoder.bytes(), 0, length)) {
            return new PutEventsResult.Entry(null, new EntryError(EntryError.THROTTLING,
                "event bus " + bus.arn + " is full"));
        }
        return new PutEventsResult.Entry(publisher.encoder.eventId(), null);
    }

    boolean publishRaw(final EventBus bus, final byte[] bytes, final int offset, final int length) {
        final Publisher publisher = publishers.get();
        enter(publisher, bus);
        try {
            if (context.validatePublishedEvents()) {
                publisher.validator.match(bytes, offset, length, rule -> { });
            } else {
                checkLength(length);
            }
            return offer(publisher, bus, bytes, offset, length);
        } finally {
            activePublishers.decrementAndGet();
        }
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

    private boolean offer(final Publisher publisher, final EventBus bus, final byte[] bytes, final int offset,
                          final int length) {
        final long ingestionTime = context.clock().time();
        if (pipeline.offer(bus.index, 0, ingestionTime, bytes, offset, length)) {
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
                    if (pipeline.offer(bus.index, 0, ingestionTime, bytes, offset, length)) {
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
                    final long ingestionTime) {
        return pipeline.offer(destination.index, HandoffDescriptor.FROM_OTHER_BUS, context.clock().time(), bytes,
            offset, length);
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
     * is making; then every thread of the router is told to stop and given {@value #CLOSE_GRACE_MILLIS} ms in all. A
     * thread still running then (a handler that ignores interrupts) is named in {@link CloseReport#stuckThreads()};
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
            workers.forEach(AsyncTargetWorker::halt);
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

    /** Joins a thread until {@code graceEnd}; adds its name to {@code stuck} when it is still alive then. */
    static void awaitThread(final Thread thread, final long graceEnd, final org.agrona.concurrent.NanoClock clock,
                            final List<String> stuck) {
        long left;
        while (thread.isAlive() && (left = graceEnd - clock.nanoTime()) > 0) {
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
        return true;
    }

    /** @return whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }
}
