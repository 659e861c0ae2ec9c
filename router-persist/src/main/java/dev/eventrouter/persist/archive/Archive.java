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
    /** Why the last append failed (a full disk), or {@code null}; cleared by {@link #resume()}. */
    private volatile String failure;
    private volatile long failedAppends;

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

    /**
     * Stage thread.
     *
     * @return whether the event was archived; {@code false} when the store failed (see {@link #failure()}).
     */
    boolean append(final long ingestionTime, final byte[] event, final int offset, final int length) {
        if (failure != null) {
            // failed: Chronicle's appender may hold a half-written entry's lock; do not touch it until resume()
            failedAppends = failedAppends + 1;
            return false;
        }
        try {
            store.append(ingestionTime, event, offset, length);
        } catch (Throwable e) {
            // Chronicle reports a full disk as InternalError (a fault writing a mapped page)
            failed(e);
            return false;
        }
        if (firstTime < 0) {
            firstTime = store.lastTime();
        }
        lastTime = store.lastTime();
        eventCount = eventCount + 1;
        return true;
    }

    /** Stage thread: an event could not be archived. */
    void failed(final Throwable cause) {
        failedAppends = failedAppends + 1;
        failure = "archive " + spec.name() + " cannot write to " + spec.dir() + ": " + cause;
    }

    /** @return why the archive failed to write, or {@code null}. */
    String failure() {
        return failure;
    }

    /** @return events that could not be archived. */
    long failedAppends() {
        return failedAppends;
    }

    void resume() {
        failure = null;
    }

    ArchiveDescription describe() {
        return new ArchiveDescription(spec, closed ? "DISABLED" : failure != null ? "FAILED" : "ENABLED", eventCount,
            sizeOnDisk(), firstTime, lastTime, store.durablePosition(), failedAppends, failure);
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
