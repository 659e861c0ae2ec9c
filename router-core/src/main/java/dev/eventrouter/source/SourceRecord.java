package dev.eventrouter.source;

import java.nio.charset.StandardCharsets;

/**
 * One record of a partitioned source. Immutable (the array is not copied: sources hand over their own).
 *
 * @param key             the partition key (order is kept per key).
 * @param timestampMillis when the record arrived in its source.
 * @param position        its position in its partition; positions increase.
 * @param data            the payload (JSON for filtering).
 */
public record SourceRecord(String key, long timestampMillis, long position, byte[] data) {
    /** @return the payload as text (allocates). */
    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }
}
