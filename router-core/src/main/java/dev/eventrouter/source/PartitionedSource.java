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
}
