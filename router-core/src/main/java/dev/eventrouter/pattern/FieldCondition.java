package dev.eventrouter.pattern;

import java.util.List;

/**
 * One field of a conjunction: the dotted path and its alternatives (ORed). Immutable.
 *
 * @param path     the flattened path, {@code detail.state} for {@code {"detail":{"state":[...]}}}.
 * @param matchers the alternatives, in pattern order; never empty.
 */
public record FieldCondition(String path, List<ValueMatcher> matchers) {
    /** Copies the list. */
    public FieldCondition {
        matchers = List.copyOf(matchers);
    }
}
