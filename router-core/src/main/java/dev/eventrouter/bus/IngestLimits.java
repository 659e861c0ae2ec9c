package dev.eventrouter.bus;

/**
 * Limits applied to PutEvents entries.
 *
 * @param maxEntryBytes  the largest entry, counted as EventBridge counts it: the UTF-8 bytes of source,
 *                       detail-type, detail and each resource, plus 14 for an explicit time.
 * @param maxDetailDepth the deepest nesting accepted in detail.
 */
public record IngestLimits(int maxEntryBytes, int maxDetailDepth) {
    /** 256 KB per entry (EventBridge's documented limit; raise it to 1 MB for the 2026 limit) and 1000 levels. */
    public static final IngestLimits DEFAULT = new IngestLimits(256 * 1024, 1000);

    /** Validates the limits. */
    public IngestLimits {
        if (maxEntryBytes < 1) {
            throw new IllegalArgumentException("maxEntryBytes=" + maxEntryBytes + ": must be at least 1");
        }
        if (maxDetailDepth < 1 || maxDetailDepth > 10_000) {
            throw new IllegalArgumentException("maxDetailDepth=" + maxDetailDepth + ": must be between 1 and 10000");
        }
    }
}
