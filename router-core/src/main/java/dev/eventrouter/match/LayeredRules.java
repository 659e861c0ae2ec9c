package dev.eventrouter.match;

import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.FieldCondition;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.ValueMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The writer side of a rule set whose changes cost what they change, not what the set holds. The automaton it
 * publishes has up to two layers: a <em>base</em> compiled from every rule at one moment, and an <em>overlay</em>
 * compiled from the rules put since, with the base's rules deleted or replaced since marked <em>shadowed</em>. A
 * change recompiles only the overlay (a few hundred rules at most), so it takes microseconds to a few milliseconds
 * whatever the base holds; a <em>compaction</em>, run off the writer's lock on an executor, compiles every rule into
 * a new base and empties the overlay. Matchers see one immutable automaton per event, old or new, never a mix; a
 * layered one costs a second pass over the event until the compaction lands.
 *
 * <p>When changes outpace compaction and the overlay reaches its limit, the change that crosses it compiles the whole
 * set on the writer (what every change cost before layering), so the overlay, and the cost of a change, stay bounded.
 * A set no bigger than the overlay limit is always compiled whole: one layer, at the cost an overlay would have.
 *
 * <p>The rule-set wide wildcard budget ({@link dev.eventrouter.pattern.PatternLimits#maxWildcardComplexity()}) is
 * kept as per-field totals over the distinct wildcard conditions, so a change is checked against the whole set
 * without recompiling it.
 *
 * <p>Not thread-safe: the owner serializes every call under one lock (the lock given to {@link #compactLater});
 * matchers read only the automata it returns. A compaction that throws (Exception or Error) leaves the layers as
 * they were, still correct, and is counted ({@link #failedCompactions()}); the next change starts another.
 */
public final class LayeredRules {
    /** Overlay size at which a change compiles the whole set on the writer. */
    public static final int DEFAULT_OVERLAY_LIMIT = 512;

    private static final long[] NONE = new long[0];
    private static final Object BACKGROUND_LOCK = new Object();
    private static ThreadPoolExecutor background;

    private final RuleCompiler compiler;
    private final int overlayLimit;

    private MatchAutomaton base = MatchAutomaton.EMPTY;
    private Map<String, Integer> baseIndex = Map.of();
    /** Bit per base rule deleted or replaced since; {@link #NONE} when none is. Copy-on-write: a view holds it. */
    private long[] shadowed = NONE;
    /** Copy-on-write: a compaction snapshot holds it. */
    private Map<String, EventPattern> overlay = Map.of();
    private Map<String, Integer> overlayIndex = Map.of();
    private MatchAutomaton overlayAutomaton;
    private MatchAutomaton current = MatchAutomaton.EMPTY;

    private final Map<FieldCondition, Integer> wildcardConditions = new HashMap<>();
    /** Counts the changes of the wildcard counts: a {@link Checked} is good for the version it was made at. */
    private long version;
    private final Map<String, Integer> wildcardTotals = new HashMap<>();

    private long baseVersion;
    private Compaction inFlight;
    /** Test seam: run by a compaction before it compiles (fault injection). */
    volatile Runnable compactionProbe;
    private Set<String> changedSinceSnapshot;
    private long compactions;
    private long failedCompactions;
    private Throwable lastFailure;

    /** @param compiler compiles the layers (its limits give the wildcard budget). */
    public LayeredRules(final RuleCompiler compiler) {
        this(compiler, DEFAULT_OVERLAY_LIMIT);
    }

    /**
     * @param compiler     compiles the layers.
     * @param overlayLimit the overlay size at which a change compiles the whole set on the writer, at least 1.
     */
    public LayeredRules(final RuleCompiler compiler, final int overlayLimit) {
        if (overlayLimit < 1) {
            throw new IllegalArgumentException("overlayLimit must be at least 1, was " + overlayLimit);
        }
        this.compiler = compiler;
        this.overlayLimit = overlayLimit;
    }

    /** @return the automaton of the rules as they are now. */
    public MatchAutomaton current() {
        return current;
    }

    /** @return the number of rules. */
    public int size() {
        return base.rules.length - count(shadowed) + overlay.size();
    }

    /** @return the rule's pattern, or {@code null} when there is no such rule. */
    public EventPattern pattern(final String name) {
        final EventPattern newer = overlay.get(name);
        if (newer != null) {
            return newer;
        }
        final Integer index = baseIndex.get(name);
        return index == null || isShadowed(index) ? null : base.rules[index].pattern();
    }

    /** @return the {@link CompiledRule#index()} of the rule in {@link #current()}, or -1 when there is none. */
    public int indexOf(final String name) {
        final Integer newer = overlayIndex.get(name);
        if (newer != null) {
            return newer;
        }
        final Integer index = baseIndex.get(name);
        return index == null || isShadowed(index) ? -1 : index;
    }

    private boolean isShadowed(final int index) {
        return isShadowed(shadowed, index);
    }

    private static boolean isShadowed(final long[] bits, final int index) {
        return bits.length != 0 && (bits[index >>> 6] & (1L << index)) != 0;
    }

    private static int count(final long[] bits) {
        int count = 0;
        for (long word : bits) {
            count += Long.bitCount(word);
        }
        return count;
    }

    /**
     * @return {@code bits} with the bit of each of {@code names} that {@code index} holds set: a copy when a bit is
     * added ({@code bits} may be published), sized for {@code ruleCount} rules.
     */
    private static long[] shadow(final long[] bits, final int ruleCount, final Map<String, Integer> index,
                                 final Iterable<String> names) {
        long[] next = bits;
        for (String name : names) {
            final Integer rule = index.get(name);
            if (rule != null && !isShadowed(next, rule)) {
                if (next == bits) {
                    next = bits.length == 0 ? new long[(ruleCount + 63) >>> 6] : bits.clone();
                }
                next[rule >>> 6] |= 1L << rule;
            }
        }
        return next;
    }

    /**
     * Puts and deletes rules at once, all or nothing.
     *
     * @param changes by rule name, the new pattern, or {@code null} to delete the rule (absent rules are ignored).
     * @return the new automaton, to publish.
     * @throws InvalidPatternException when the changed set would exceed the wildcard budget; nothing changed then.
     */
    public MatchAutomaton apply(final Map<String, EventPattern> changes) {
        return apply(check(changes));
    }

    /**
     * Applies changes {@link #check} accepted, all or nothing.
     *
     * @return the new automaton, to publish.
     * @throws IllegalStateException when the set changed since the check (or it is another set's).
     */
    public MatchAutomaton apply(final Checked checked) {
        if (checked.rules != this || checked.version != version) {
            throw new IllegalStateException("changes checked against another version of the rule set");
        }
        final Map<String, EventPattern> changes = checked.changes;
        // a set no bigger than an overlay may be compiles whole: one layer, at the cost an overlay would have
        if (overlay.size() + changes.size() > overlayLimit
            || size() + changes.size() <= overlayLimit) {
            final Map<String, EventPattern> all = liveRules(base, shadowed, overlay);
            changes.forEach((name, pattern) -> {
                all.remove(name);
                if (pattern != null) {
                    all.put(name, pattern);
                }
            });
            rebase(all);
        } else {
            final Map<String, EventPattern> nextOverlay = new LinkedHashMap<>(overlay);
            changes.forEach((name, pattern) -> {
                nextOverlay.remove(name);
                if (pattern != null) {
                    nextOverlay.put(name, pattern);
                }
            });
            final MatchAutomaton nextOverlayAutomaton = compileOverlay(nextOverlay, base.rules.length);
            overlay = nextOverlay;
            overlayAutomaton = nextOverlayAutomaton;
            overlayIndex = indexes(nextOverlayAutomaton);
            shadowed = shadow(shadowed, base.rules.length, baseIndex, changes.keySet());
            if (changedSinceSnapshot != null) {
                changedSinceSnapshot.addAll(changes.keySet());
            }
            publish();
        }
        commitWildcards(checked.wildcardDelta, checked.totals);
        version++;
        return current;
    }

    /**
     * Checks what {@link #apply} would refuse, changing nothing: lets a caller changing several sets refuse before it
     * changes any, then apply what it checked without checking again.
     *
     * @return the checked changes, for {@link #apply(Checked)} while the set has not changed.
     * @throws InvalidPatternException when the changed set would exceed the wildcard budget.
     */
    public Checked check(final Map<String, EventPattern> changes) {
        final Map<FieldCondition, Integer> wildcardDelta = wildcardDelta(changes);
        return new Checked(this, version, changes, wildcardDelta, checkedTotals(wildcardDelta));
    }

    /** Changes {@link #check} accepted: their wildcard counts, computed once. */
    public static final class Checked {
        private final LayeredRules rules;
        private final long version;
        private final Map<String, EventPattern> changes;
        private final Map<FieldCondition, Integer> wildcardDelta;
        private final Map<String, Integer> totals;

        private Checked(final LayeredRules rules, final long version, final Map<String, EventPattern> changes,
                        final Map<FieldCondition, Integer> wildcardDelta, final Map<String, Integer> totals) {
            this.rules = rules;
            this.version = version;
            this.changes = changes;
            this.wildcardDelta = wildcardDelta;
            this.totals = totals;
        }
    }

    /**
     * Replaces every rule with these, compiled at once into a single layer.
     *
     * @return the new automaton, to publish.
     * @throws InvalidPatternException when the set exceeds the wildcard budget; nothing changed then.
     */
    public MatchAutomaton replaceAll(final Map<String, EventPattern> rules) {
        final Map<FieldCondition, Integer> conditions = new HashMap<>();
        rules.values().forEach(pattern -> countWildcards(pattern, 1, conditions));
        final Map<String, Integer> totals = new TreeMap<>();
        conditions.keySet().forEach(condition -> totals.merge(condition.path(), complexity(condition), Integer::sum));
        totals.forEach(compiler::checkWildcardComplexity);
        rebase(new LinkedHashMap<>(rules));
        wildcardConditions.clear();
        wildcardConditions.putAll(conditions);
        wildcardTotals.clear();
        wildcardTotals.putAll(totals);
        version++;
        return current;
    }

    /**
     * Compiles every rule into one layer now, on the caller's thread.
     *
     * @return the new automaton, to publish.
     */
    public MatchAutomaton compact() {
        if (current != base) {
            rebase(liveRules(base, shadowed, overlay));
        }
        return current;
    }

    /** Compiles {@code all} as the new base; abandons a compaction in flight (its snapshot is older). */
    private void rebase(final Map<String, EventPattern> all) {
        final MatchAutomaton compiled = compiler.compile(asRules(all));
        base = compiled;
        baseVersion++;
        baseIndex = indexes(compiled);
        shadowed = NONE;
        overlay = Map.of();
        overlayIndex = Map.of();
        overlayAutomaton = null;
        inFlight = null;
        changedSinceSnapshot = null;
        publish();
    }

    /** @return the overlay of these rules, its indexes following a base of {@code baseSize} rules; null if none. */
    private MatchAutomaton compileOverlay(final Map<String, EventPattern> rules, final int baseSize) {
        return rules.isEmpty() ? null : compiler.compile(asRules(rules), baseSize);
    }

    private static List<RuleCompiler.Rule> asRules(final Map<String, EventPattern> rules) {
        final List<RuleCompiler.Rule> list = new ArrayList<>(rules.size());
        rules.forEach((name, pattern) -> list.add(new RuleCompiler.Rule(name, pattern)));
        return list;
    }

    private void publish() {
        current = overlayAutomaton == null && shadowed.length == 0 ? base
            : new MatchAutomaton(base, overlayAutomaton, shadowed.length == 0 ? null : shadowed);
    }

    private static Map<String, Integer> indexes(final MatchAutomaton automaton) {
        if (automaton == null) {
            return Map.of();
        }
        final Map<String, Integer> byName = new HashMap<>((int) (automaton.rules.length / 0.75f) + 1);
        for (CompiledRule rule : automaton.rules) {
            byName.put(rule.name(), rule.index());
        }
        return byName;
    }

    private static Map<String, EventPattern> liveRules(final MatchAutomaton base, final long[] shadowed,
                                                      final Map<String, EventPattern> overlay) {
        final Map<String, EventPattern> all = new LinkedHashMap<>(
            (int) ((base.rules.length - count(shadowed) + overlay.size()) / 0.75f) + 1);
        for (CompiledRule rule : base.rules) {
            if (!isShadowed(shadowed, rule.index())) {
                all.put(rule.name(), rule.pattern());
            }
        }
        all.putAll(overlay);
        return all;
    }

    // ---- the rule-set wide wildcard budget ---------------------------------------------------------------------

    /** @return per distinct wildcard condition, how its count of rules using it changes. */
    private Map<FieldCondition, Integer> wildcardDelta(final Map<String, EventPattern> changes) {
        Map<FieldCondition, Integer> delta = null;
        for (Map.Entry<String, EventPattern> change : changes.entrySet()) {
            final EventPattern old = pattern(change.getKey());
            delta = countWildcards(old, -1, delta);
            delta = countWildcards(change.getValue(), 1, delta);
        }
        return delta == null ? new HashMap<>() : delta;
    }

    private static Map<FieldCondition, Integer> countWildcards(final EventPattern pattern, final int sign,
                                                               final Map<FieldCondition, Integer> into) {
        if (pattern == null) {
            return into;
        }
        Map<FieldCondition, Integer> delta = into;
        Set<FieldCondition> seen = null;   // a rule counts a condition once, however many conjunctions share it
        for (List<FieldCondition> conjunction : pattern.conjunctions()) {
            for (FieldCondition condition : conjunction) {
                if (complexity(condition) != 0) {
                    seen = seen == null ? new HashSet<>() : seen;
                    if (seen.add(condition)) {
                        delta = delta == null ? new HashMap<>() : delta;
                        delta.merge(condition, sign, Integer::sum);
                    }
                }
            }
        }
        return delta;
    }

    private static int complexity(final FieldCondition condition) {
        int complexity = 0;
        for (ValueMatcher matcher : condition.matchers()) {
            complexity += FieldIndex.Builder.wildcardComplexity(matcher);
        }
        return complexity;
    }

    /** @return the changed per-path totals. @throws InvalidPatternException when one exceeds the budget. */
    private Map<String, Integer> checkedTotals(final Map<FieldCondition, Integer> delta) {
        final Map<String, Integer> totals = new TreeMap<>();
        for (Map.Entry<FieldCondition, Integer> entry : delta.entrySet()) {
            final int before = wildcardConditions.getOrDefault(entry.getKey(), 0);
            final int after = before + entry.getValue();
            if ((before == 0) != (after == 0)) {
                final String path = entry.getKey().path();
                final int total = totals.containsKey(path) ? totals.get(path) : wildcardTotals.getOrDefault(path, 0);
                totals.put(path, total + (after == 0 ? -1 : 1) * complexity(entry.getKey()));
            }
        }
        totals.forEach(compiler::checkWildcardComplexity);
        return totals;
    }

    private void commitWildcards(final Map<FieldCondition, Integer> delta, final Map<String, Integer> totals) {
        delta.forEach((condition, change) -> {
            final int after = wildcardConditions.getOrDefault(condition, 0) + change;
            if (after == 0) {
                wildcardConditions.remove(condition);
            } else {
                wildcardConditions.put(condition, after);
            }
        });
        totals.forEach((path, total) -> {
            if (total == 0) {
                wildcardTotals.remove(path);
            } else {
                wildcardTotals.put(path, total);
            }
        });
    }

    // ---- compaction --------------------------------------------------------------------------------------------

    /**
     * Starts a compaction when the automaton is layered and none is in flight: takes a snapshot now, then on
     * {@code executor} compiles it, takes {@code lock} and hands the new automaton to {@code publish}. Call holding
     * {@code lock}. A compaction that lands while changes happened since its snapshot keeps those changes as the new
     * overlay and starts another.
     *
     * @param executor where the compilation runs (see {@link #background()}).
     * @param lock     the lock that serializes every call to this object.
     * @param publish  called under {@code lock} with the automaton to publish.
     */
    public void compactLater(final Executor executor, final Object lock, final Consumer<MatchAutomaton> publish) {
        if (inFlight != null || current == base) {
            return;
        }
        final Compaction compaction = new Compaction(base, shadowed, overlay);
        inFlight = compaction;
        changedSinceSnapshot = new HashSet<>();
        try {
            executor.execute(() -> {
                compaction.compile();
                synchronized (lock) {
                    if (finish(compaction)) {
                        publish.accept(current);
                        compactLater(executor, lock, publish);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            compaction.failure = e;
            finish(compaction);
        }
    }

    /** @return whether the compaction's automaton became current. */
    private boolean finish(final Compaction compaction) {
        if (compaction != inFlight) {
            return false;   // a full compilation on the writer superseded it
        }
        inFlight = null;
        final Set<String> changed = changedSinceSnapshot;
        changedSinceSnapshot = null;
        if (compaction.failure == null) {
            try {
                rebaseOn(compaction, changed);
                compactions++;
                return true;
            } catch (RuntimeException | Error e) {
                compaction.failure = e;
            }
        }
        failedCompactions++;
        lastFailure = compaction.failure;
        return false;
    }

    /** The compacted base holds every rule as of its snapshot: the rules changed since become the overlay. */
    private void rebaseOn(final Compaction compaction, final Set<String> changed) {
        final MatchAutomaton compiled = compaction.compiled;
        final Map<String, Integer> compiledIndex = compaction.index;
        final long[] nextShadowed = shadow(NONE, compiled.rules.length, compiledIndex, changed);
        final Map<String, EventPattern> nextOverlay = new LinkedHashMap<>();
        for (Map.Entry<String, EventPattern> entry : overlay.entrySet()) {
            if (changed.contains(entry.getKey())) {
                nextOverlay.put(entry.getKey(), entry.getValue());
            }
        }
        final MatchAutomaton nextOverlayAutomaton = compileOverlay(nextOverlay, compiled.rules.length);
        base = compiled;
        baseIndex = compiledIndex;
        baseVersion++;
        shadowed = nextShadowed;
        overlay = nextOverlay;
        overlayAutomaton = nextOverlayAutomaton;
        overlayIndex = indexes(nextOverlayAutomaton);
        publish();
    }

    /**
     * @return a number that changes whenever the base layer does (a compaction, or a change that compiled the whole
     * set): while it stays, the indexes of the base's rules stay, and rules past {@link #baseSize()} are the overlay.
     */
    public long baseVersion() {
        return baseVersion;
    }

    /** @return the number of rules compiled into the base layer, shadowed ones included: the overlay's first index. */
    public int baseSize() {
        return base.rules.length;
    }

    /** @return compactions landed so far. */
    public long compactions() {
        return compactions;
    }

    /** @return compactions that threw (or were refused by their executor) so far. */
    public long failedCompactions() {
        return failedCompactions;
    }

    /** @return what the last failed compaction threw, or {@code null}. */
    public Throwable lastCompactionFailure() {
        return lastFailure;
    }

    /** @return the number of rules in the overlay (0 when the automaton is one layer). */
    public int overlaySize() {
        return overlay.size();
    }

    /**
     * @return the shared background executor for compactions: one daemon thread, {@code eventrouter-rule-compactor},
     * started on first use and ended after 30 s without work. A task that throws does not end it.
     */
    public static Executor background() {
        synchronized (BACKGROUND_LOCK) {
            if (background == null) {
                background = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    final Thread thread = new Thread(r, "eventrouter-rule-compactor");
                    thread.setDaemon(true);
                    return thread;
                });
                background.allowCoreThreadTimeOut(true);
            }
            return background;
        }
    }

    /** One compaction: a snapshot of the layers, compiled off the lock. */
    private final class Compaction {
        private final MatchAutomaton snapshotBase;
        private final long[] snapshotShadowed;
        private final Map<String, EventPattern> snapshotOverlay;
        private MatchAutomaton compiled;
        private Map<String, Integer> index;
        private Throwable failure;

        private Compaction(final MatchAutomaton base, final long[] shadowed, final Map<String, EventPattern> overlay) {
            snapshotBase = base;
            snapshotShadowed = shadowed;
            snapshotOverlay = overlay;
        }

        /** Never throws: a failure is kept for {@link #finish}. */
        private void compile() {
            try {
                final Runnable probe = compactionProbe;
                if (probe != null) {
                    probe.run();
                }
                compiled = compiler.compile(asRules(liveRules(snapshotBase, snapshotShadowed, snapshotOverlay)));
                index = indexes(compiled);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }
    }
}
