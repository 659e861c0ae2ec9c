package dev.eventrouter.source;

import java.util.ArrayList;
import java.util.List;

/**
 * A partitioned source held in memory: records are appended by any thread and polled by the poller. A record's
 * position is its index in its partition. Thread-safe.
 */
public final class InMemorySource implements PartitionedSource {
    private final List<List<SourceRecord>> partitions = new ArrayList<>();

    /** @param partitions the number of partitions, at least 1. */
    public InMemorySource(final int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions=" + partitions + ": must be at least 1");
        }
        for (int i = 0; i < partitions; i++) {
            this.partitions.add(new ArrayList<>());
        }
    }

    /** Appends a record. @return its position. */
    public long append(final int partition, final String key, final long timestampMillis, final byte[] data) {
        final List<SourceRecord> records = partitions.get(partition);
        synchronized (records) {
            final long position = records.size();
            records.add(new SourceRecord(key, timestampMillis, position, data));
            return position;
        }
    }

    @Override
    public int partitions() {
        return partitions.size();
    }

    @Override
    public int poll(final int partition, final long fromPosition, final int maxRecords, final List<SourceRecord> into) {
        final List<SourceRecord> records = partitions.get(partition);
        synchronized (records) {
            int added = 0;
            for (long p = Math.max(0, fromPosition); p < records.size() && added < maxRecords; p++) {
                into.add(records.get((int) p));
                added++;
            }
            return added;
        }
    }

    @Override
    public long startPosition(final int partition, final StartingPosition start, final long timestampMs) {
        final List<SourceRecord> records = partitions.get(partition);
        synchronized (records) {
            return switch (start) {
                case TRIM_HORIZON -> 0;
                case LATEST -> records.size();
                case AT_TIMESTAMP -> {
                    int i = 0;
                    while (i < records.size() && records.get(i).timestampMillis() < timestampMs) {
                        i++;
                    }
                    yield i;
                }
            };
        }
    }
}
