package dev.eventrouter.pattern;

/**
 * Limits applied when parsing patterns and compiling rule sets. Immutable; use the {@code with*} methods.
 *
 * @param maxPatternLength      maximum pattern length in characters (EventBridge's API allows 4096).
 * @param maxOrCombinations     maximum number of conjunctions that {@code $or} may expand to (EventBridge: 1000).
 * @param maxWildcardComplexity maximum wildcard complexity of a whole rule set: per event field, the number of
 *                              {@code *} in all wildcard and anything-but wildcard operands on that field,
 *                              and the rule set's value is the largest over its fields. Matching one value costs
 *                              time proportional to it.
 * @param maxRuleComplexity     maximum wildcard complexity of one pattern as EventBridge measures it ("Rule is too
 *                              complex"): event-ruler's count of the wildcard prefixes one value can be inside at
 *                              once, on the pattern's worst field. EventBridge accepted 8 and refused 11 in
 *                              recorded cases (docs/patterns.md); the default is 10.
 */
public record PatternLimits(int maxPatternLength, int maxOrCombinations, int maxWildcardComplexity,
                            int maxRuleComplexity) {
    /**
     * EventBridge's limits: 4096 characters, 1000 combinations, a rule-set wildcard budget of 1000 and a per-pattern
     * complexity of 10.
     */
    private static final int DEFAULT_RULE_COMPLEXITY = 10;
    public static final PatternLimits DEFAULT = new PatternLimits(4096, 1000, 1000, DEFAULT_RULE_COMPLEXITY);

    /** Validates every limit. */
    public PatternLimits {
        requirePositive("maxPatternLength", maxPatternLength);
        requirePositive("maxOrCombinations", maxOrCombinations);
        requirePositive("maxWildcardComplexity", maxWildcardComplexity);
        requirePositive("maxRuleComplexity", maxRuleComplexity);
    }

    /** The three limits of earlier releases, with the default per-pattern complexity. */
    public PatternLimits(final int maxPatternLength, final int maxOrCombinations, final int maxWildcardComplexity) {
        this(maxPatternLength, maxOrCombinations, maxWildcardComplexity, DEFAULT_RULE_COMPLEXITY);
    }

    private static void requirePositive(final String name, final int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + "=" + value + ": must be at least 1");
        }
    }

    /** @return a copy with another maximum pattern length. */
    public PatternLimits withMaxPatternLength(final int value) {
        return new PatternLimits(value, maxOrCombinations, maxWildcardComplexity, maxRuleComplexity);
    }

    /** @return a copy with another maximum number of {@code $or} combinations. */
    public PatternLimits withMaxOrCombinations(final int value) {
        return new PatternLimits(maxPatternLength, value, maxWildcardComplexity, maxRuleComplexity);
    }

    /** @return a copy with another wildcard complexity budget. */
    public PatternLimits withMaxWildcardComplexity(final int value) {
        return new PatternLimits(maxPatternLength, maxOrCombinations, value, maxRuleComplexity);
    }

    /** @return a copy with another per-pattern wildcard complexity limit. */
    public PatternLimits withMaxRuleComplexity(final int value) {
        return new PatternLimits(maxPatternLength, maxOrCombinations, maxWildcardComplexity, value);
    }
}
