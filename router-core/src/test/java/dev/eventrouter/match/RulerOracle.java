package dev.eventrouter.match;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.event.ruler.JsonRuleCompiler;
import software.amazon.event.ruler.Machine;
import software.amazon.event.ruler.MatchType;
import software.amazon.event.ruler.Patterns;

/**
 * event-ruler 2.1.0 as the reference oracle, routed around its known defects (docs/patterns.md). A pattern is
 * first accepted or rejected by {@link Machine#addRule} exactly as given; its answer for an event is then the OR
 * over separate machines, one per piece:
 * <ul>
 *   <li>each {@code $or} combination (event-ruler's own expansion, {@link JsonRuleCompiler}) on its own: in one
 *       machine, combinations and rules share byte automata and can change each other's answers;</li>
 *   <li>within a combination, a field whose value list mixes wildcard operators with other operators is split
 *       into the wildcard alternatives and the rest: a value list is a disjunction, and in one byte automaton the
 *       mix can match values that no alternative matches;</li>
 *   <li>likewise numeric operators apart from a prefix or suffix in the same list: there the mix can miss a value
 *       an alternative matches ({@code "xb"} fails {@code ["xb", {"numeric":[">=",-5,"<=",1.5]}, {"suffix":"I"}]},
 *       and {@code "xb"} alone, or without the suffix, matches).</li>
 * </ul>
 */
final class RulerOracle {
    /** Why the last {@link #forPattern(String)} returned {@code null}. */
    static volatile Throwable lastRejection;

    private final List<Machine> machines;

    private RulerOracle(final List<Machine> machines) {
        this.machines = machines;
    }

    /**
     * @param pattern a pattern event-ruler accepts.
     * @return event-ruler's wildcard complexity of the pattern alone (what EventBridge limits per rule), up to 1000.
     */
    static int complexity(final String pattern) {
        try {
            final Machine machine = Machine.builder().build();
            machine.addRule("rule", pattern);
            return machine.evaluateComplexity(new software.amazon.event.ruler.MachineComplexityEvaluator(1000));
        } catch (Exception e) {
            throw new IllegalStateException("event-ruler rejects " + pattern, e);
        }
    }

    /** @return an oracle for the pattern, or {@code null} when event-ruler rejects it. */
    static RulerOracle forPattern(final String pattern) {
        try {
            Machine.builder().build().addRule("rule", pattern);
            final List<Machine> machines = new ArrayList<>();
            for (Map<String, List<Patterns>> combination : JsonRuleCompiler.compile(pattern)) {
                for (Map<String, List<Patterns>> piece : splitWildcards(combination)) {
                    final Machine machine = Machine.builder().build();
                    machine.addPatternRule("rule", piece);
                    machines.add(machine);
                }
            }
            return new RulerOracle(machines);
        } catch (Exception | Error e) {
            lastRejection = e;
            return null;
        }
    }

    boolean matches(final String event) {
        try {
            for (Machine machine : machines) {
                if (!machine.rulesForJSONEvent(event).isEmpty()) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("event-ruler failed on " + event, e);
        }
    }

    private static List<Map<String, List<Patterns>>> splitWildcards(final Map<String, List<Patterns>> combination) {
        List<Map<String, List<Patterns>>> pieces = new ArrayList<>();
        pieces.add(new HashMap<>());
        for (Map.Entry<String, List<Patterns>> field : combination.entrySet()) {
            final List<Patterns> wildcards = new ArrayList<>();
            final List<Patterns> numeric = new ArrayList<>();
            final List<Patterns> others = new ArrayList<>();
            boolean affixes = false;
            for (Patterns patterns : field.getValue()) {
                (isWildcard(patterns) ? wildcards : isNumeric(patterns) ? numeric : others).add(patterns);
                affixes |= isAffix(patterns);
            }
            if (!affixes) {
                others.addAll(numeric);   // only a mix with prefixes or suffixes needs the numeric part apart
                numeric.clear();
            }
            final List<Map<String, List<Patterns>>> next = new ArrayList<>();
            for (Map<String, List<Patterns>> piece : pieces) {
                for (List<Patterns> part : List.of(wildcards, numeric, others)) {
                    if (!part.isEmpty()) {
                        final Map<String, List<Patterns>> copy = new HashMap<>(piece);
                        copy.put(field.getKey(), part);
                        next.add(copy);
                    }
                }
            }
            pieces = next;
        }
        return pieces;
    }

    private static boolean isNumeric(final Patterns patterns) {
        return patterns.type() == MatchType.NUMERIC_EQ || patterns.type() == MatchType.NUMERIC_RANGE;
    }

    private static boolean isAffix(final Patterns patterns) {
        final MatchType type = patterns.type();
        return type == MatchType.PREFIX || type == MatchType.PREFIX_EQUALS_IGNORE_CASE || type == MatchType.SUFFIX
            || type == MatchType.SUFFIX_EQUALS_IGNORE_CASE;
    }

    private static boolean isWildcard(final Patterns patterns) {
        return patterns.type() == MatchType.WILDCARD || patterns.type() == MatchType.ANYTHING_BUT_WILDCARD;
    }
}
