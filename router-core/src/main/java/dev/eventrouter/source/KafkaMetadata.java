package dev.eventrouter.source;

import java.util.List;

/**
 * What a Kafka record carries besides its value (the record's {@link SourceRecord#data()}) and offset (its
 * {@link SourceRecord#position()}): the fields of a record in the event Lambda and Pipes build for Apache Kafka
 * sources. Immutable; arrays are not copied.
 *
 * @param topic         the topic.
 * @param partition     the partition of the topic.
 * @param timestampType {@code CREATE_TIME}, {@code LOG_APPEND_TIME} or {@code NO_TIMESTAMP_TYPE}.
 * @param key           the record's key, or {@code null} when it has none.
 * @param nullValue     the record's value is null (a tombstone); its data is then empty.
 * @param headers       the headers in their order (a key may repeat).
 */
public record KafkaMetadata(String topic, int partition, String timestampType, byte[] key, boolean nullValue,
                            List<Header> headers) implements SourceRecord.Metadata {
    /** Copies the header list. */
    public KafkaMetadata {
        headers = List.copyOf(headers);
    }

    /** One header: its key and its value's bytes ({@code null} for a null value). */
    public record Header(String key, byte[] value) {
    }

    /** @return {@code topic-partition}: how Lambda keys a batch's records and names a partition in failures. */
    public String topicPartition() {
        return topic + "-" + partition;
    }
}
