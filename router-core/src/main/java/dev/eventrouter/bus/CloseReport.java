package dev.eventrouter.bus;

import java.util.List;

/**
 * What {@link Router#close} achieved: whether everything accepted was delivered (or dead-lettered, or dropped by a
 * target's policy) before the timeout, and every event that was not.
 *
 * @param drained     whether the router was fully drained.
 * @param undelivered the events left over, with the rule and target they were for.
 */
public record CloseReport(boolean drained, List<Undelivered> undelivered) {
    /** Copies the list. */
    public CloseReport {
        undelivered = List.copyOf(undelivered);
    }
}
