package dev.eventrouter.bus;

/**
 * Counters of one bus, readable from any thread without locks. Values only grow; a snapshot of several counters
 * is not atomic (each is exact on its own).
 */
public final class BusMetrics {
    final Counter published = new Counter();
    final Counter throttled = new Counter();
    final Counter matched = new Counter();
    final Counter unmatched = new Counter();
    final Counter fromOtherBus = new Counter();
    final Counter malformed = new Counter();
    final Counter matchErrors = new Counter();

    BusMetrics() {
    }

    /** @return events the bus accepted (PutEvents entries, raw publishes and bus-target forwards). */
    public long published() {
        return published.get();
    }

    /** @return publishes refused because the router was full for longer than the publish timeout. */
    public long throttled() {
        return throttled.get();
    }

    /** @return accepted events that matched at least one enabled rule. */
    public long matched() {
        return matched.get();
    }

    /** @return accepted events that matched no enabled rule. */
    public long unmatched() {
        return unmatched.get();
    }

    /** @return events that arrived through a bus target of another bus. */
    public long fromOtherBus() {
        return fromOtherBus.get();
    }

    /** @return events the matcher refused (counted and dead-lettered; raw publishes are validated first). */
    public long malformed() {
        return malformed.get();
    }

    /**
     * @return events whose matching threw something other than a malformed-event error (a defect; the event is
     *         counted here and in {@link Router#stageErrors()}, and the router goes on with the next).
     */
    public long matchErrors() {
        return matchErrors.get();
    }

    @Override
    public String toString() {
        return "published=" + published() + " matched=" + matched() + " unmatched=" + unmatched() + " throttled="
            + throttled() + " fromOtherBus=" + fromOtherBus() + " malformed=" + malformed()
            + " matchErrors=" + matchErrors();
    }
}
