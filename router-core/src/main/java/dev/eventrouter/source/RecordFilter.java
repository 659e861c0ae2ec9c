package dev.eventrouter.source;

import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.util.ArrayList;
import java.util.List;

/**
 * FilterCriteria: up to five event patterns compiled into one automaton, ORed. A record passes when any pattern
 * matches its bytes; records that are not JSON never pass. One thread at a time.
 */
public final class RecordFilter {
    private final EventMatcher matcher;

    private RecordFilter(final EventMatcher matcher) {
        this.matcher = matcher;
    }

    /**
     * @return the filter, or {@code null} when there are no patterns (everything passes).
     * @throws InvalidPatternException naming {@code FilterCriteria.Filters[i]} and where in it.
     */
    public static RecordFilter of(final List<String> patterns) {
        if (patterns.isEmpty()) {
            return null;
        }
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final List<RuleCompiler.Rule> rules = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            try {
                rules.add(new RuleCompiler.Rule("filter" + i, parser.parse(patterns.get(i))));
            } catch (InvalidPatternException e) {
                throw e.inRule("FilterCriteria.Filters[" + i + "]");
            }
        }
        final MatchAutomaton automaton = new RuleCompiler(PatternLimits.DEFAULT).compile(rules);
        return new RecordFilter(new EventMatcher(automaton));
    }

    /** @return whether any pattern matches {@code data}. */
    public boolean passes(final byte[] data) {
        try {
            return matcher.match(data, 0, data.length, rule -> { }) > 0;
        } catch (MalformedEventException e) {
            return false;
        }
    }
}
