package dev.eventrouter.match;

import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.FieldCondition;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.ValueMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiles named patterns into a {@link MatchAutomaton}. Runs off the hot path; allocates freely. Thread-safe:
 * stateless apart from its limits.
 */
public final class RuleCompiler {
    private static final int UNSELECTIVE_WEIGHT = 64;

    private final PatternLimits limits;

    /** @param limits the wildcard complexity budget comes from here. */
    public RuleCompiler(final PatternLimits limits) {
        this.limits = limits;
    }

    /** A rule to compile. */
    public record Rule(String name, EventPattern pattern) {
    }

    /**
     * @param rules the rules, with unique names; their order fixes the rule indexes.
     * @return the automaton.
     * @throws InvalidPatternException when the rule set exceeds the wildcard complexity budget.
     */
    public MatchAutomaton compile(final List<Rule> rules) {
        return compile(rules, 0);
    }

    /**
     * @param rules     the rules, with unique names; their order fixes the rule indexes.
     * @param indexBase the {@link CompiledRule#index()} of the first rule: an overlay's rules follow its base's.
     * @return the automaton.
     * @throws InvalidPatternException when the rule set exceeds the wildcard complexity budget.
     */
    MatchAutomaton compile(final List<Rule> rules, final int indexBase) {
        final Set<String> pathSet = new TreeSet<>();
        for (Rule rule : rules) {
            rule.pattern().conjunctions().forEach(c -> c.forEach(f -> pathSet.add(f.path())));
        }
        final List<String> paths = new ArrayList<>(pathSet);
        final Map<String, Integer> fieldIds = new HashMap<>();
        final FieldIndex.Builder[] fieldBuilders = new FieldIndex.Builder[paths.size()];
        for (int i = 0; i < paths.size(); i++) {
            fieldIds.put(paths.get(i), i);
            fieldBuilders[i] = new FieldIndex.Builder();
        }

        final Map<FieldCondition, Integer> conditionIds = new HashMap<>();
        final List<FieldCondition> conditions = new ArrayList<>();
        final List<int[]> conjunctions = new ArrayList<>();
        final List<Integer> conjunctionRules = new ArrayList<>();
        final CompiledRule[] compiled = new CompiledRule[rules.size()];
        for (int r = 0; r < rules.size(); r++) {
            final Rule rule = rules.get(r);
            compiled[r] = new CompiledRule(rule.name(), indexBase + r, rule.pattern());
            final Set<List<Integer>> seen = new LinkedHashSet<>();
            for (List<FieldCondition> conjunction : rule.pattern().conjunctions()) {
                final List<Integer> ids = new ArrayList<>(conjunction.size());
                for (FieldCondition condition : conjunction) {
                    ids.add(conditionIds.computeIfAbsent(condition, c -> {
                        conditions.add(c);
                        return conditions.size() - 1;
                    }));
                }
                if (seen.add(ids)) {
                    conjunctions.add(ids.stream().mapToInt(Integer::intValue).toArray());
                    conjunctionRules.add(r);
                }
            }
        }

        final int[] conditionField = new int[conditions.size()];
        final boolean[] allowsAbsence = new boolean[conditions.size()];
        final boolean[] required = new boolean[conditions.size()];
        final boolean[] unselective = new boolean[conditions.size()];
        for (int c = 0; c < conditions.size(); c++) {
            final FieldCondition condition = conditions.get(c);
            final int field = fieldIds.get(condition.path());
            conditionField[c] = field;
            boolean hasValues = false;
            final boolean numeric = condition.matchers().stream().anyMatch(RuleCompiler::isNumeric);
            for (ValueMatcher matcher : condition.matchers()) {
                fieldBuilders[field].add(matcher, c, numeric);
                if (matcher instanceof ValueMatcher.Exists exists && !exists.present()) {
                    allowsAbsence[c] = true;
                } else {
                    hasValues = true;
                    unselective[c] |= isUnselective(matcher);
                }
            }
            required[c] = hasValues && !allowsAbsence[c];
        }
        checkWildcardComplexity(paths, fieldBuilders);

        final int[] popularity = new int[conditions.size()];
        for (int[] conjunction : conjunctions) {
            for (int c : conjunction) {
                popularity[c]++;
            }
        }
        final List<List<Integer>> triggered = new ArrayList<>(conditions.size());
        for (int c = 0; c < conditions.size(); c++) {
            triggered.add(new ArrayList<>(1));
        }
        final List<Integer> always = new ArrayList<>();
        for (int s = 0; s < conjunctions.size(); s++) {
            int best = -1;
            long bestScore = Long.MAX_VALUE;
            for (int c : conjunctions.get(s)) {
                if (required[c]) {
                    final long score = (long) popularity[c] * (unselective[c] ? UNSELECTIVE_WEIGHT : 1);
                    if (score < bestScore) {
                        bestScore = score;
                        best = c;
                    }
                }
            }
            if (best < 0) {
                always.add(s);
                // a hit on any of its conditions makes it a candidate: events that have one of its fields
                for (int c : conjunctions.get(s)) {
                    triggered.get(c).add(s);   // one condition per field: no repeats within a conjunction
                }
            } else {
                triggered.get(best).add(s);
            }
        }
        // per field, the always-candidates with a condition on it: an event that has the field settles them by hits
        final List<List<Integer>> alwaysOfField = new ArrayList<>(paths.size());
        for (int f = 0; f < paths.size(); f++) {
            alwaysOfField.add(new ArrayList<>(0));
        }
        for (int i = 0; i < always.size(); i++) {
            final Set<Integer> fieldsOfConjunction = new LinkedHashSet<>();
            for (int c : conjunctions.get(always.get(i))) {
                fieldsOfConjunction.add(conditionField[c]);
            }
            for (int f : fieldsOfConjunction) {
                alwaysOfField.get(f).add(i);
            }
        }
        final int[] alwaysByFieldStart = new int[paths.size() + 1];
        for (int f = 0; f < paths.size(); f++) {
            alwaysByFieldStart[f + 1] = alwaysByFieldStart[f] + alwaysOfField.get(f).size();
        }
        final int[] alwaysByField = alwaysOfField.stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();

        final boolean[] anchor = new boolean[conditions.size()];
        for (int c = 0; c < conditions.size(); c++) {
            anchor[c] = !triggered.get(c).isEmpty();
        }
        final FieldIndex[] fields = new FieldIndex[paths.size()];
        int slotBase = 0;
        for (int i = 0; i < fields.length; i++) {
            fields[i] = fieldBuilders[i].build(i, slotBase, anchor);
            slotBase += fieldBuilders[i].anythingButSlots();
        }
        final int[] triggerStart = new int[conditions.size() + 1];
        for (int c = 0; c < conditions.size(); c++) {
            triggerStart[c + 1] = triggerStart[c] + triggered.get(c).size();
        }
        final int[] triggerConjunctions = triggered.stream().flatMap(List::stream).mapToInt(Integer::intValue)
            .toArray();
        final int[] conjunctionStart = new int[conjunctions.size() + 1];
        for (int s = 0; s < conjunctions.size(); s++) {
            conjunctionStart[s + 1] = conjunctionStart[s] + conjunctions.get(s).length;
        }
        final int[] conjunctionConditions = conjunctions.stream().flatMapToInt(Arrays::stream).toArray();
        return new MatchAutomaton(new PathTrie(paths), fields, conditionField, allowsAbsence, triggerStart,
            triggerConjunctions, conjunctionRules.stream().mapToInt(Integer::intValue).toArray(), conjunctionStart,
            conjunctionConditions, always.stream().mapToInt(Integer::intValue).toArray(), alwaysByFieldStart,
            alwaysByField, compiled);
    }

    private static boolean isNumeric(final ValueMatcher matcher) {
        return matcher instanceof ValueMatcher.Numeric
            || (matcher instanceof ValueMatcher.ExactNumber n && !Double.isNaN(n.comparable()))
            || (matcher instanceof ValueMatcher.AnythingBut a && a.kind() == ValueMatcher.AnythingBut.Kind.NUMBERS);
    }

    private static boolean isUnselective(final ValueMatcher matcher) {
        return matcher instanceof ValueMatcher.Exists
            || matcher instanceof ValueMatcher.AnythingBut
            || matcher instanceof ValueMatcher.Wildcard
            || matcher instanceof ValueMatcher.Numeric
            || (matcher instanceof ValueMatcher.Prefix p && p.value().isEmpty())
            || (matcher instanceof ValueMatcher.Suffix s && s.value().isEmpty());
    }

    private void checkWildcardComplexity(final List<String> paths, final FieldIndex.Builder[] builders) {
        for (int f = 0; f < builders.length; f++) {
            checkWildcardComplexity(paths.get(f), builders[f].wildcardComplexity());
        }
    }

    /** @throws InvalidPatternException when a field's total over the rule set exceeds the budget. */
    void checkWildcardComplexity(final String path, final int complexity) {
        if (complexity > limits.maxWildcardComplexity()) {
            throw new InvalidPatternException(InvalidPatternException.Code.TOO_COMPLEX, "$." + path,
                "wildcard complexity " + complexity + " exceeds limit " + limits.maxWildcardComplexity()
                    + " (all wildcard operands on this field in the rule set)", 0, 0);
        }
    }
}
