package dev.eventrouter.persist.source;

import dev.eventrouter.persist.archive.ArchiveReader;
import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.source.PartitionedSource;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.source.StartingPosition;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Tails a Chronicle Queue directory written in eventrouter's excerpt format (an 8-byte time, then the payload): an
 * archive, a {@link dev.eventrouter.persist.queue.DurableQueue}'s message log, or any {@link ArchiveStore}. One
 * partition; a record's position is its queue index, its timestamp the excerpt's time, its key {@code null} (one
 * lane). Records appended by other threads or processes are seen as they are appended. Poller thread only; close
 * it to release the queue.
 */
public final class ChronicleSource implements PartitionedSource, AutoCloseable {
    private final ArchiveStore store;
    private final boolean owned;
    private ArchiveReader reader;
    private long expected = Long.MIN_VALUE;

    private ChronicleSource(final ArchiveStore store, final boolean owned) {
        this.store = store;
        this.owned = owned;
    }

    /**
     * Opens a queue directory read-only.
     *
     * @throws IllegalArgumentException when it does not exist or holds no queue.
     */
    public static ChronicleSource open(final Path dir) {
        return new ChronicleSource(ArchiveStore.openReadOnly(dir), true);
    }

    /** Tails a store that this process appends to (the caller keeps closing it). */
    public static ChronicleSource of(final ArchiveStore store) {
        return new ChronicleSource(store, false);
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public int poll(final int partition, final long fromPosition, final int maxRecords, final List<SourceRecord> into) {
        if (reader == null) {
            // created on the polling thread: Chronicle tailers belong to one thread
            reader = store.reader();
        }
        if (fromPosition != expected) {
            reader.seekPosition(fromPosition);
        }
        int added = 0;
        try {
            while (added < maxRecords && reader.next()) {
                into.add(new SourceRecord(null, reader.timeMillis(), reader.index(),
                    Arrays.copyOf(reader.bytes(), reader.length())));
                expected = reader.index() + 1;
                added++;
            }
        } catch (InternalError e) {
            throw reader.corruption(e);   // a fault of next()'s read, delivered late (see ArchiveReader.corruption)
        }
        return added;
    }

    @Override
    public long startPosition(final int partition, final StartingPosition start, final long timestampMs) {
        return switch (start) {
            case TRIM_HORIZON -> 0;
            case LATEST -> store.durablePosition() + 1;
            case AT_TIMESTAMP -> {
                try (ArchiveReader seeker = store.reader()) {
                    seeker.seek(timestampMs);
                    yield seeker.next() ? seeker.index() : store.durablePosition() + 1;
                }
            }
        };
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
        if (owned) {
            store.close();
        }
    }
}
