package dev.eventrouter.bus;

/** Counters of one rule, readable from any thread without locks. They survive rule updates and re-creation. */
public final class RuleMetrics {
    final Counter matched = new Counter();

    RuleMetrics() {
    }

    /** @return events the rule matched while enabled. */
    public long matched() {
        return matched.get();
    }

    @Override
    public String toString() {
        return "matched=" + matched();
    }
}
