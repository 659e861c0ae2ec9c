package dev.eventrouter.pattern;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The wildcard complexity EventBridge limits per rule ("Rule is too complex"): event-ruler's measure, the largest
 * number of wildcard rule prefixes that one input value can be inside at once, in the byte automaton event-ruler
 * builds for a field. Off the hot path: computed once per pattern when it is parsed.
 *
 * <p>The value depends on how event-ruler shares automaton states between a field's operands, so this class builds
 * the same shape: a state per byte of the quoted value, one state looping on every byte per {@code *}, a transition
 * that skips each such state for an empty run, reuse of a state reached by the same bytes when that cannot widen
 * what the state matches, and a new state otherwise. It then walks the subsets of states one input can reach (a
 * subset construction over byte values) and sums, for each subset, the wildcard patterns still reachable from each
 * member and from the looping states next to it. Only operands that can widen a match ({@code wildcard} and
 * {@code anything-but} {@code wildcard}) are built: other operands of the field add states that reach no wildcard
 * and change no sum. Fields are grouped as event-ruler groups them, per step of a rule's sorted paths, so
 * {@code $or} branches that reach a field through different values hold separate automata.
 *
 * <p>Cost: linear in the pattern's bytes to build; the walk stops as soon as a subset reaches the cap (the limit
 * plus one), and answers "the cap" after {@value #MAX_SUBSETS} subsets, so no pattern within the length limit can
 * make parsing run unbounded.
 *
 * <p>{@code WildcardComplexityTest} compares every value with event-ruler 2.1.0's
 * {@code Machine.evaluateComplexity} on generated patterns.
 */
final class WildcardComplexity {
    /** A token meaning {@code *}; byte tokens are 0-255. */
    private static final int STAR = -1;
    /** Subsets visited before giving up and answering "at least the cap". */
    private static final int MAX_SUBSETS = 200_000;

    private WildcardComplexity() {
    }

    /**
     * The worst field of a rule.
     *
     * @param path       the field's path, {@code detail.key}.
     * @param complexity its complexity, at most the cap asked for.
     */
    record Worst(String path, int complexity) {
    }

    /**
     * @param conjunctions a rule's {@code $or} expansion, each sorted by path.
     * @param cap          stop counting at this value (the limit plus one is enough to decide).
     * @return the field with the highest complexity, or {@code null} when no field has a wildcard.
     */
    static Worst worst(final List<List<FieldCondition>> conjunctions, final int cap) {
        if (!hasWildcard(conjunctions)) {
            return null;
        }
        final NameStep root = new NameStep();
        for (List<FieldCondition> conjunction : conjunctions) {
            Set<NameStep> steps = new LinkedHashSet<>();
            steps.add(root);
            for (FieldCondition field : conjunction) {
                final Set<NameStep> next = new LinkedHashSet<>();
                for (NameStep step : steps) {
                    next.addAll(step.add(field));
                }
                steps = next;
            }
        }
        Worst worst = null;
        final Set<NameStep> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        final ArrayDeque<NameStep> pending = new ArrayDeque<>();
        pending.add(root);
        while (!pending.isEmpty()) {
            final NameStep step = pending.poll();
            if (!seen.add(step)) {
                continue;
            }
            for (Map.Entry<String, FieldMachine> entry : step.machines.entrySet()) {
                final FieldMachine machine = entry.getValue();
                if (machine.hasWildcard) {
                    final int complexity = machine.automaton.evaluate(cap);
                    if (worst == null || complexity > worst.complexity()) {
                        worst = new Worst(entry.getKey(), complexity);
                    }
                    if (complexity >= cap) {
                        return worst;
                    }
                }
                pending.addAll(machine.steps);
            }
        }
        return worst;
    }

    /**
     * The complexity of one field holding these wildcard operands, in this order.
     *
     * @param wildcards wildcard operands as written in patterns ({@code \*} and {@code \\} escapes).
     * @param cap       stop counting at this value.
     * @return the complexity, at most {@code cap}.
     */
    static int ofField(final List<String> wildcards, final int cap) {
        final List<ValueMatcher> matchers = new ArrayList<>();
        for (String wildcard : wildcards) {
            matchers.add(new ValueMatcher.Wildcard(wildcard));
        }
        final Worst worst = worst(List.of(List.of(new FieldCondition("k", matchers))), cap);
        return worst == null ? 0 : worst.complexity();
    }

    private static boolean hasWildcard(final List<List<FieldCondition>> conjunctions) {
        for (List<FieldCondition> conjunction : conjunctions) {
            for (FieldCondition field : conjunction) {
                for (ValueMatcher matcher : field.matchers()) {
                    if (isWildcard(matcher)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isWildcard(final ValueMatcher matcher) {
        return matcher instanceof ValueMatcher.Wildcard
            || matcher instanceof ValueMatcher.AnythingBut but && but.kind() == ValueMatcher.AnythingBut.Kind.WILDCARD;
    }

    /** A step between fields (event-ruler's NameState): one machine per path that follows it. */
    private static final class NameStep {
        final Map<String, FieldMachine> machines = new LinkedHashMap<>();

        /** Adds a field's operands; returns the steps its operands lead to. */
        Set<NameStep> add(final FieldCondition field) {
            final Set<NameStep> reached = new LinkedHashSet<>();
            NameStep last = null;
            for (ValueMatcher matcher : field.matchers()) {
                // exists:false lives in a name matcher of its own, beside the field's byte machine.
                final boolean absent = matcher instanceof ValueMatcher.Exists exists && !exists.present();
                final FieldMachine machine = machines.computeIfAbsent(absent ? "!" + field.path() : field.path(),
                    path -> new FieldMachine());
                if (matcher instanceof ValueMatcher.Wildcard wildcard) {
                    machine.hasWildcard = true;
                    last = machine.automaton.add(matcher, last == null ? new NameStep() : last, wildcard.pattern());
                } else if (matcher instanceof ValueMatcher.AnythingBut but
                    && but.kind() == ValueMatcher.AnythingBut.Kind.WILDCARD) {
                    machine.hasWildcard = true;
                    for (String value : but.strings()) {
                        last = machine.automaton.add(matcher, last == null ? new NameStep() : last, value);
                    }
                } else {
                    // Operands without a wildcard take a path only their own value takes: adding one again finds
                    // its first end and the step after it.
                    final NameStep existing = machine.next.get(matcher);
                    if (existing != null) {
                        last = existing;
                    } else {
                        if (last == null) {
                            last = new NameStep();
                        }
                        machine.next.put(matcher, last);
                    }
                }
                reached.add(last);
                machine.steps.add(last);
            }
            return reached;
        }
    }

    /** One field's machine after a step: its automaton and where each operand leads. */
    private static final class FieldMachine {
        final Automaton automaton = new Automaton();
        final Map<ValueMatcher, NameStep> next = new HashMap<>();
        final Set<NameStep> steps = new LinkedHashSet<>();
        boolean hasWildcard;
    }

    /** A state: transitions per byte, transitions on every byte, and whether more than one prefix reaches it. */
    private static final class State {
        final Map<Integer, LinkedHashSet<Object>> onByte = new HashMap<>();
        final LinkedHashSet<Object> onEvery = new LinkedHashSet<>();
        boolean indeterminate;

        State(final boolean indeterminate) {
            this.indeterminate = indeterminate;
        }

        /** The transitions taken on a token: every-byte transitions for {@code *}, else the byte's and every-byte's. */
        Set<Object> on(final int token) {
            if (token == STAR) {
                return onEvery;
            }
            final LinkedHashSet<Object> specific = onByte.get(token);
            if (specific == null) {
                return onEvery;
            }
            final LinkedHashSet<Object> all = new LinkedHashSet<>(specific);
            all.addAll(onEvery);
            return all;
        }

        void addOn(final int token, final Object transition) {
            onByte.computeIfAbsent(token, t -> new LinkedHashSet<>()).add(transition);
        }

        /** Replaces an operand's end on a byte (ends are only ever on bytes: every value ends with its quote). */
        void replaceOn(final int token, final Object old, final Object replacement) {
            final LinkedHashSet<Object> set = onByte.get(token);
            set.add(replacement);
            set.remove(old);
        }

        /** Every transition leaving this state. */
        Set<Object> all() {
            final LinkedHashSet<Object> all = new LinkedHashSet<>(onEvery);
            for (LinkedHashSet<Object> set : onByte.values()) {
                all.addAll(set);
            }
            return all;
        }
    }

    /**
     * A transition that ends one operand's value. Equal when both the operand and the step it leads to are (as
     * event-ruler's matches are), so an operand's values ending side by side count once.
     */
    private record Match(ValueMatcher pattern, NameStep next) {
    }

    /** A transition that both ends an operand and continues to a state. */
    private record Both(State state, Match match) {
    }

    private static State stateOf(final Object transition) {
        if (transition instanceof State state) {
            return state;
        }
        return transition instanceof Both both ? both.state() : null;
    }

    private static Match matchOf(final Object transition) {
        if (transition instanceof Match match) {
            return match;
        }
        return transition instanceof Both both ? both.match() : null;
    }

    /** The byte automaton of one field, built operand by operand as event-ruler builds it. */
    private static final class Automaton {
        /** Every state, in creation order: a transition between states only ever leads to a later one or back. */
        final List<State> states = new ArrayList<>();
        final State start = newState(false);

        private State newState(final boolean indeterminate) {
            final State state = new State(indeterminate);
            states.add(state);
            return state;
        }

        /**
         * Adds one value of an operand.
         *
         * @param leadsTo the step a new end leads to.
         * @return the step the value's end leads to: that of an end already there for the operand, or
         *         {@code leadsTo}.
         */
        NameStep add(final ValueMatcher pattern, final NameStep leadsTo, final String wildcard) {
            final int[] tokens = tokens(wildcard);
            final int last = tokens.length - 1;
            State state = start;
            State previous = null;
            int i = 0;
            for (; i < last; i++) {
                final Set<Object> transitions = state.on(tokens[i]);
                State reuse = null;
                for (Object transition : transitions) {
                    final State next = stateOf(transition);
                    if (canReuse(state, next, tokens, i)) {
                        reuse = next;
                        break;
                    }
                }
                if (reuse == null) {
                    break;
                }
                previous = state;
                state = reuse;
            }
            for (; i < last; i++) {
                final Set<Object> transitions = state.on(tokens[i]);
                if (transitions.isEmpty()) {
                    break;
                }
                final State next = preferredNext(transitions);
                if (next != null) {
                    if (next.indeterminate) {
                        break;
                    }
                    previous = state;
                    state = next;
                } else {
                    // Only an operand's end here: it becomes an end that continues.
                    final State created = newState(state.indeterminate);
                    final Object ending = transitions.iterator().next();
                    state.replaceOn(tokens[i], ending, new Both(created, matchOf(ending)));
                    previous = state;
                    state = created;
                }
            }
            for (; i < last; i++) {
                State next = preferredNext(state.on(tokens[i]));
                if (next == null || next.indeterminate) {
                    next = newState(state.indeterminate);
                    if (tokens[i] == STAR) {
                        next.onEvery.add(next);
                        next.indeterminate = true;
                        state.onEvery.add(next);
                    } else {
                        state.addOn(tokens[i], next);
                        if (previous != null && tokens[i - 1] == STAR) {
                            previous.addOn(tokens[i], next);
                        }
                    }
                }
                previous = state;
                state = next;
            }
            for (Object transition : state.on(tokens[last])) {
                final Match match = matchOf(transition);
                if (match != null && match.pattern().equals(pattern)) {
                    return match.next();
                }
            }
            final Match match = new Match(pattern, leadsTo);
            state.addOn(tokens[last], match);
            if (previous != null && tokens[last - 1] == STAR) {
                previous.addOn(tokens[last], match);
            }
            return leadsTo;
        }

        /** A state reached on the same bytes may be shared unless sharing would let it match more. */
        private static boolean canReuse(final State state, final State next, final int[] tokens, final int i) {
            if (next == null || next == state) {
                return false;
            }
            return !next.indeterminate || !pathsConverge(state, tokens, i);
        }

        /** Whether two transitions out of {@code state}, one on this byte, may lead to one state later. */
        private static boolean pathsConverge(final State state, final int[] tokens, final int i) {
            final int token = tokens[i];
            if (token == STAR || (token & 0xC0) == 0x80) {
                return false;
            }
            if (!state.onEvery.isEmpty() && !(state.onEvery.size() == 1 && state.onEvery.contains(state))) {
                return true;
            }
            return hasCase(tokens, i);
        }

        /** Whether the character starting at {@code tokens[i]} has distinct lower- and upper-case bytes. */
        private static boolean hasCase(final int[] tokens, final int i) {
            final int first = tokens[i];
            final int length = first < 0x80 ? 1 : first < 0xE0 ? 2 : 3;
            final byte[] bytes = new byte[length];   // a literal's bytes are valid UTF-8, so all of them are there
            for (int k = 0; k < length; k++) {
                bytes[k] = (byte) tokens[i + k];
            }
            final String text = new String(bytes, StandardCharsets.UTF_8);
            final String character = text.substring(0, 1);
            return !Arrays.equals(character.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
                character.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        }

        /** The next state of a set of transitions, preferring one only one prefix reaches. */
        private static State preferredNext(final Set<Object> transitions) {
            State first = null;
            for (Object transition : transitions) {
                final State next = stateOf(transition);
                if (next != null) {
                    if (!next.indeterminate) {
                        return next;
                    }
                    if (first == null) {
                        first = next;
                    }
                }
            }
            return first;
        }

        int evaluate(final int cap) {
            final Map<State, Set<ValueMatcher>> reach = reachOfStates();
            final Set<Set<Object>> visited = new HashSet<>();
            visited.add(Set.of(start));
            final ArrayDeque<Set<Object>> pending = new ArrayDeque<>(successors(List.of(start)));
            int worst = 0;
            while (!pending.isEmpty()) {
                final Set<Object> subset = pending.poll();
                if (!visited.add(subset)) {
                    continue;
                }
                if (visited.size() > MAX_SUBSETS) {
                    return cap;
                }
                int size = 0;
                final List<State> states = new ArrayList<>(subset.size());
                for (Object transition : subset) {
                    size += reachCount(transition, reach);
                    final State next = stateOf(transition);
                    if (next != null) {
                        states.add(next);
                        for (Object every : next.onEvery) {
                            if (!subset.contains(every)) {
                                size += reachCount(every, reach);
                            }
                        }
                    }
                }
                if (size >= cap) {
                    return cap;
                }
                worst = Math.max(worst, size);
                if (!states.isEmpty()) {
                    pending.addAll(successors(states));
                }
            }
            return worst;
        }

        /** The distinct non-empty sets of transitions these states take together on some byte value. */
        private static Set<Set<Object>> successors(final List<State> states) {
            final TreeSet<Integer> bytes = new TreeSet<>();
            for (State state : states) {
                bytes.addAll(state.onByte.keySet());
            }
            int other = 0;
            while (bytes.contains(other)) {
                other++;
            }
            if (other < 256) {
                bytes.add(other);
            }
            final Set<Set<Object>> result = new LinkedHashSet<>();
            for (int b : bytes) {
                final Set<Object> union = new HashSet<>();
                for (State state : states) {
                    union.addAll(state.on(b));
                }
                if (!union.isEmpty()) {
                    result.add(union);
                }
            }
            return result;
        }

        /** The wildcard operands that can still end from each state, computed from the last state back. */
        private Map<State, Set<ValueMatcher>> reachOfStates() {
            final Map<State, Set<ValueMatcher>> reach = new IdentityHashMap<>();
            for (int i = states.size() - 1; i >= 0; i--) {
                final State state = states.get(i);
                final Set<ValueMatcher> result = new HashSet<>();
                for (Object transition : state.all()) {
                    final Match match = matchOf(transition);
                    if (match != null) {
                        result.add(match.pattern());
                    }
                    final State next = stateOf(transition);
                    if (next != null && next != state) {
                        result.addAll(reach.get(next));
                    }
                }
                reach.put(state, result);
            }
            return reach;
        }

        /** The wildcard operands that can still end after taking {@code transition}. */
        private static int reachCount(final Object transition, final Map<State, Set<ValueMatcher>> ofStates) {
            final State state = stateOf(transition);
            final Match match = matchOf(transition);
            if (state == null) {
                return 1;
            }
            final Set<ValueMatcher> fromState = ofStates.get(state);
            return fromState.size() + (match == null || fromState.contains(match.pattern()) ? 0 : 1);
        }

        /** {@code "}, the value's bytes with {@code *} as {@link #STAR} and escapes resolved, {@code "}. */
        private static int[] tokens(final String wildcard) {
            final List<Integer> tokens = new ArrayList<>(wildcard.length() + 2);
            tokens.add((int) '"');
            final StringBuilder literal = new StringBuilder();
            for (int i = 0; i < wildcard.length(); i++) {
                final char c = wildcard.charAt(i);
                if (c == '\\' && i + 1 < wildcard.length()) {
                    literal.append(wildcard.charAt(++i));
                } else if (c == '*') {
                    flush(literal, tokens);
                    tokens.add(STAR);
                } else {
                    literal.append(c);
                }
            }
            flush(literal, tokens);
            tokens.add((int) '"');
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }

        private static void flush(final StringBuilder literal, final List<Integer> tokens) {
            for (byte b : literal.toString().getBytes(StandardCharsets.UTF_8)) {
                tokens.add(b & 0xFF);
            }
            literal.setLength(0);
        }
    }
}
