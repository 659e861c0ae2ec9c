package dev.eventrouter.pattern;

import java.util.List;

/**
 * A parsed, validated event pattern. Immutable and thread-safe.
 *
 * <p>The pattern matches an event when any of its {@link #conjunctions()} does; a conjunction matches when every
 * one of its field conditions holds, with values from one element of each array of objects (array-consistent
 * matching). Without {@code $or} there is exactly one conjunction.
 *
 * @param source       the pattern text as given.
 * @param conjunctions the {@code $or} expansion; each conjunction's conditions sorted by path.
 */
public record EventPattern(String source, List<List<FieldCondition>> conjunctions) {
    /** Copies the lists. */
    public EventPattern {
        conjunctions = conjunctions.stream().map(List::copyOf).toList();
    }

    /**
     * Parses a pattern with the default limits.
     *
     * @param json the pattern.
     * @return the pattern.
     * @throws InvalidPatternException naming the path and position of the first problem.
     */
    public static EventPattern parse(final String json) {
        return new PatternParser(PatternLimits.DEFAULT).parse(json);
    }
}
