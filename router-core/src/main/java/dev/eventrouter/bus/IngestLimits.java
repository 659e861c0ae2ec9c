package dev.eventrouter.bus;

/**
 * Limits applied to PutEvents entries.
 *
 * @param maxEntryBytes  the entry size limit: an entry must be smaller than this ("The total entry size must be less
 *                       than ...", user guide, "Calculating PutEvents event entry size"), counted as EventBridge
 *                       counts it: the UTF-8 bytes of source, detail-type, detail and each resource, plus 14 for an
 *                       explicit time.
 * @param maxDetailDepth the deepest nesting accepted in detail.
 */
public record IngestLimits(int maxEntryBytes, int maxDetailDepth) {
    /**
     * Entries under 1 MiB (EventBridge's limit since January 2026: AWS Compute Blog, "More room to build: serverless
     * services now support payloads up to 1 MB"; it was 256 KB) and Detail nested at most 1000 levels.
     */
    public static final IngestLimits DEFAULT = new IngestLimits(1024 * 1024, 1000);
    /** The limit before 2026, for embedders that must refuse what AWS refused then. */
    public static final IngestLimits BEFORE_2026 = new IngestLimits(256 * 1024, 1000);

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
