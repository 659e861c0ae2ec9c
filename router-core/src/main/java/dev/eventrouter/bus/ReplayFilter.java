package dev.eventrouter.bus;

import java.util.Set;

/**
 * The rules a replay delivers to: replayed events carry the filter's id through the pipeline and match only these
 * rules (all rules when the set is empty). Obtain one from {@link Router#replayFilter}, release it with
 * {@link Router#releaseReplayFilter} when the replay ends. Immutable.
 */
public final class ReplayFilter {
    final int id;
    private final Set<String> ruleNames;

    ReplayFilter(final int id, final Set<String> ruleNames) {
        this.id = id;
        this.ruleNames = Set.copyOf(ruleNames);
    }

    /** @return whether events under this filter reach the rule. Allocation-free. */
    public boolean allows(final String ruleName) {
        return ruleNames.isEmpty() || ruleNames.contains(ruleName);
    }

    /** @return the rule names; empty means every rule. */
    public Set<String> ruleNames() {
        return ruleNames;
    }
}
