package dev.eventrouter.match;

import java.util.List;

/**
 * All rules of a rule set compiled into one immutable structure. Thread-safe: any number of
 * {@link EventMatcher}s may use one automaton at once. Built by {@link RuleCompiler}; replaced, never changed.
 *
 * <pre>
 *   event key ──PathTrie──▶ field ──FieldIndex──▶ condition ids ──trigger──▶ candidate conjunctions
 *                                                                              │ verify: every condition hit,
 *                                                                              ▼ array-consistent, absences hold
 *                                                                            rule ──▶ MatchHandler
 * </pre>
 *
 * <p>A <em>condition</em> is one field with its alternatives, shared by every conjunction that has the same one.
 * A <em>conjunction</em> (one {@code $or} branch combination of a rule) is considered only when its trigger, its
 * rarest required condition, is hit; so the cost of an event grows with what it matches, not with the rule count.
 */
public final class MatchAutomaton implements AutomatonSource {
    /** An automaton without rules. */
    public static final MatchAutomaton EMPTY = new RuleCompiler(dev.eventrouter.pattern.PatternLimits.DEFAULT)
        .compile(List.of());

    final PathTrie paths;
    final FieldIndex[] fields;
    final int[] conditionField;
    final boolean[] conditionAllowsAbsence;
    final int[] triggerStart;
    final int[] triggerConjunctions;
    final int[] conjunctionRule;
    final int[] conjunctionStart;
    final int[] conjunctionConditions;
    final int[] alwaysCandidates;
    /** Per field, the indexes into {@link #alwaysCandidates} of those with a condition on the field. */
    final int[] alwaysByFieldStart;
    final int[] alwaysByField;
    /**
     * Per field, the same set as a bit mask when it has at least one entry per 64-bit word of the set (then the mask
     * costs no more memory than the list and clears a word at a time), else {@code null}.
     */
    final long[][] alwaysFieldMask;
    final CompiledRule[] rules;
    /** Per condition, its lazy alternatives ({@link FieldIndex}): global anything-but slots, -1 for exists:true. */
    final int[] lazyStart;
    final int[] lazySlots;
    final int lazySlotCount;
    /** Per conjunction, whether any of its conditions has lazy alternatives. */
    final boolean[] conjunctionLazy;
    /**
     * Layering ({@link LayeredRules}): the rules put since this automaton's own rules were compiled, matched in a
     * second pass over the event, their indexes following this automaton's; {@code null} when there are none.
     */
    final MatchAutomaton overlay;
    /** Layering: bit per own rule index, set for a rule deleted or replaced since; {@code null} when none is. */
    final long[] shadowed;

    MatchAutomaton(final PathTrie paths, final FieldIndex[] fields, final int[] conditionField,
                   final boolean[] conditionAllowsAbsence, final int[] triggerStart, final int[] triggerConjunctions,
                   final int[] conjunctionRule, final int[] conjunctionStart, final int[] conjunctionConditions,
                   final int[] alwaysCandidates, final int[] alwaysByFieldStart, final int[] alwaysByField,
                   final CompiledRule[] rules) {
        this.paths = paths;
        this.fields = fields;
        this.conditionField = conditionField;
        this.conditionAllowsAbsence = conditionAllowsAbsence;
        this.triggerStart = triggerStart;
        this.triggerConjunctions = triggerConjunctions;
        this.conjunctionRule = conjunctionRule;
        this.conjunctionStart = conjunctionStart;
        this.conjunctionConditions = conjunctionConditions;
        this.alwaysCandidates = alwaysCandidates;
        this.alwaysByFieldStart = alwaysByFieldStart;
        this.alwaysByField = alwaysByField;
        final int words = (alwaysCandidates.length + 63) >>> 6;
        alwaysFieldMask = new long[fields.length][];
        for (int f = 0; f < fields.length; f++) {
            final int from = alwaysByFieldStart[f];
            final int to = alwaysByFieldStart[f + 1];
            if (to - from > 0 && to - from >= words) {
                final long[] mask = new long[words];
                for (int i = from; i < to; i++) {
                    mask[alwaysByField[i] >>> 6] |= 1L << alwaysByField[i];
                }
                alwaysFieldMask[f] = mask;
            }
        }
        this.rules = rules;
        int slots = 0;
        final List<List<Integer>> byCondition = new java.util.ArrayList<>(conditionField.length);
        for (int c = 0; c < conditionField.length; c++) {
            byCondition.add(new java.util.ArrayList<>(0));
        }
        for (FieldIndex field : fields) {
            final int[] lazySlotConditions = field.lazySlotConditions();
            for (int s = 0; s < lazySlotConditions.length; s++) {
                if (lazySlotConditions[s] >= 0) {
                    byCondition.get(lazySlotConditions[s]).add(field.slotBase() + s);
                }
            }
            for (int c : field.lazyExists()) {
                byCondition.get(c).add(-1);
            }
            slots = Math.max(slots, field.slotBase() + lazySlotConditions.length);
        }
        lazySlotCount = slots;
        lazyStart = new int[conditionField.length + 1];
        for (int c = 0; c < conditionField.length; c++) {
            lazyStart[c + 1] = lazyStart[c] + byCondition.get(c).size();
        }
        lazySlots = byCondition.stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();
        conjunctionLazy = new boolean[conjunctionRule.length];
        for (int j = 0; j < conjunctionRule.length; j++) {
            for (int k = conjunctionStart[j]; k < conjunctionStart[j + 1]; k++) {
                final int c = conjunctionConditions[k];
                conjunctionLazy[j] |= lazyStart[c] != lazyStart[c + 1];
            }
        }
        overlay = null;
        shadowed = null;
    }

    /** A view of {@code base}'s own rules, with rules shadowed and an overlay of newer ones (see {@link LayeredRules}). */
    MatchAutomaton(final MatchAutomaton base, final MatchAutomaton overlay, final long[] shadowed) {
        paths = base.paths;
        fields = base.fields;
        conditionField = base.conditionField;
        conditionAllowsAbsence = base.conditionAllowsAbsence;
        triggerStart = base.triggerStart;
        triggerConjunctions = base.triggerConjunctions;
        conjunctionRule = base.conjunctionRule;
        conjunctionStart = base.conjunctionStart;
        conjunctionConditions = base.conjunctionConditions;
        alwaysCandidates = base.alwaysCandidates;
        alwaysByFieldStart = base.alwaysByFieldStart;
        alwaysByField = base.alwaysByField;
        alwaysFieldMask = base.alwaysFieldMask;
        rules = base.rules;
        lazyStart = base.lazyStart;
        lazySlots = base.lazySlots;
        lazySlotCount = base.lazySlotCount;
        conjunctionLazy = base.conjunctionLazy;
        this.overlay = overlay;
        this.shadowed = shadowed;
    }

    /** @return whether own rule {@code rule} was deleted or replaced since this automaton's rules were compiled. */
    boolean isShadowed(final int rule) {
        return shadowed != null && (shadowed[rule >>> 6] & (1L << rule)) != 0;
    }

    @Override
    public MatchAutomaton current() {
        return this;
    }

    /**
     * @return the size of the rule index space: every {@link CompiledRule#index()} is below it. Equal to the number
     * of rules unless the automaton is layered, when rules deleted or replaced since its last full compilation
     * keep their index until the next one (see {@link #liveRuleCount()}).
     */
    public int ruleCount() {
        return rules.length + (overlay == null ? 0 : overlay.rules.length);
    }

    /** @return the number of rules that can match: {@link #ruleCount()} less those deleted or replaced since. */
    public int liveRuleCount() {
        int shadowedCount = 0;
        if (shadowed != null) {
            for (long word : shadowed) {
                shadowedCount += Long.bitCount(word);
            }
        }
        return ruleCount() - shadowedCount;
    }

    /**
     * @return the rule at {@code index}; a rule deleted or replaced since the last full compilation is still
     * returned (it no longer matches: see {@link #isLive(int)}).
     */
    public CompiledRule rule(final int index) {
        return index < rules.length ? rules[index] : overlay.rules[index - rules.length];
    }

    /** @return whether the rule at {@code index} can match (it was not deleted or replaced since). */
    public boolean isLive(final int index) {
        return index >= rules.length || !isShadowed(index);
    }

    /** @return the live rule with this name, or {@code null} (linear; for tools). */
    public CompiledRule rule(final String name) {
        if (overlay != null) {
            final CompiledRule newer = overlay.rule(name);
            if (newer != null) {
                return newer;
            }
        }
        for (CompiledRule rule : rules) {
            if (rule.name().equals(name) && !isShadowed(rule.index())) {
                return rule;
            }
        }
        return null;
    }

    /** @return the number of distinct field paths the rules test. */
    public int fieldCount() {
        return fields.length;
    }

    /** @return the number of distinct conditions after sharing. */
    public int conditionCount() {
        return conditionField.length;
    }

    /** @return the number of conjunctions ({@code $or} expansions) over all rules. */
    public int conjunctionCount() {
        return conjunctionRule.length;
    }
}
