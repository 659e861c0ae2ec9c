package dev.eventrouter.match;

import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A named set of rules whose automaton is swapped atomically on every change. Writers are serialized; matchers read
 * the current automaton through one volatile reference and never lock, so they see either the old or the new rule
 * set, never a mix. Thread-safe.
 *
 * <p>A change costs what it changes, not what the set holds: it recompiles only the rules changed since the last
 * compaction (a second layer, see {@link LayeredRules}); the compaction that folds them into one layer runs on the
 * compactor executor ({@link LayeredRules#background()} unless given), off the writer. Add many rules at once with
 * {@link #putAll(Map)}: one compilation.
 */
public final class RuleSet implements AutomatonSource {
    private final PatternParser parser;
    private final LayeredRules layers;
    private final Executor compactor;
    private volatile MatchAutomaton automaton = MatchAutomaton.EMPTY;

    /** A rule set with the default limits. */
    public RuleSet() {
        this(PatternLimits.DEFAULT);
    }

    /** @param limits pattern limits and the wildcard complexity budget. */
    public RuleSet(final PatternLimits limits) {
        this(limits, LayeredRules.background());
    }

    /**
     * @param limits    pattern limits and the wildcard complexity budget.
     * @param compactor where compactions run ({@code Runnable::run}: on the writer, after each change).
     */
    public RuleSet(final PatternLimits limits, final Executor compactor) {
        parser = new PatternParser(limits);
        layers = new LayeredRules(new RuleCompiler(limits));
        this.compactor = compactor;
    }

    @Override
    public MatchAutomaton current() {
        return automaton;
    }

    /**
     * Adds or replaces a rule.
     *
     * @throws InvalidPatternException when the pattern is invalid or the rule set would exceed a limit; the rule
     *                                 set is then unchanged.
     */
    public void put(final String name, final String patternJson) {
        final EventPattern pattern;
        try {
            pattern = parser.parse(patternJson);
        } catch (InvalidPatternException e) {
            throw e.inRule(name);
        }
        put(name, pattern);
    }

    /** Adds or replaces a rule with an already parsed pattern. */
    public synchronized void put(final String name, final EventPattern pattern) {
        requireName(name);
        install(layers.apply(java.util.Collections.singletonMap(name, pattern)));
    }

    /**
     * Adds or replaces several rules at once.
     *
     * @throws InvalidPatternException naming the first invalid rule; the rule set is then unchanged.
     */
    public synchronized void putAll(final Map<String, String> patterns) {
        install(layers.apply(parsed(patterns)));
    }

    /**
     * Replaces every rule with these in one swap (a configuration reload): matchers see the old set or the new
     * one, never a mix.
     *
     * @throws InvalidPatternException naming the first invalid rule; the rule set is then unchanged.
     */
    public synchronized void replaceAll(final Map<String, String> patterns) {
        install(layers.replaceAll(parsed(patterns)));
    }

    private Map<String, EventPattern> parsed(final Map<String, String> patterns) {
        final Map<String, EventPattern> next = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : patterns.entrySet()) {
            requireName(entry.getKey());
            try {
                next.put(entry.getKey(), parser.parse(entry.getValue()));
            } catch (InvalidPatternException e) {
                throw e.inRule(entry.getKey());
            }
        }
        return next;
    }

    /** @return whether a rule of that name existed and was removed. */
    public synchronized boolean remove(final String name) {
        if (layers.pattern(name) == null) {
            return false;
        }
        install(layers.apply(java.util.Collections.singletonMap(name, null)));   // null: delete
        return true;
    }

    /** @return the number of rules. */
    public synchronized int size() {
        return layers.size();
    }

    /**
     * Folds every change into one layer now, on the caller's thread (what the compactor does in the background):
     * for tools and tests that want the single-pass automaton at once.
     */
    public synchronized void compact() {
        automaton = layers.compact();
    }

    /** @return compactions that threw so far (each left the rules layered, still correct; see {@link LayeredRules}). */
    public synchronized long failedCompactions() {
        return layers.failedCompactions();
    }

    private void install(final MatchAutomaton next) {
        automaton = next;
        layers.compactLater(compactor, this, compacted -> automaton = compacted);
    }

    private static void requireName(final String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("rule name must not be empty");
        }
    }
}
