package dev.eventrouter.match;

import java.util.Arrays;

/**
 * The per-thread scratch of one {@link EventMatcher}: which conditions an event hit, with the array elements they
 * came from, which conjunctions became candidates, and the array-consistent verification. Single-threaded. Every
 * array is sized once per automaton and reused; per-event resets are an epoch increment, so steady-state matching
 * does not allocate.
 *
 * <p>Array membership: every element of an array that is an object or an array gets the pair (array id, element
 * index) while it is scanned. A hit or a leaf occurrence inside such elements remembers the pairs on its path.
 * Two pieces of evidence are consistent when they agree on the index of every array they share, which is
 * EventBridge's array-consistent matching. Hits outside any array element are "free": consistent with anything.
 */
final class MatchState implements HitSink {
    final long[] addressScratch = new long[2];

    private MatchAutomaton automaton;
    private int epoch;

    private int[] conditionEpoch = new int[0];
    private int[] conditionFreeEpoch = new int[0];
    private int[] conditionFirstHit = new int[0];
    private int[] conditionLastValue = new int[0];
    private int[] fieldEpoch = new int[0];
    private int[] fieldFreeEpoch = new int[0];
    private int[] fieldFirstOccurrence = new int[0];
    private int[] conjunctionEpoch = new int[0];
    private int[] ruleEpoch = new int[0];
    private int[] excludedEpoch = new int[0];
    private int exclusionStamp;
    /** The slots the current value excluded (each once), for lazy counting. */
    private int[] excludedNow = new int[16];
    private int excludedNowCount;
    /** Per field: free occurrences this event (lazy alternatives); per global slot: how many of them it excluded. */
    private int[] lazyOccurrenceEpoch = new int[0];
    private int[] lazyOccurrences = new int[0];
    private int[] slotExcludedEpoch = new int[0];
    private int[] slotExcludedCount = new int[0];

    private int[] candidates = new int[16];
    private int candidateCount;
    /** The fields tracking occurrences that this event has, each once; and the always-candidates still possible. */
    private int[] touched = new int[16];
    private int touchedCount;
    private long[] alwaysAlive = new long[0];

    private int[] evidenceNext = new int[64];
    private int[] evidenceStart = new int[64];
    private int[] evidenceLength = new int[64];
    private int evidenceCount;

    private int[] pool = new int[256];
    private int poolSize;

    private int[] path = new int[64];
    private int pathPairs;
    private int nextArrayId;
    private boolean anyMembership;

    private int valueStamp;
    private int valueStart;

    private int[] accumulated = new int[64];
    private int accumulatedPairs;

    private final HitSink exclusionSink = this::markExcluded;

    /**
     * The most evidence combinations array-consistency verification may try for one event, over all its candidate
     * rules. Verification is a backtracking search (choose one hit per condition, all in the same element of every
     * array they share); a crafted event can make it exponential. About 1-5 ms of work; an event over it is refused
     * as malformed before any rule is reported.
     */
    static final int MAX_VERIFY_STEPS = 100_000;
    private int verifySteps;
    private int[] matchedRules = new int[16];

    void reset(final MatchAutomaton current) {
        // a layered view shares its base's arrays: the scratch sized for them stays
        final boolean sameArrays = automaton != null && automaton.conjunctionRule == current.conjunctionRule;
        automaton = current;
        if (!sameArrays) {
            final int conditions = current.conditionField.length;
            conditionEpoch = new int[conditions];
            conditionFreeEpoch = new int[conditions];
            conditionFirstHit = new int[conditions];
            conditionLastValue = new int[conditions];
            Arrays.fill(conditionLastValue, -1);
            int slots = 0;
            for (FieldIndex field : current.fields) {
                slots = Math.max(slots, field.exclusionSlots());
            }
            excludedEpoch = new int[slots];
            Arrays.fill(excludedEpoch, -1);
            final int fields = current.fields.length;
            fieldEpoch = new int[fields];
            fieldFreeEpoch = new int[fields];
            lazyOccurrenceEpoch = new int[fields];
            lazyOccurrences = new int[fields];
            slotExcludedEpoch = new int[current.lazySlotCount];
            slotExcludedCount = new int[current.lazySlotCount];
            fieldFirstOccurrence = new int[fields];
            conjunctionEpoch = new int[current.conjunctionRule.length];
            ruleEpoch = new int[current.rules.length];
            alwaysAlive = new long[(current.alwaysCandidates.length + 63) >>> 6];
            epoch = 0;
            exclusionStamp = 0;
        }
        if (++epoch == Integer.MAX_VALUE) {
            Arrays.fill(conditionEpoch, 0);
            Arrays.fill(conditionFreeEpoch, 0);
            Arrays.fill(fieldEpoch, 0);
            Arrays.fill(fieldFreeEpoch, 0);
            Arrays.fill(lazyOccurrenceEpoch, 0);
            Arrays.fill(slotExcludedEpoch, 0);
            Arrays.fill(conjunctionEpoch, 0);
            Arrays.fill(ruleEpoch, 0);
            epoch = 1;
        }
        candidateCount = 0;
        touchedCount = 0;
        verifySteps = 0;
        evidenceCount = 0;
        poolSize = 0;
        pathPairs = 0;
        nextArrayId = 0;
        anyMembership = false;
    }

    int nextArrayId() {
        return nextArrayId++;
    }

    void enterElement(final int arrayId, final int index) {
        if (pathPairs * 2 + 2 > path.length) {
            path = Arrays.copyOf(path, path.length * 2);
        }
        path[pathPairs * 2] = arrayId;
        path[pathPairs * 2 + 1] = index;
        pathPairs++;
    }

    void leaveElement() {
        pathPairs--;
    }

    /** Starts a leaf value; its membership is copied at most once, when first needed. */
    void beginValue() {
        // -1 marks "no value yet": the stamp skips it, clearing every mark once per 2^32 - 1 values
        if (++valueStamp == -1) {
            Arrays.fill(conditionLastValue, -1);
            valueStamp = 0;
        }
        valueStart = -1;
    }

    /** Records that the field has a leaf value here (for {@code exists: false}). */
    void occurrence(final int field) {
        if (fieldEpoch[field] != epoch) {
            fieldEpoch[field] = epoch;
            fieldFirstOccurrence[field] = -1;
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = field;
        }
        if (pathPairs == 0) {
            fieldFreeEpoch[field] = epoch;
            return;
        }
        if (fieldFreeEpoch[field] == epoch) {
            return;
        }
        fieldFirstOccurrence[field] = addEvidence(fieldFirstOccurrence[field]);
    }

    @Override
    public void hit(final int condition) {
        if (conditionEpoch[condition] != epoch) {
            conditionEpoch[condition] = epoch;
            conditionFirstHit[condition] = -1;
            trigger(condition);
        }
        if (pathPairs == 0) {
            conditionFreeEpoch[condition] = epoch;
            return;
        }
        if (conditionFreeEpoch[condition] == epoch || conditionLastValue[condition] == valueStamp) {
            return;
        }
        conditionLastValue[condition] = valueStamp;
        conditionFirstHit[condition] = addEvidence(conditionFirstHit[condition]);
    }

    private void trigger(final int condition) {
        final MatchAutomaton a = automaton;
        for (int i = a.triggerStart[condition], end = a.triggerStart[condition + 1]; i < end; i++) {
            final int conjunction = a.triggerConjunctions[i];
            if (conjunctionEpoch[conjunction] != epoch) {
                conjunctionEpoch[conjunction] = epoch;
                if (candidateCount == candidates.length) {
                    candidates = Arrays.copyOf(candidates, candidateCount * 2);
                }
                candidates[candidateCount++] = conjunction;
            }
        }
    }

    private int addEvidence(final int next) {
        if (valueStart < 0) {
            final int ints = pathPairs * 2;
            if (poolSize + ints > pool.length) {
                pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + ints));
            }
            System.arraycopy(path, 0, pool, poolSize, ints);
            valueStart = poolSize;
            poolSize += ints;
        }
        if (evidenceCount == evidenceNext.length) {
            evidenceNext = Arrays.copyOf(evidenceNext, evidenceCount * 2);
            evidenceStart = Arrays.copyOf(evidenceStart, evidenceCount * 2);
            evidenceLength = Arrays.copyOf(evidenceLength, evidenceCount * 2);
        }
        anyMembership = true;
        evidenceNext[evidenceCount] = next;
        evidenceStart[evidenceCount] = valueStart;
        evidenceLength[evidenceCount] = pathPairs;
        return evidenceCount++;
    }

    void beginExclusions() {
        if (++exclusionStamp == -1) {
            Arrays.fill(excludedEpoch, -1);
            exclusionStamp = 0;
        }
        excludedNowCount = 0;
    }

    /** @return whether the current value is outside every array element (its hits need no evidence). */
    boolean free() {
        return pathPairs == 0;
    }

    /**
     * Counts a free occurrence of a field with lazy alternatives, and each slot its value excluded.
     *
     * @param excluded whether {@link #beginExclusions()} ran for this value (the field has anything-but slots).
     */
    void lazyOccurrence(final int field, final int slotBase, final boolean excluded) {
        if (lazyOccurrenceEpoch[field] != epoch) {
            lazyOccurrenceEpoch[field] = epoch;
            lazyOccurrences[field] = 0;
        }
        lazyOccurrences[field]++;
        if (!excluded) {
            return;
        }
        for (int i = 0; i < excludedNowCount; i++) {
            final int global = slotBase + excludedNow[i];
            if (slotExcludedEpoch[global] != epoch) {
                slotExcludedEpoch[global] = epoch;
                slotExcludedCount[global] = 0;
            }
            slotExcludedCount[global]++;
        }
    }

    /**
     * Hits the lazy conditions of a candidate conjunction that this event satisfies: an exists:true condition when
     * its field had a free occurrence, an anything-but condition when one of its slots excluded fewer free
     * occurrences than there were. A satisfied condition is free evidence, as a hit outside array elements is.
     */
    private void materialize(final MatchAutomaton a, final int conjunction) {
        for (int k = a.conjunctionStart[conjunction], end = a.conjunctionStart[conjunction + 1]; k < end; k++) {
            final int c = a.conjunctionConditions[k];
            final int from = a.lazyStart[c];
            final int to = a.lazyStart[c + 1];
            if (from == to || conditionFreeEpoch[c] == epoch) {
                continue;
            }
            final int field = a.conditionField[c];
            if (lazyOccurrenceEpoch[field] != epoch) {
                continue;
            }
            final int occurrences = lazyOccurrences[field];
            for (int i = from; i < to; i++) {
                final int global = a.lazySlots[i];
                final int excluded = global < 0 || slotExcludedEpoch[global] != epoch ? 0 : slotExcludedCount[global];
                if (occurrences > excluded) {
                    if (conditionEpoch[c] != epoch) {
                        conditionEpoch[c] = epoch;
                        conditionFirstHit[c] = -1;
                    }
                    conditionFreeEpoch[c] = epoch;
                    break;
                }
            }
        }
    }

    /** Test seam: starts both stamps at a value (to test their wrap without 2^32 values). */
    /** Verification of a second layer shares the event's budget with the first: continues its count. */
    void continueBudget(final MatchState first) {
        verifySteps = first.verifySteps;
    }

    void stampsFrom(final int value) {
        valueStamp = value;
        exclusionStamp = value;
    }

    HitSink exclusions() {
        return exclusionSink;
    }

    /** Marks anything-but alternatives (by their slot in the field) whose exclusions hold for the value. */
    void exclude(final int[] slots) {
        for (int slot : slots) {
            markExcluded(slot);
        }
    }

    private void markExcluded(final int slot) {
        if (excludedEpoch[slot] == exclusionStamp) {
            return;
        }
        excludedEpoch[slot] = exclusionStamp;
        if (excludedNowCount == excludedNow.length) {
            excludedNow = Arrays.copyOf(excludedNow, excludedNowCount * 2);
        }
        excludedNow[excludedNowCount++] = slot;
    }

    /** Hits the condition of every anything-but alternative not excluded since {@link #beginExclusions()}. */
    void hitUnlessExcluded(final int[] conditionBySlot) {
        for (int slot = 0; slot < conditionBySlot.length; slot++) {
            if (excludedEpoch[slot] != exclusionStamp) {
                hit(conditionBySlot[slot]);
            }
        }
    }

    /** As {@link #hitUnlessExcluded(int[])}, for the given slots only. */
    void hitUnlessExcluded(final int[] conditionBySlot, final int[] slots) {
        for (int slot : slots) {
            if (excludedEpoch[slot] != exclusionStamp) {
                hit(conditionBySlot[slot]);
            }
        }
    }

    /** Verifies the candidates and reports each matched rule once. @return the number of rules matched. */
    int resolve(final MatchHandler handler) {
        return report(verify(), handler);
    }

    /**
     * Verifies every candidate. @return the number of rules matched, to {@link #report}.
     * @throws dev.eventrouter.event.MalformedEventException when verification exceeds its budget.
     */
    int verify() {
        final MatchAutomaton a = automaton;
        int matched = 0;
        for (int i = 0; i < candidateCount; i++) {
            matched = resolve(a, candidates[i], matched);
        }
        if (a.alwaysCandidates.length != 0) {
            matched = resolveAlways(a, matched);
        }
        return matched;
    }

    /** Tells the handler of the rules {@link #verify()} matched. @return their number. */
    int report(final int matched, final MatchHandler handler) {
        // reported only once every candidate is verified: an event over the verification budget matches nothing
        final CompiledRule[] rules = automaton.rules;
        for (int i = 0; i < matched; i++) {
            handler.onMatch(rules[matchedRules[i]]);
        }
        return matched;
    }

    private int resolveAlways(final MatchAutomaton a, final int matchedSoFar) {
        int matched = matchedSoFar;
        final int[] always = a.alwaysCandidates;
        if (anyMembership) {
            for (int conjunction : always) {
                matched = resolve(a, conjunction, matched);
            }
            return matched;
        }
        final long[] alive = alwaysAlive;
        Arrays.fill(alive, -1L);
        if ((always.length & 63) != 0) {
            alive[alive.length - 1] = (1L << (always.length & 63)) - 1;
        }
        for (int t = 0; t < touchedCount; t++) {
            final int field = touched[t];
            final long[] mask = a.alwaysFieldMask[field];
            if (mask != null) {
                for (int w = 0; w < mask.length; w++) {
                    alive[w] &= ~mask[w];
                }
                continue;
            }
            for (int i = a.alwaysByFieldStart[field], end = a.alwaysByFieldStart[field + 1]; i < end; i++) {
                final int index = a.alwaysByField[i];
                alive[index >>> 6] &= ~(1L << index);
            }
        }
        for (int w = 0; w < alive.length; w++) {
            long bits = alive[w];
            while (bits != 0) {
                final int index = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                matched = resolve(a, always[index], matched);
            }
        }
        return matched;
    }

    private int resolve(final MatchAutomaton a, final int conjunction, final int matched) {
        final int rule = a.conjunctionRule[conjunction];
        if (ruleEpoch[rule] == epoch || a.isShadowed(rule)) {
            return matched;
        }
        if (a.conjunctionLazy[conjunction]) {
            materialize(a, conjunction);
        }
        if (!verify(a, conjunction)) {
            return matched;
        }
        ruleEpoch[rule] = epoch;
        if (matched == matchedRules.length) {
            matchedRules = Arrays.copyOf(matchedRules, matched * 2);
        }
        matchedRules[matched] = rule;
        return matched + 1;
    }

    private void step(final MatchAutomaton a, final int conjunction) {
        if (++verifySteps > MAX_VERIFY_STEPS) {
            throw new dev.eventrouter.event.MalformedEventException(0, "verifying array consistency for rule "
                + a.rules[a.conjunctionRule[conjunction]].name() + " takes over " + MAX_VERIFY_STEPS
                + " steps: too many array elements match the rule's fields");
        }
    }

    private boolean verify(final MatchAutomaton a, final int conjunction) {
        final int from = a.conjunctionStart[conjunction];
        final int to = a.conjunctionStart[conjunction + 1];
        for (int k = from; k < to; k++) {
            final int c = a.conjunctionConditions[k];
            if (conditionEpoch[c] != epoch && !a.conditionAllowsAbsence[c]) {
                return false;
            }
        }
        if (!anyMembership) {
            for (int k = from; k < to; k++) {
                final int c = a.conjunctionConditions[k];
                if (conditionEpoch[c] != epoch && fieldEpoch[a.conditionField[c]] == epoch) {
                    return false;
                }
            }
            return true;
        }
        accumulatedPairs = 0;
        return search(a, conjunction, from, to);
    }

    /**
     * Depth-first over the conditions in path order (the order EventBridge's engine walks them): choose a hit
     * consistent with the evidence chosen so far, or, where absence is allowed, check that no occurrence
     * consistent with it exists.
     */
    private boolean search(final MatchAutomaton a, final int conjunction, final int k, final int to) {
        if (k == to) {
            return true;
        }
        final int c = a.conjunctionConditions[k];
        if (conditionEpoch[c] == epoch) {
            if (conditionFreeEpoch[c] == epoch) {
                return search(a, conjunction, k + 1, to);
            }
            for (int e = conditionFirstHit[c]; e >= 0; e = evidenceNext[e]) {
                step(a, conjunction);
                final int saved = accumulatedPairs;
                if (merge(evidenceStart[e], evidenceLength[e]) && search(a, conjunction, k + 1, to)) {
                    return true;
                }
                accumulatedPairs = saved;
            }
        }
        return a.conditionAllowsAbsence[c] && absent(a, conjunction, a.conditionField[c])
            && search(a, conjunction, k + 1, to);
    }

    private boolean absent(final MatchAutomaton a, final int conjunction, final int field) {
        if (fieldEpoch[field] != epoch) {
            return true;
        }
        if (fieldFreeEpoch[field] == epoch) {
            return false;
        }
        for (int e = fieldFirstOccurrence[field]; e >= 0; e = evidenceNext[e]) {
            step(a, conjunction);
            if (consistent(evidenceStart[e], evidenceLength[e])) {
                return false;
            }
        }
        return true;
    }

    private boolean consistent(final int start, final int pairs) {
        for (int p = 0; p < pairs; p++) {
            final int arrayId = pool[start + 2 * p];
            final int index = pool[start + 2 * p + 1];
            for (int q = 0; q < accumulatedPairs; q++) {
                if (accumulated[2 * q] == arrayId && accumulated[2 * q + 1] != index) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean merge(final int start, final int pairs) {
        if (!consistent(start, pairs)) {
            return false;
        }
        for (int p = 0; p < pairs; p++) {
            final int arrayId = pool[start + 2 * p];
            boolean known = false;
            for (int q = 0; q < accumulatedPairs; q++) {
                if (accumulated[2 * q] == arrayId) {
                    known = true;
                    break;
                }
            }
            if (!known) {
                if (accumulatedPairs * 2 + 2 > accumulated.length) {
                    accumulated = Arrays.copyOf(accumulated, accumulated.length * 2);
                }
                accumulated[2 * accumulatedPairs] = arrayId;
                accumulated[2 * accumulatedPairs + 1] = pool[start + 2 * p + 1];
                accumulatedPairs++;
            }
        }
        return true;
    }
}
