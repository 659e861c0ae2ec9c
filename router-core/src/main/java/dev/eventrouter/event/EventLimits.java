package dev.eventrouter.event;

/**
 * Limits on one event's bytes, checked while scanning.
 *
 * @param maxBytes maximum event size in bytes.
 * @param maxDepth maximum nesting of objects and arrays.
 */
public record EventLimits(int maxBytes, int maxDepth) {
    /** 1 MiB and 1000 levels (EventBridge limits events to 1000 levels). */
    public static final EventLimits DEFAULT = new EventLimits(1 << 20, 1000);

    /** Validates the limits. */
    public EventLimits {
        if (maxBytes < 2) {
            throw new IllegalArgumentException("maxBytes=" + maxBytes + ": must be at least 2");
        }
        if (maxDepth < 1 || maxDepth > 10_000) {
            throw new IllegalArgumentException("maxDepth=" + maxDepth + ": must be between 1 and 10000");
        }
    }
}
