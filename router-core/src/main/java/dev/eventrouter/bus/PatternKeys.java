package dev.eventrouter.bus;

import dev.eventrouter.auth.RequestContext;
import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.FieldCondition;
import dev.eventrouter.pattern.ValueMatcher;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The PutRule values of {@code events:source}, {@code events:detail-type} and {@code events:detail.<path>}: the
 * exact strings the pattern allows at that field, across every {@code $or} branch. A field no branch mentions is
 * absent (so {@code StringEquals} denies and {@code Null: false} fails, as AWS documents for a pattern without
 * source); a branch without the field, or a matcher other than an exact string (prefix, wildcard, anything-but...),
 * adds {@link RequestContext#UNBOUNDED}, which no policy value equals.
 */
final class PatternKeys {
    private PatternKeys() {
    }

    static void add(final EventPattern pattern, final RequestContext ctx) {
        final Map<String, Set<String>> values = new LinkedHashMap<>();
        final Map<String, Integer> branches = new LinkedHashMap<>();
        for (List<FieldCondition> conjunction : pattern.conjunctions()) {
            final Set<String> seen = new LinkedHashSet<>();
            for (FieldCondition field : conjunction) {
                final String path = field.path();
                if (!path.equals("source") && !path.equals("detail-type") && !path.startsWith("detail.")) {
                    continue;
                }
                final Set<String> set = values.computeIfAbsent(path, k -> new LinkedHashSet<>());
                for (ValueMatcher m : field.matchers()) {
                    set.add(m instanceof ValueMatcher.ExactString e ? e.value() : RequestContext.UNBOUNDED);
                }
                if (seen.add(path)) {
                    branches.merge(path, 1, Integer::sum);
                }
            }
        }
        final int all = pattern.conjunctions().size();
        values.forEach((path, set) -> {
            if (branches.get(path) < all) {
                set.add(RequestContext.UNBOUNDED);
            }
            for (String value : set) {
                if (path.equals("source")) {
                    ctx.source(value);
                } else if (path.equals("detail-type")) {
                    ctx.detailType(value);
                } else {
                    ctx.detail(path.substring(7), value);
                }
            }
        });
    }
}
