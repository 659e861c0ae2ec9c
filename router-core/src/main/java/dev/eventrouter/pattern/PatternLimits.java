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
 */
public record PatternLimits(int maxPatternLength, int maxOrCombinations, int maxWildcardComplexity) {
    /** EventBridge's limits: 4096 characters, 1000 combinations, and a wildcard complexity of 1000. */
    public static final PatternLimits DEFAULT = new PatternLimits(4096, 1000, 1000);

    /** Validates every limit. */
    public PatternLimits {
        requirePositive("maxPatternLength", maxPatternLength);
        requirePositive("maxOrCombinations", maxOrCombinations);
        requirePositive("maxWildcardComplexity", maxWildcardComplexity);
    }

    private static void requirePositive(final String name, final int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + "=" + value + ": must be at least 1");
        }
    }

    /** @return a copy with another maximum pattern length. */
    public PatternLimits withMaxPatternLength(final int value) {
        return new PatternLimits(value, maxOrCombinations, maxWildcardComplexity);
    }

    /** @return a copy with another maximum number of {@code $or} combinations. */
    public PatternLimits withMaxOrCombinations(final int value) {
        return new PatternLimits(maxPatternLength, value, maxWildcardComplexity);
    }

    /** @return a copy with another wildcard complexity budget. */
    public PatternLimits withMaxWildcardComplexity(final int value) {
        return new PatternLimits(maxPatternLength, maxOrCombinations, value);
    }
}
