package dev.eventrouter.match;

import dev.eventrouter.pattern.IpAddressParser;
import dev.eventrouter.pattern.ValueMatcher;
import dev.eventrouter.pattern.ValueMatcher.AnythingBut;
import dev.eventrouter.pattern.Wildcards;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the rules ask of one field path, indexed by operator so that one value is tested against all rules at
 * once: hash tables for exact and ignore-case strings, tries for prefixes and suffixes, interval indexes for numbers
 * and IP ranges. Only wildcards and the rarer anything-but forms are tested per condition. Immutable; evaluation
 * does not allocate.
 */
final class FieldIndex {
    private static final int[] NO_IDS = new int[0];

    private final BytesTable exactStrings;
    private final BytesTable literals;
    private final BytesTable equalsIgnoreCase;
    private final ByteTrie prefixes;
    private final ByteTrie suffixes;
    private final ByteTrie prefixesIgnoreCase;
    private final ByteTrie suffixesIgnoreCase;
    private final IntervalIndex numbers;
    private final IntervalIndex ipv4;
    private final IntervalIndex ipv6;
    private final IntervalIndex ipv6ForIpv4;
    private final HexRange[] hexRanges;
    private final boolean numeric;
    private final int[] exists;
    /** The condition of each anything-but (strings or numbers) alternative; the index is its exclusion slot. */
    private final int[] anythingBut;
    private final BytesTable anythingButStrings;
    private final IntervalIndex anythingButNumbers;
    private final int[] slowIds;
    private final boolean[] slowNegated;
    private final StringTest[][] slowTests;
    final boolean tracksOccurrences;
    /**
     * Lazy unselective alternatives: the anything-but slots and exists:true conditions no conjunction is anchored on
     * are not hit on each occurrence outside array elements; the occurrence and its excluded slots are counted, and
     * a conjunction that became a candidate reads them ({@link MatchState#materialize}). So an occurrence costs what
     * its value excludes, not one hit per anything-but rule on the field.
     */
    private final boolean lazy;
    private final int fieldId;
    private final int slotBase;
    private final int[] eagerSlots;
    private final int[] eagerExists;
    private final int[] lazyExists;

    private FieldIndex(final Builder b, final int fieldId, final int slotBase, final boolean[] anchor) {
        exactStrings = b.exactStrings.build();
        literals = b.literals.build();
        equalsIgnoreCase = b.equalsIgnoreCase.build();
        prefixes = b.prefixes.build();
        suffixes = b.suffixes.build();
        prefixesIgnoreCase = b.prefixesIgnoreCase.build();
        suffixesIgnoreCase = b.suffixesIgnoreCase.build();
        numbers = b.numbers.build();
        ipv4 = b.ipv4.build();
        ipv6 = b.ipv6.build();
        ipv6ForIpv4 = b.ipv6ForIpv4.build();
        hexRanges = b.hexRanges.toArray(new HexRange[0]);
        numeric = numbers != null || !b.anythingButNumbers.isEmpty();
        exists = toArray(b.exists);
        anythingBut = b.anythingBut.stream().mapToInt(Integer::intValue).toArray();
        anythingButStrings = b.anythingButStrings.build();
        anythingButNumbers = b.anythingButNumbers.build();
        slowIds = b.slowIds.stream().mapToInt(Integer::intValue).toArray();
        slowNegated = new boolean[b.slowNegated.size()];
        for (int i = 0; i < slowNegated.length; i++) {
            slowNegated[i] = b.slowNegated.get(i);
        }
        slowTests = b.slowTests.toArray(new StringTest[0][]);
        tracksOccurrences = b.tracksOccurrences;
        this.fieldId = fieldId;
        this.slotBase = slotBase;
        eagerSlots = java.util.stream.IntStream.range(0, anythingBut.length).filter(s -> anchor[anythingBut[s]])
            .toArray();
        eagerExists = java.util.Arrays.stream(exists).filter(c -> anchor[c]).toArray();
        lazyExists = java.util.Arrays.stream(exists).filter(c -> !anchor[c]).toArray();
        lazy = eagerSlots.length < anythingBut.length || lazyExists.length != 0;
    }

    /** @return the conditions of this field's lazy anything-but slots (global slot = base + index), -1 for eager. */
    int[] lazySlotConditions() {
        final int[] conditions = anythingBut.clone();
        for (int s : eagerSlots) {
            conditions[s] = -1;
        }
        return conditions;
    }

    /** @return this field's lazy exists:true conditions. */
    int[] lazyExists() {
        return lazyExists;
    }

    /** @return the first global slot of this field's anything-but alternatives. */
    int slotBase() {
        return slotBase;
    }

    /** @return how many exclusion slots evaluation of this field needs. */
    int exclusionSlots() {
        return anythingBut.length;
    }

    private static int[] toArray(final List<Integer> ids) {
        return ids.isEmpty() ? NO_IDS : ids.stream().mapToInt(Integer::intValue).distinct().toArray();
    }

    /** Tests a string value (unescaped UTF-8 content, without quotes). */
    void evaluateString(final byte[] bytes, final int offset, final int length, final MatchState state) {
        if (ipv4 != null || ipv6 != null) {
            final long[] address = state.addressScratch;
            final int version = IpAddressParser.parse(bytes, offset, length, address);
            if (version == IpAddressParser.IPV4) {
                if (ipv4 != null) {
                    ipv4.query(0, address[1], state);
                }
                if (ipv6ForIpv4 != null) {
                    ipv6ForIpv4.query(0, address[1], state);
                }
            } else if (version == IpAddressParser.IPV6) {
                if (ipv6 != null) {
                    ipv6.query(address[0], address[1], state);
                }
                if (ipv4 != null) {
                    ipv4.query(0, address[0] >>> 32, state);
                }
            }
        }
        if (exactStrings != null) {
            hitAll(exactStrings.get(bytes, offset, length), state);
        }
        if (equalsIgnoreCase != null) {
            hitAll(equalsIgnoreCase.get(bytes, offset, length), state);
        }
        if (prefixes != null) {
            prefixes.walk(bytes, offset, length, state);
        }
        if (suffixes != null) {
            suffixes.walk(bytes, offset, length, state);
        }
        if (prefixesIgnoreCase != null) {
            prefixesIgnoreCase.walk(bytes, offset, length, state);
        }
        if (suffixesIgnoreCase != null) {
            suffixesIgnoreCase.walk(bytes, offset, length, state);
        }
        if (anythingBut.length != 0) {
            state.beginExclusions();
            if (anythingButStrings != null) {
                state.exclude(anythingButStrings.get(bytes, offset, length));
            }
        }
        for (int i = 0; i < slowIds.length; i++) {
            if (anyPasses(slowTests[i], bytes, offset, length) != slowNegated[i]) {
                state.hit(slowIds[i]);
            }
        }
        hitUnselective(state);
    }

    /** anything-but alternatives (after the value's exclusions were marked) and exists:true. */
    private void hitUnselective(final MatchState state) {
        if (lazy && state.free()) {
            if (eagerSlots.length != 0) {
                state.hitUnlessExcluded(anythingBut, eagerSlots);
            }
            hitAll(eagerExists, state);
            state.lazyOccurrence(fieldId, slotBase, anythingBut.length != 0);
        } else {
            if (anythingBut.length != 0) {
                state.hitUnlessExcluded(anythingBut);
            }
            hitAll(exists, state);
        }
    }

    /** Tests a number value by its JSON text. */
    void evaluateNumber(final byte[] bytes, final int offset, final int length, final MatchState state) {
        if (literals != null) {
            hitAll(literals.get(bytes, offset, length), state);
        }
        double value = Double.NaN;
        if (numeric) {
            value = NumberText.comparableValue(bytes, offset, length);
            if (numbers != null && !Double.isNaN(value)) {
                numbers.query(0, IntervalIndex.numberKey(value), state);
            }
        }
        if (hexRanges.length != 0) {
            final boolean comparable = !Double.isNaN(value);
            for (HexRange range : hexRanges) {
                if (!(comparable && range.numericCondition) && range.contains(bytes, offset, length)) {
                    state.hit(range.id);
                }
            }
        }
        if (anythingBut.length != 0) {
            state.beginExclusions();
            if (anythingButNumbers != null && !Double.isNaN(value)) {
                anythingButNumbers.query(0, IntervalIndex.numberKey(value), state.exclusions());
            }
        }
        hitNegatedSlowTests(state);
        hitUnselective(state);
    }

    /** Tests {@code true}, {@code false} or {@code null} by its JSON text. */
    void evaluateLiteral(final byte[] bytes, final int offset, final int length, final MatchState state) {
        if (literals != null) {
            hitAll(literals.get(bytes, offset, length), state);
        }
        if (anythingBut.length != 0) {
            state.beginExclusions();
        }
        hitNegatedSlowTests(state);
        hitUnselective(state);
    }

    private void hitNegatedSlowTests(final MatchState state) {
        for (int i = 0; i < slowIds.length; i++) {
            if (slowNegated[i]) {
                state.hit(slowIds[i]);
            }
        }
    }

    private static boolean anyPasses(final StringTest[] tests, final byte[] bytes, final int offset, final int length) {
        for (StringTest test : tests) {
            if (test.test(bytes, offset, length)) {
                return true;
            }
        }
        return false;
    }

    private static void hitAll(final int[] ids, final HitSink sink) {
        for (int id : ids) {
            sink.hit(id);
        }
    }

    /** An address range as EventBridge's engine stores it: inclusive upper-case hex digit bounds. */
    static final class HexRange {
        private static final byte[] DIGITS = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private final byte[] low;
        private final byte[] high;
        private final int id;
        /** The condition also compares numbers numerically, so comparable numbers skip the text test. */
        private final boolean numericCondition;

        private HexRange(final byte[] low, final byte[] high, final int id, final boolean numericCondition) {
            this.low = low;
            this.high = high;
            this.id = id;
            this.numericCondition = numericCondition;
        }

        static HexRange of(final ValueMatcher.IpRange m, final int id, final boolean numericCondition) {
            final boolean v4 = m.version() == IpAddressParser.IPV4;
            return new HexRange(hex(v4, m.startHigh(), m.startLow()), hex(v4, m.endHigh(), m.endLow()), id,
                numericCondition);
        }

        private static byte[] hex(final boolean v4, final long high, final long low) {
            final byte[] digits = new byte[v4 ? 8 : 32];
            for (int i = 0; i < digits.length; i++) {
                final int shift = 4 * (digits.length - 1 - i);
                final long word = v4 || shift >= 64 ? (v4 ? low : high) : low;
                final int wordShift = v4 ? shift : shift % 64;
                digits[i] = DIGITS[(int) ((word >>> wordShift) & 0xF)];
            }
            return digits;
        }

        boolean contains(final byte[] bytes, final int offset, final int length) {
            if (length >= low.length) {
                return compare(bytes, offset, low, low.length) >= 0 && compare(bytes, offset, high, high.length) <= 0;
            }
            return compare(bytes, offset, low, length) > 0 && compare(bytes, offset, high, length) < 0;
        }

        private static int compare(final byte[] bytes, final int offset, final byte[] bound, final int length) {
            for (int i = 0; i < length; i++) {
                final int difference = (bytes[offset + i] & 0xff) - (bound[i] & 0xff);
                if (difference != 0) {
                    return difference;
                }
            }
            return 0;
        }
    }

    /** Collects the value matchers of every condition on the field. */
    static final class Builder {
        private final BytesTable.Builder exactStrings = new BytesTable.Builder(false);
        private final BytesTable.Builder literals = new BytesTable.Builder(false);
        private final BytesTable.Builder equalsIgnoreCase = new BytesTable.Builder(true);
        private final ByteTrie.Builder prefixes = new ByteTrie.Builder(false, false);
        private final ByteTrie.Builder suffixes = new ByteTrie.Builder(true, false);
        private final ByteTrie.Builder prefixesIgnoreCase = new ByteTrie.Builder(false, true);
        private final ByteTrie.Builder suffixesIgnoreCase = new ByteTrie.Builder(true, true);
        private final IntervalIndex.Builder numbers = new IntervalIndex.Builder();
        private final IntervalIndex.Builder ipv4 = new IntervalIndex.Builder();
        private final IntervalIndex.Builder ipv6 = new IntervalIndex.Builder();
        private final IntervalIndex.Builder ipv6ForIpv4 = new IntervalIndex.Builder();
        private final List<HexRange> hexRanges = new ArrayList<>();
        private final List<Integer> exists = new ArrayList<>();
        private final List<Integer> anythingBut = new ArrayList<>();
        private final BytesTable.Builder anythingButStrings = new BytesTable.Builder(false);
        private final IntervalIndex.Builder anythingButNumbers = new IntervalIndex.Builder();
        private final List<Integer> slowIds = new ArrayList<>();
        private final List<Boolean> slowNegated = new ArrayList<>();
        private final List<StringTest[]> slowTests = new ArrayList<>();
        private boolean tracksOccurrences;
        private int wildcardComplexity;

        int wildcardComplexity() {
            return wildcardComplexity;
        }

        /**
         * @return what one alternative adds to its field's wildcard complexity in a rule set (each wildcard operand
         * counts its stars, at least one); 0 for the other operators.
         */
        static int wildcardComplexity(final ValueMatcher matcher) {
            if (matcher instanceof ValueMatcher.Wildcard m) {
                return Math.max(1, Wildcards.starCount(m.pattern()));
            }
            int complexity = 0;
            if (matcher instanceof AnythingBut m && m.kind() == AnythingBut.Kind.WILDCARD) {
                for (String operand : m.strings()) {
                    complexity += Math.max(1, Wildcards.starCount(operand));
                }
            }
            return complexity;
        }

        /**
         * @param matcher          one alternative of a condition.
         * @param id               the condition.
         * @param numericCondition whether the condition has numeric alternatives: EventBridge's engine then
         *                         compares comparable numbers only numerically for that condition.
         */
        void add(final ValueMatcher matcher, final int id, final boolean numericCondition) {
            if (matcher instanceof ValueMatcher.ExactString m) {
                exactStrings.add(m.value(), id);
            } else if (matcher instanceof ValueMatcher.ExactNumber m) {
                literals.add(m.text(), id);
                if (!Double.isNaN(m.comparable())) {
                    numbers.addNumbers(m.comparable(), false, m.comparable(), false, id);
                }
            } else if (matcher instanceof ValueMatcher.ExactLiteral m) {
                literals.add(m.text(), id);
            } else if (matcher instanceof ValueMatcher.Prefix m) {
                addAffix(m.value(), m.ignoreCase(), id, prefixes, prefixesIgnoreCase, StringTest.CaseMode.PREFIX);
            } else if (matcher instanceof ValueMatcher.Suffix m) {
                addAffix(m.value(), m.ignoreCase(), id, suffixes, suffixesIgnoreCase, StringTest.CaseMode.SUFFIX);
            } else if (matcher instanceof ValueMatcher.EqualsIgnoreCase m) {
                if (isAscii(m.value())) {
                    equalsIgnoreCase.add(m.value(), id);
                } else {
                    slow(id, false, StringTest.ignoreCase(m.value(), StringTest.CaseMode.EQUALS));
                }
            } else if (matcher instanceof ValueMatcher.Wildcard m) {
                wildcardComplexity += wildcardComplexity(m);
                slow(id, false, StringTest.wildcard(m.pattern()));
            } else if (matcher instanceof ValueMatcher.Numeric m) {
                numbers.addNumbers(m.lower(), m.lowerOpen(), m.upper(), m.upperOpen(), id);
            } else if (matcher instanceof ValueMatcher.IpRange m) {
                addIpRange(m, id, numericCondition);
            } else if (matcher instanceof ValueMatcher.Exists m) {
                if (m.present()) {
                    exists.add(id);
                } else {
                    tracksOccurrences = true;
                }
            } else if (matcher instanceof AnythingBut m) {
                addAnythingBut(m, id);
            }
        }

        /**
         * EventBridge's engine compares addresses as upper-case hex digit strings (8 for IPv4, 32 for IPv6) by
         * prefix: an input at least as long as the bounds is compared on its first digits, inclusively; a shorter
         * one must lie strictly between the bounds' prefixes of its length. So an IPv4 block also matches an IPv6
         * address by its first 32 bits, an IPv6 block matches an IPv4 address strictly inside its first 32 bits,
         * and the text of a number (when it is not compared numerically) is tested against the digit strings.
         */
        private void addIpRange(final ValueMatcher.IpRange m, final int id, final boolean numericCondition) {
            hexRanges.add(HexRange.of(m, id, numericCondition));
            if (m.version() == IpAddressParser.IPV4) {
                ipv4.add(0, m.startLow(), 0, m.endLow(), id);
                return;
            }
            ipv6.add(m.startHigh(), m.startLow(), m.endHigh(), m.endLow(), id);
            final long low = m.startHigh() >>> 32;
            final long high = m.endHigh() >>> 32;
            if (high - low >= 2) {
                ipv6ForIpv4.add(0, low + 1, 0, high - 1, id);
            }
        }

        private void addAffix(final String value, final boolean ignoreCase, final int id, final ByteTrie.Builder exact,
                              final ByteTrie.Builder folded, final StringTest.CaseMode mode) {
            if (!ignoreCase) {
                exact.add(value, id);
            } else if (isAscii(value)) {
                folded.add(value, id);
            } else {
                slow(id, false, StringTest.ignoreCase(value, mode));
            }
        }

        private void addAnythingBut(final AnythingBut m, final int id) {
            switch (m.kind()) {
                case STRINGS -> {
                    final int slot = anythingBut.size();
                    anythingBut.add(id);
                    m.strings().forEach(s -> anythingButStrings.add(s, slot));
                }
                case NUMBERS -> {
                    final int slot = anythingBut.size();
                    anythingBut.add(id);
                    m.numbers().forEach(n -> anythingButNumbers.addNumbers(n, false, n, false, slot));
                }
                case PREFIX -> slow(id, true, m.strings().stream().map(StringTest::prefix).toArray(StringTest[]::new));
                case SUFFIX -> slow(id, true, m.strings().stream().map(StringTest::suffix).toArray(StringTest[]::new));
                case EQUALS_IGNORE_CASE -> slow(id, true, m.strings().stream()
                    .map(s -> StringTest.ignoreCase(s, StringTest.CaseMode.EQUALS)).toArray(StringTest[]::new));
                case WILDCARD -> {
                    wildcardComplexity += wildcardComplexity(m);
                    slow(id, true, m.strings().stream().map(StringTest::wildcard).toArray(StringTest[]::new));
                }
                default -> throw new IllegalStateException("unknown anything-but kind " + m.kind());
            }
        }

        private void slow(final int id, final boolean negated, final StringTest... tests) {
            slowIds.add(id);
            slowNegated.add(negated);
            slowTests.add(tests);
        }

        private static boolean isAscii(final String value) {
            for (int i = 0; i < value.length(); i++) {
                if (value.charAt(i) >= 0x80) {
                    return false;
                }
            }
            return true;
        }

        /**
         * @param fieldId  the field's index in the automaton.
         * @param slotBase the global number of its first anything-but slot.
         * @param anchor   per condition, whether a conjunction is anchored on it (its hits must be eager).
         */
        FieldIndex build(final int fieldId, final int slotBase, final boolean[] anchor) {
            return new FieldIndex(this, fieldId, slotBase, anchor);
        }

        /** @return how many anything-but slots the field will have. */
        int anythingButSlots() {
            return anythingBut.size();
        }
    }
}
