package dev.eventrouter.source;

import java.nio.charset.StandardCharsets;

/**
 * One record of a partitioned source. Immutable (the array is not copied: sources hand over their own).
 *
 * @param key             the partition key (order is kept per key).
 * @param timestampMillis when the record arrived in its source.
 * @param position        its position in its partition; positions increase.
 * @param data            the payload (JSON for filtering).
 * @param metadata        what the source says about the record beyond these (a Kafka record's topic, key and
 *                        headers: {@link KafkaMetadata}), or {@code null}.
 */
public record SourceRecord(String key, long timestampMillis, long position, byte[] data, Metadata metadata) {
    /** A record without source metadata. */
    public SourceRecord(final String key, final long timestampMillis, final long position, final byte[] data) {
        this(key, timestampMillis, position, data, null);
    }

    /** What a source attaches to its records. */
    public interface Metadata {
    }

    /** @return the payload as text (allocates). */
    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }
}
