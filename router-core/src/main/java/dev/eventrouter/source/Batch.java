package dev.eventrouter.source;

import java.util.ArrayList;
import java.util.List;
import org.agrona.DeadlineTimerWheel;

/**
 * A batch being gathered: its records, their size, its window timer and why it may be released. Shared by stream
 * and queue mappings; poller thread only.
 */
final class Batch {
    final List<SourceRecord> records = new ArrayList<>();
    long bytes;
    long timerId = DeadlineTimerWheel.NULL_DEADLINE;
    /** Its window (or retry delay) expired. */
    boolean due;
    /** The next record would take it over the payload limit. */
    boolean full;
    /** Handed to an asynchronous handler that has not answered yet. */
    boolean inFlight;
    /** What the timer does when it expires: allocated once, not per window. */
    final Runnable markDue = () -> {
        due = true;
        timerId = DeadlineTimerWheel.NULL_DEADLINE;  // expired: its id may be given to another timer
    };

    boolean isEmpty() {
        return records.isEmpty();
    }

    /** @return whether {@code record} fits under {@code limit} bytes (a batch always takes its first record). */
    boolean fits(final SourceRecord record, final int limit) {
        return records.isEmpty() || bytes + record.data().length <= limit;
    }

    void add(final SourceRecord record) {
        records.add(record);
        bytes += record.data().length;
    }

    /**
     * Starts the batching window at its first record, once; the clock is read now, not at the start of the duty
     * cycle (a record appended during a long cycle would otherwise get a window that began before it arrived).
     */
    void armWindow(final Poller poller, final long windowMillis) {
        if (timerId == DeadlineTimerWheel.NULL_DEADLINE && windowMillis > 0 && !due) {
            timerId = poller.schedule(poller.now() + windowMillis, markDue);
        }
    }

    /** Marks it due at {@code deadline} (a retry delay). */
    void dueAt(final Poller poller, final long deadline) {
        cancelTimer(poller);
        due = false;
        timerId = poller.schedule(deadline, markDue);
    }

    void cancelTimer(final Poller poller) {
        if (timerId != DeadlineTimerWheel.NULL_DEADLINE) {
            poller.cancel(timerId);
            timerId = DeadlineTimerWheel.NULL_DEADLINE;
        }
    }

    /** @return whether it is released now: full by count or bytes, its window expired, or no window at all. */
    boolean ready(final int batchSize, final long windowMillis) {
        return full || due || windowMillis == 0 || records.size() >= batchSize;
    }

    /** @return whether a record of the batch has this position (or message id). */
    boolean contains(final long position) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).position() == position) {
                return true;
            }
        }
        return false;
    }

    void recount() {
        bytes = 0;
        for (int i = 0; i < records.size(); i++) {
            bytes += records.get(i).data().length;
        }
    }

    void clear() {
        records.clear();
        bytes = 0;
        full = false;
        due = false;
    }
}
