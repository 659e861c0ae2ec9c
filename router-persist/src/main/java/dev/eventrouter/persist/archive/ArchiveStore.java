package dev.eventrouter.persist.archive;

import java.nio.file.Path;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * One archive's events in a Chronicle Queue directory, in archive order. Each excerpt is
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                                                               |
 *  +                    Archive time (epoch ms)                    +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Event envelope (UTF-8 JSON)               ...
 *  +---------------------------------------------------------------+
 * </pre>
 * The archive time is the event's ingestion time, raised to the previous entry's when publishers' clocks put it
 * a little earlier, so times never decrease along the queue. The queue rolls on that same time (its time provider
 * is the entry being written), so a time maps to a roll cycle by arithmetic, and finding the first event at or
 * after a time is a cycle lookup plus a binary search within the cycle: logarithmic in the archive's size.
 *
 * <p>Threading: one thread appends ({@link #append}); {@link #durablePosition()} may be read from any thread;
 * readers ({@link #reader()}) are confined to the thread that created them. Close the store to release its files.
 */
public final class ArchiveStore implements AutoCloseable {
    /** Bytes before the event in every excerpt. */
    static final int HEADER_LENGTH = 8;
    /** How long a half-written entry's lock is honoured before it is taken as a crash and recovered. */
    static final long RECOVERY_TIMEOUT_MS = 1_000;

    /** The file whose OS lock marks the one writer of a directory; the OS releases it when the process dies. */
    static final String WRITER_LOCK = "writer.lock";

    private final SingleChronicleQueue queue;
    private final boolean readOnly;
    private final java.nio.channels.FileChannel lockChannel;
    private ExcerptAppender appender;
    private final RollCycle rollCycle;
    private long lastTime = Long.MIN_VALUE;
    private long writingTime;
    private volatile long durablePosition = -1;
    private final TimeIndex timeIndex;
    /** Archives only ({@code null} for a queue's message log, or a read-only archive written before it existed). */
    private final EventTimeIndex eventTimes;

    private ArchiveStore(final Path dir, final RollCycle rollCycle, final boolean readOnly, final boolean archive) {
        lockChannel = readOnly ? null : lockWriter(dir);
        final TimeProvider entryTime = () -> writingTime;
        // one appender per archive: a write header still locked after a second was left by a killed process
        final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(dir).rollCycle(rollCycle)
            .timeProvider(entryTime).readOnly(readOnly).timeoutMS(RECOVERY_TIMEOUT_MS);
        SingleChronicleQueue opened = null;
        TimeIndex index = null;
        EventTimeIndex outliers = null;
        try {
            opened = builder.build();
            index = TimeIndex.open(dir, readOnly);
            final boolean hadOutliers = EventTimeIndex.exists(dir);
            outliers = archive ? EventTimeIndex.open(dir, readOnly) : null;
            final long last = opened.lastIndex();
            queue = opened;
            timeIndex = index;
            eventTimes = outliers;
            this.readOnly = readOnly;
            // an existing queue keeps the roll cycle it was created with
            this.rollCycle = queue.rollCycle();
            if (last >= 0) {
                durablePosition = last;
                try (ArchiveReader reader = reader()) {
                    lastTime = reader.timeAt(last);
                    if (outliers != null && !readOnly) {
                        completeEventTimes(reader, outliers, hadOutliers, last);
                    }
                }
            }
        } catch (Throwable e) {
            if (index != null) {
                index.close();
            }
            if (outliers != null) {
                outliers.close();
            }
            if (opened != null) {
                opened.close();
            }
            closeQuietly(lockChannel);
            if (deniedAccess(e)) {
                throw new IllegalStateException("Chronicle Queue needs these JVM flags (the router.jvm.flags of "
                    + "pom.xml): " + REQUIRED_JVM_FLAGS, e);
            }
            final Throwable fault = e instanceof InternalError ? e
                : e.getCause() instanceof InternalError ? e.getCause() : null;
            if (fault != null) {
                // Chronicle maps its files: an index or header pointing past a file (full disk, corrupt file) faults,
                // sometimes inside its own wrapper (a store header read while a tailer opens)
                throw new CorruptArchiveException(dir.toString(), -1, "cannot open: " + fault.getMessage(), e);
            }
            throw e;
        }
        writingTime = lastTime == Long.MIN_VALUE ? 0 : lastTime;
    }

    /** The JVM flags Chronicle Queue 2026.4 needs on JDK 17 and later (the same as {@code router.jvm.flags}). */
    public static final String REQUIRED_JVM_FLAGS = "-Dchronicle.analytics.disable=true"
        + " --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED"
        + " --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED"
        + " --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED"
        + " --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
        + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED"
        + " --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
        + " --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";

    /** @return whether a throwable comes from the module system refusing Chronicle's reflective access. */
    private static boolean deniedAccess(final Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IllegalAccessException || t instanceof IllegalAccessError
                || t instanceof java.lang.reflect.InaccessibleObjectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes the directory's writer lock: two writers (two processes, or two archives or queues of one process) on
     * one directory interleave their entries and break time-ranged reads. The lock is the OS's, so a writer killed
     * with SIGKILL releases it.
     *
     * @throws IllegalStateException when another writer holds it.
     */
    private static java.nio.channels.FileChannel lockWriter(final Path dir) {
        java.nio.channels.FileChannel channel = null;
        try {
            java.nio.file.Files.createDirectories(dir);
            channel = java.nio.channels.FileChannel.open(dir.resolve(WRITER_LOCK),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException(dir + " is already open for writing (by another process, or by "
                    + "another archive or queue of this one): one writer per directory");
            }
            return channel;
        } catch (java.io.IOException e) {
            closeQuietly(channel);
            throw new java.io.UncheckedIOException(dir + ": cannot take the writer lock: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(final java.nio.channels.FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (java.io.IOException ignored) {
                // nothing held: the lock goes with the channel
            }
        }
    }

    /**
     * Brings the event-time index up to date when opening for writing: an archive written before the index existed
     * is scanned once; otherwise only the last entry can lack its record (the process died between the two writes).
     */
    private static void completeEventTimes(final ArchiveReader reader, final EventTimeIndex outliers,
                                           final boolean existed, final long last) {
        if (existed) {
            if (outliers.lastPosition() < last && reader.readAt(last)) {
                indexEventTime(outliers, reader);
            }
            return;
        }
        reader.rewind();
        while (reader.next()) {
            indexEventTime(outliers, reader);
        }
    }

    private static void indexEventTime(final EventTimeIndex outliers, final ArchiveReader reader) {
        final long eventTime = EventTimes.find(reader.bytes(), 0, reader.length());
        if (EventTimeIndex.isOutlier(eventTime, reader.timeMillis())) {
            outliers.add(eventTime, reader.index());
        }
    }

    /** Opens (or creates) an archive directory for appending, rolling daily. */
    public static ArchiveStore open(final Path dir) {
        return new ArchiveStore(dir, RollCycles.FAST_DAILY, false, true);
    }

    /**
     * Opens (or creates) a log of messages that are not events (a durable queue's): as an archive, without the
     * event-time index.
     */
    public static ArchiveStore openLog(final Path dir) {
        return new ArchiveStore(dir, RollCycles.FAST_DAILY, false, false);
    }

    /**
     * Opens an existing archive directory for reading only (tools).
     *
     * @throws IllegalArgumentException when the directory does not exist or holds no archive.
     */
    public static ArchiveStore openReadOnly(final Path dir) {
        return openReadOnly(dir, RollCycles.FAST_DAILY);
    }

    /** As {@link #openReadOnly(Path)}, for a reader that knows the archive's roll cycle (tests use short ones). */
    public static ArchiveStore openReadOnly(final Path dir, final RollCycle rollCycle) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such directory");
        }
        if (!java.nio.file.Files.exists(dir.resolve("metadata.cq4t"))) {
            throw new IllegalArgumentException(dir + ": not an archive (no metadata.cq4t)");
        }
        return new ArchiveStore(dir, rollCycle, true, true);
    }

    /** @return whether a directory holds an archive. */
    public static boolean isArchive(final Path dir) {
        return java.nio.file.Files.exists(dir.resolve("metadata.cq4t"));
    }

    /** Opens (or creates) an archive directory for appending with this roll cycle (short ones for tests). */
    public static ArchiveStore open(final Path dir, final RollCycle rollCycle) {
        return new ArchiveStore(dir, rollCycle, false, true);
    }

    /**
     * Appends an event. Allocation-free in steady state.
     *
     * @param ingestionTimeMillis when the bus accepted it.
     * @param event               the envelope bytes.
     * @param offset              first byte.
     * @param length              byte count.
     * @return the event's position (its queue index), durable against a process crash once this returns.
     */
    public long append(final long ingestionTimeMillis, final byte[] event, final int offset, final int length) {
        if (appender == null) {
            if (readOnly) {
                throw new IllegalStateException("archive " + queue.fileAbsolutePath() + " is open read-only");
            }
            // created on the appending thread: Chronicle appenders belong to one thread
            appender = queue.createAppender();
        }
        final long time = Math.max(ingestionTimeMillis, lastTime);
        writingTime = time;
        try (DocumentContext document = appender.writingDocument()) {
            try {
                final Bytes<?> bytes = document.wire().bytes();
                bytes.writeLong(time);
                bytes.write(event, offset, length);
            } catch (Throwable e) {
                // an entry that could not be written whole (too large, disk full) must not be left behind
                document.rollbackOnClose();
                throw e;
            }
        }
        lastTime = time;
        final long index = appender.lastIndexAppended();
        timeIndex.onAppend(time, index);
        if (eventTimes != null) {
            final long eventTime = EventTimes.find(event, offset, length);
            if (EventTimeIndex.isOutlier(eventTime, time)) {
                eventTimes.add(eventTime, index);
            }
        }
        durablePosition = index;
        return index;
    }

    /** @return the queue's directory, for messages. */
    public String path() {
        return queue.fileAbsolutePath();
    }

    /**
     * @return the position of the last appended event: after a crash, every event at or before it is readable;
     *         -1 when empty.
     */
    public long durablePosition() {
        return durablePosition;
    }

    /**
     * Lets another thread append from now on: Chronicle appenders check that one thread uses them; a caller that
     * hands the store between threads under its own lock calls this after taking it.
     */
    public void handOverAppender() {
        if (appender != null) {
            appender.singleThreadedCheckReset();
        }
    }

    /** @return a reader positioned at the start (confined to the calling thread; close it). */
    public ArchiveReader reader() {
        return new ArchiveReader(queue.createTailer(), this);
    }

    RollCycle rollCycle() {
        return rollCycle;
    }

    SingleChronicleQueue queue() {
        return queue;
    }

    /** @return the next existing cycle at or after {@code cycle}, or -1 ({@code probe} is moved). */
    int existingCycleFrom(final int cycle, final ExcerptTailer probe) {
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first < 0 || cycle > last) {
            return -1;
        }
        if (cycle <= first) {
            return first;
        }
        try {
            if (probe.moveToCycle(cycle)) {
                return cycle;
            }
            final int next = queue.nextCycle(cycle, TailerDirection.FORWARD);
            return next < 0 ? -1 : next;
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("archive " + queue.fileAbsolutePath() + ": unreadable cycle file name", e);
        }
    }

    /**
     * Deletes whole roll-cycle files whose every possible event is older than {@code cutoffMillis}, never the
     * cycle being written.
     *
     * @return how many cycle files were deleted.
     */
    public int deleteCyclesBefore(final long cutoffMillis) {
        // a cycle goes when it ends at or before the cutoff
        return deleteCycleFilesBefore(queue, (int) Math.min(Integer.MAX_VALUE,
            (cutoffMillis / rollCycle.lengthInMillis())));
    }

    /**
     * Deletes a queue's cycle files before {@code cycle}, never its last one (the appender's).
     *
     * @return how many files were deleted.
     */
    public static int deleteCycleFilesBefore(final net.openhft.chronicle.queue.impl.single.SingleChronicleQueue queue,
                                             final int cycle) {
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first < 0) {
            return 0;
        }
        final java.time.format.DateTimeFormatter names = java.time.format.DateTimeFormatter
            .ofPattern(queue.rollCycle().format()).withZone(java.time.ZoneOffset.UTC);
        final long length = queue.rollCycle().lengthInMillis();
        int deleted = 0;
        for (int c = first; c < Math.min(cycle, last); c++) {
            if (new java.io.File(queue.file(), names.format(java.time.Instant.ofEpochMilli(c * length)) + ".cq4")
                .delete()) {
                deleted++;
            }
        }
        if (deleted > 0) {
            queue.refreshDirectoryListing();
        }
        return deleted;
    }

    /** @return the directory. */
    public Path dir() {
        return queue.file().toPath();
    }

    /** @return the archive time of the first event, or -1 when empty. */
    public long firstTime() {
        final long first = queue.firstIndex();
        if (first < 0 || first == Long.MAX_VALUE) {
            return -1;
        }
        try (ArchiveReader reader = reader()) {
            return reader.timeAt(first);
        }
    }

    /** @return the archive time of the last event, or -1 when empty. */
    public long lastTime() {
        return lastTime == Long.MIN_VALUE ? -1 : lastTime;
    }

    /** @return how many events the archive holds (counted per cycle by the queue's index, not by reading them). */
    public long eventCount() {
        final long first = queue.firstIndex();
        final long last = queue.lastIndex();
        if (last < 0 || first == Long.MAX_VALUE) {
            return 0;
        }
        return queue.countExcerpts(first, last) + 1;
    }

    /** @return the event-time outliers, or {@code null} (a queue's log, or an archive written before them). */
    EventTimeIndex eventTimes() {
        return eventTimes;
    }

    /** @return this archive's sparse time index, or {@code null} for an archive written without one. */
    TimeIndex timeIndex() {
        return timeIndex;
    }

    @Override
    public void close() {
        if (eventTimes != null) {
            eventTimes.close();
        }
        if (timeIndex != null) {
            timeIndex.close();
        }
        if (appender != null) {
            appender.close();
        }
        queue.close();
        closeQuietly(lockChannel);
    }
}
