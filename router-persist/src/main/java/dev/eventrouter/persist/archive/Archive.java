package dev.eventrouter.persist.archive;

import dev.eventrouter.pattern.EventPattern;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.RollCycle;

/**
 * One live archive: its declaration, its compiled pattern and its store. The store is opened on creation (to read
 * its extent) and appended to only by the archive stage's thread; counters are published for {@code describe}.
 */
final class Archive {
    volatile ArchiveSpec spec;
    final String busArn;
    volatile EventPattern pattern;
    private final ArchiveStore store;
    private volatile long eventCount;
    private volatile long firstTime;
    private volatile long lastTime;
    private volatile boolean closed;

    Archive(final ArchiveSpec spec, final String busArn, final EventPattern pattern, final RollCycle rollCycle) {
        this.spec = spec;
        this.busArn = busArn;
        this.pattern = pattern;
        store = ArchiveStore.open(spec.dir(), rollCycle);
        eventCount = store.eventCount();
        firstTime = store.firstTime();
        lastTime = store.lastTime();
    }

    private long nextRetentionCheck = Long.MIN_VALUE;

    /** Stage thread: at most once a minute of event time, drops cycles past the retention period. */
    void enforceRetention(final long nowMillis) {
        if (spec.retentionDays() == 0 || nowMillis < nextRetentionCheck) {
            return;
        }
        nextRetentionCheck = nowMillis + 60_000;
        if (store.deleteCyclesBefore(nowMillis - spec.retentionDays() * 86_400_000L) > 0) {
            eventCount = store.eventCount();
            firstTime = store.firstTime();
        }
    }

    /** Stage thread. */
    void append(final long ingestionTime, final byte[] event, final int offset, final int length) {
        store.append(ingestionTime, event, offset, length);
        if (firstTime < 0) {
            firstTime = store.lastTime();
        }
        lastTime = store.lastTime();
        eventCount = eventCount + 1;
    }

    ArchiveDescription describe() {
        return new ArchiveDescription(spec, closed ? "DISABLED" : "ENABLED", eventCount, sizeOnDisk(), firstTime,
            lastTime, store.durablePosition());
    }

    private long sizeOnDisk() {
        try (Stream<Path> files = Files.list(spec.dir())) {
            return files.filter(f -> f.toString().endsWith(".cq4")).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    void close() {
        if (!closed) {
            closed = true;
            store.close();
        }
    }

    void closeAndDelete() {
        close();
        try (Stream<Path> files = Files.walk(spec.dir())) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete archive " + spec.name() + " at " + spec.dir(), e);
        }
    }
}
