package dev.eventrouter.persist.replay;

import java.nio.file.Path;
import java.util.List;

/**
 * A replay as requested. Immutable.
 *
 * @param name        1-64 characters of letters, digits, '.', '-' and '_'; becomes the events' {@code replay-name}.
 * @param archiveDir  the archive's directory.
 * @param startMillis first archive time replayed (inclusive).
 * @param endMillis   end of the range (exclusive).
 * @param eventBus    the destination bus (name or ARN).
 * @param rules       the rules that see the replayed events; empty for all.
 * @param speed       0 for as fast as the bus accepts; otherwise the original timing sped up this many times.
 */
public record ReplaySpec(String name, Path archiveDir, long startMillis, long endMillis, String eventBus,
                         List<String> rules, double speed) {

    /** Validates every field, naming it. */
    public ReplaySpec {
        ReplayNames.requireValid(name);
        if (archiveDir == null) {
            throw new IllegalArgumentException("replay " + name + ": an archive is required");
        }
        if (startMillis >= endMillis) {
            throw new IllegalArgumentException("replay " + name + ": EventStartTime must be before EventEndTime");
        }
        if (!(speed >= 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("replay " + name + ": speed=" + speed
                + ": must be 0 (as fast as possible) or a positive factor");
        }
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** @return a copy replaying to this bus (name or ARN). */
    public ReplaySpec onBus(final String bus) {
        return new ReplaySpec(name, archiveDir, startMillis, endMillis, bus, rules, speed);
    }
}
