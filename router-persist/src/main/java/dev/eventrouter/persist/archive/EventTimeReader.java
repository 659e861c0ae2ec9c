package dev.eventrouter.persist.archive;

/**
 * Reads the events of an archive whose own {@code time} is in {@code [from, to)}, in archive order: what a replay
 * selects. EventBridge replays "events that occurred between" EventStartTime and EventEndTime (StartReplay API
 * reference), so an event published with an explicit past Time is replayed with that time's range, not with the
 * range it was ingested in.
 *
 * <p>Cost: one {@linkplain ArchiveReader#seek seek} (logarithmic), a scan of the archive-time range widened by
 * {@link EventTimeIndex#WINDOW_MILLIS} on each side (every event whose time is within the window of its archive time
 * is there), and one positioned read for each recorded outlier in range; the outlier records themselves are read
 * once per replay. An event without a usable {@code time} is taken at its archive time. An archive opened read-only
 * that was written before the outlier index existed is read by the widened scan alone (outliers are indexed the
 * next time it is opened for writing). A flyweight like {@link ArchiveReader}; confined to one thread.
 */
public final class EventTimeReader implements AutoCloseable {
    private final ArchiveReader scan;
    private final ArchiveReader lookup;
    private final long from;
    private final long to;
    private final long scanEnd;
    private final long[] outliers;
    private final long scanStart;
    private static final int BEFORE = 0;
    private static final int SCAN = 1;
    private static final int AFTER = 2;
    private int nextOutlier;
    private int phase = BEFORE;
    private ArchiveReader current;
    private long eventTime;

    /**
     * @param store an archive (open for reading or writing).
     * @param from  the first event time selected, epoch milliseconds.
     * @param to    the first event time not selected.
     */
    public EventTimeReader(final ArchiveStore store, final long from, final long to) {
        this.from = from;
        this.to = to;
        scanEnd = to > Long.MAX_VALUE - EventTimeIndex.WINDOW_MILLIS ? Long.MAX_VALUE
            : to + EventTimeIndex.WINDOW_MILLIS;
        final EventTimeIndex index = store.eventTimes();
        outliers = index == null ? new long[0] : index.positionsBetween(from, to);
        scan = store.reader();
        ArchiveReader other = null;
        try {
            scan.seek(from < Long.MIN_VALUE + EventTimeIndex.WINDOW_MILLIS ? Long.MIN_VALUE
                : from - EventTimeIndex.WINDOW_MILLIS);
            scanStart = scan.nextPosition();
            other = store.reader();
        } catch (RuntimeException | Error e) {
            scan.close();
            throw e;
        }
        lookup = other;
    }

    /**
     * @return whether an event was read; {@code false} when no more are in range.
     * @throws CorruptArchiveException as {@link ArchiveReader#next()}.
     */
    public boolean next() {
        while (phase == BEFORE) {
            if (nextOutlier < outliers.length && outliers[nextOutlier] < scanStart) {
                if (readOutlier(outliers[nextOutlier++])) {
                    return true;
                }
            } else {
                phase = SCAN;
            }
        }
        while (phase == SCAN) {
            if (!scan.next()) {
                // every outlier left was inside the scanned range: the scan saw it
                skipOutliersBefore(Long.MAX_VALUE);
                phase = AFTER;
            } else if (scan.timeMillis() >= scanEnd) {
                skipOutliersBefore(scan.index());
                phase = AFTER;
            } else {
                final long time = timeOf(scan);
                if (time >= from && time < to) {
                    current = scan;
                    eventTime = time;
                    return true;
                }
            }
        }
        while (nextOutlier < outliers.length) {
            if (readOutlier(outliers[nextOutlier++])) {
                return true;
            }
        }
        return false;
    }

    private void skipOutliersBefore(final long position) {
        while (nextOutlier < outliers.length && outliers[nextOutlier] < position) {
            nextOutlier++;
        }
    }

    private boolean readOutlier(final long position) {
        if (!lookup.readAt(position)) {
            return false;   // deleted by retention
        }
        current = lookup;
        eventTime = timeOf(lookup);
        return true;
    }

    private static long timeOf(final ArchiveReader reader) {
        final long time = EventTimes.find(reader.bytes(), 0, reader.length());
        return time == EventTimes.NONE ? reader.timeMillis() : time;
    }

    /** @return the last event's bytes, from index 0 to {@link #length()}. */
    public byte[] bytes() {
        return current.bytes();
    }

    /** @return the last event's length. */
    public int length() {
        return current.length();
    }

    /** @return the last event's archive time (when it was archived). */
    public long timeMillis() {
        return current.timeMillis();
    }

    /** @return the last event's own time (its {@code time} member, or its archive time without one). */
    public long eventTimeMillis() {
        return eventTime;
    }

    /** @return the last event's position. */
    public long index() {
        return current.index();
    }

    /** @return a fault delivered late by a read ({@link ArchiveReader#corruption}). */
    public CorruptArchiveException corruption(final InternalError fault) {
        return (current == null ? scan : current).corruption(fault);
    }

    @Override
    public void close() {
        try {
            scan.close();
        } finally {
            lookup.close();
        }
    }
}
