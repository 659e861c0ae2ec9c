package dev.eventrouter.persist.source;

import dev.eventrouter.persist.archive.ArchiveReader;
import dev.eventrouter.source.PartitionedSource;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.source.StartingPosition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.EpochClock;

/**
 * Tails any Chronicle Queue directory, whatever wrote it: a record is an excerpt's bytes as they are (for example
 * JSON written with {@code writeBytes} or {@code writeText}), its position the queue index, its timestamp the clock
 * when it was read (excerpts carry no time of their own), its key {@code null}. One partition; read-only;
 * {@code AT_TIMESTAMP} is refused. For archives, use {@link ChronicleSource}, which reads their times. Poller thread
 * only; close it to release the queue.
 */
public final class RawChronicleSource implements PartitionedSource, AutoCloseable {
    private final SingleChronicleQueue queue;
    private final EpochClock clock;
    private ExcerptTailer tailer;
    private long expected = Long.MIN_VALUE;

    private RawChronicleSource(final SingleChronicleQueue queue, final EpochClock clock) {
        this.queue = queue;
        this.clock = clock;
    }

    /**
     * Opens a queue directory read-only.
     *
     * @throws IllegalArgumentException when it does not exist or holds no queue.
     */
    public static RawChronicleSource open(final Path dir, final EpochClock clock) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such directory");
        }
        if (!Files.exists(dir.resolve("metadata.cq4t"))) {
            throw new IllegalArgumentException(dir + ": not a Chronicle queue (no metadata.cq4t)");
        }
        return new RawChronicleSource(SingleChronicleQueueBuilder.binary(dir).readOnly(true).build(), clock);
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public int poll(final int partition, final long fromPosition, final int maxRecords, final List<SourceRecord> into) {
        if (tailer == null) {
            tailer = queue.createTailer();  // on the polling thread: Chronicle tailers belong to one thread
        }
        if (fromPosition != expected) {
            ArchiveReader.seekPosition(tailer, fromPosition);
        }
        int added = 0;
        while (added < maxRecords) {
            try (DocumentContext document = tailer.readingDocument()) {
                if (!document.isPresent()) {
                    break;
                }
                final Bytes<?> bytes = document.wire().bytes();
                final byte[] data = new byte[(int) bytes.readRemaining()];
                bytes.read(data);
                into.add(new SourceRecord(null, clock.time(), document.index(), data));
                expected = document.index() + 1;
                added++;
            } catch (InternalError e) {
                // a header pointing past the memory-mapped file faults: say where, serve nothing after it
                throw new dev.eventrouter.persist.archive.CorruptArchiveException(queue.fileAbsolutePath(),
                    expected - 1, e.getMessage(), e);
            }
        }
        return added;
    }

    @Override
    public long startPosition(final int partition, final StartingPosition start, final long timestampMs) {
        return switch (start) {
            case TRIM_HORIZON -> 0;
            case LATEST -> Math.max(0, queue.lastIndex() + 1);
            case AT_TIMESTAMP -> throw new IllegalArgumentException(
                "StartingPosition=AT_TIMESTAMP: a raw Chronicle queue cannot start at a time (its excerpts carry none)");
        };
    }

    @Override
    public void close() {
        if (tailer != null) {
            tailer.close();
        }
        queue.close();
    }
}
