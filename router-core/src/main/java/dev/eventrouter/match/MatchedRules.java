package dev.eventrouter.match;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reusable holder of the rules one event matched. Single-threaded; {@link #onMatch(CompiledRule)} does not
 * allocate once the holder has grown to the largest match count seen.
 */
public final class MatchedRules implements MatchHandler {
    private CompiledRule[] rules = new CompiledRule[8];
    private int size;

    @Override
    public void onMatch(final CompiledRule rule) {
        if (size == rules.length) {
            rules = Arrays.copyOf(rules, size * 2);
        }
        rules[size++] = rule;
    }

    /** Empties the holder before the next event. */
    public void clear() {
        Arrays.fill(rules, 0, size, null);
        size = 0;
    }

    /** @return how many rules matched. */
    public int size() {
        return size;
    }

    /** @return the i-th matched rule, in report order. */
    public CompiledRule rule(final int i) {
        if (i >= size) {
            throw new IndexOutOfBoundsException("index " + i + ", size " + size);
        }
        return rules[i];
    }

    /** @return the matched rule names sorted ascending (allocates; for tools and tests). */
    public List<String> sortedNames() {
        final List<String> names = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            names.add(rules[i].name());
        }
        names.sort(null);
        return names;
    }
}
