package dev.eventrouter.source;

import java.util.List;

/**
 * A source of records in partitions with positions (a stream shard, a queue, a file). Polled by one poller thread;
 * implementations that are appended to by other threads must make appends visible to it.
 */
public interface PartitionedSource {
    /** @return the number of partitions (fixed). */
    int partitions();

    /**
     * Reads up to {@code maxRecords} records of a partition in position order, starting at the first record whose
     * position is at least {@code fromPosition}.
     *
     * @return how many records were added to {@code into}.
     */
    int poll(int partition, long fromPosition, int maxRecords, List<SourceRecord> into);

    /**
     * @param partition   the partition.
     * @param start       where to start.
     * @param timestampMs for {@link StartingPosition#AT_TIMESTAMP}.
     * @return the position to poll from.
     */
    long startPosition(int partition, StartingPosition start, long timestampMs);

    /**
     * @return what names this source in on-failure records ({@code streamArn}); the class name unless the source
     *         knows better (a file's or a queue directory's URI).
     */
    default String arn() {
        return "eventrouter:source:" + getClass().getSimpleName();
    }

    /**
     * Writes one record's members (inside an object the caller opened) as EventBridge Pipes hands it on: a Kinesis
     * record unless the source says otherwise.
     *
     * @param decoded the payload as its JSON when it is JSON (Pipes' implicit parsing).
     */
    default void writePipeRecord(final com.fasterxml.jackson.core.JsonGenerator json, final AwsRecords.Origin origin,
                                 final int partition, final SourceRecord record, final boolean decoded)
        throws java.io.IOException {
        AwsRecords.kinesis(json, origin, partition, record, false, decoded);
    }

    /** @return the key filters read the payload under: {@code data} for a stream (Kinesis), {@code value} for Kafka. */
    default RecordFilter.Key filterKey() {
        return RecordFilter.Key.DATA;
    }

    /**
     * Whether partitions are assigned to this reader and taken away while it runs (a member of a Kafka consumer
     * group): then a mapping reads a partition only between {@link Ownership#assigned} and {@link Ownership#revoked},
     * loads its checkpoint when it is assigned, and abandons what it holds of it when it is revoked. Otherwise every
     * partition is the mapping's from the start.
     */
    default boolean assignsPartitions() {
        return false;
    }

    /**
     * The mapping over this source registers here (once, before its first duty cycle). A source that
     * {@link #assignsPartitions() assigns partitions} calls it on the poller's thread, from {@link #doWork}.
     */
    default void listen(final Ownership ownership) {
    }

    /**
     * The poller's thread, once per duty cycle of the mapping, before it reads: a source that needs an I/O turn of its
     * own (a Kafka consumer's poll, which also runs its rebalances) takes it here.
     *
     * @return work done.
     */
    default int doWork() {
        return 0;
    }

    /**
     * The poller's thread, on each duty cycle of a disabled mapping (instead of {@link #doWork}): a source whose
     * partitions are assigned gives them up here (a consumer group member leaves its group, so the other members
     * read them), and takes its share again on the next {@link #doWork}.
     */
    default void stopped() {
    }

    /** What a mapping is told when a partition becomes or stops being its to read. Poller thread. */
    interface Ownership {
        /** The partition is this reader's now: the mapping resumes it from its checkpoint (or starting position). */
        void assigned(int partition);

        /**
         * The partition is taken away: the mapping abandons the records it read and did not finish (a batch in flight
         * included; its answer is ignored). The next owner delivers them again from the last checkpoint.
         */
        void revoked(int partition);
    }
}
