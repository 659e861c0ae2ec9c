package dev.eventrouter.match;

import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named set of rules whose compiled automaton is swapped atomically on every change. Writers are serialized
 * and compile off the matching threads; matchers read the current automaton through one volatile reference and
 * never lock, so they see either the old or the new rule set, never a mix. Thread-safe.
 *
 * <p>Each change recompiles the whole set (cost linear in the number of rules): add many rules at once with
 * {@link #putAll(Map)}.
 */
public final class RuleSet implements AutomatonSource {
    private final PatternParser parser;
    private final RuleCompiler compiler;
    private final Map<String, EventPattern> rules = new LinkedHashMap<>();
    private volatile MatchAutomaton automaton = MatchAutomaton.EMPTY;

    /** A rule set with the default limits. */
    public RuleSet() {
        this(PatternLimits.DEFAULT);
    }

    /** @param limits pattern limits and the wildcard complexity budget. */
    public RuleSet(final PatternLimits limits) {
        parser = new PatternParser(limits);
        compiler = new RuleCompiler(limits);
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
        final Map<String, EventPattern> next = new LinkedHashMap<>(rules);
        next.put(name, pattern);
        install(next);
    }

    /**
     * Adds or replaces several rules with one compilation.
     *
     * @throws InvalidPatternException naming the first invalid rule; the rule set is then unchanged.
     */
    public synchronized void putAll(final Map<String, String> patterns) {
        install(withParsed(new LinkedHashMap<>(rules), patterns));
    }

    /**
     * Replaces every rule with these in one swap (a configuration reload): matchers see the old set or the new
     * one, never a mix.
     *
     * @throws InvalidPatternException naming the first invalid rule; the rule set is then unchanged.
     */
    public synchronized void replaceAll(final Map<String, String> patterns) {
        install(withParsed(new LinkedHashMap<>(), patterns));
    }

    private Map<String, EventPattern> withParsed(final Map<String, EventPattern> next,
                                                 final Map<String, String> patterns) {
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
        if (!rules.containsKey(name)) {
            return false;
        }
        final Map<String, EventPattern> next = new LinkedHashMap<>(rules);
        next.remove(name);
        install(next);
        return true;
    }

    /** @return the number of rules. */
    public synchronized int size() {
        return rules.size();
    }

    private void install(final Map<String, EventPattern> next) {
        final List<RuleCompiler.Rule> list = new ArrayList<>(next.size());
        next.forEach((name, pattern) -> list.add(new RuleCompiler.Rule(name, pattern)));
        final MatchAutomaton compiled = compiler.compile(list);
        rules.clear();
        rules.putAll(next);
        automaton = compiled;
    }

    private static void requireName(final String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("rule name must not be empty");
        }
    }
}
