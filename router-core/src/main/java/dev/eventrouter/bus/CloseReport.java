package dev.eventrouter.bus;

import java.util.List;

/**
 * What {@link Router#close} achieved: whether everything accepted was delivered (or dead-lettered, or dropped by a
 * target's policy) before the timeout, every event that was not, and the threads that did not stop.
 *
 * @param drained      whether the router was fully drained and every thread stopped.
 * @param undelivered  the events left over, with the rule and target they were for.
 * @param stuckThreads router threads still running after close's grace period (a handler that ignores
 *                     interrupts); what they held is in {@code undelivered}.
 */
public record CloseReport(boolean drained, List<Undelivered> undelivered, List<String> stuckThreads) {
    /** Copies the lists. */
    public CloseReport {
        undelivered = List.copyOf(undelivered);
        stuckThreads = List.copyOf(stuckThreads);
    }

    /** A report without stuck threads. */
    public CloseReport(final boolean drained, final List<Undelivered> undelivered) {
        this(drained, undelivered, List.of());
    }
}
