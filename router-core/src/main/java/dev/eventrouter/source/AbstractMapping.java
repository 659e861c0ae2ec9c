package dev.eventrouter.source;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What stream and queue mappings share: settings, filters, counters readable from any thread, enable and delete.
 * Stepped by a {@link Poller}'s thread.
 */
public abstract sealed class AbstractMapping implements Poller.Stepped permits EventSourceMapping, QueueMapping {
    final Poller poller;
    final MappingConfig config;
    /** FilterCriteria, or {@code null} when everything passes. */
    final RecordFilter filter;
    final AtomicLong batches = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    final AtomicLong filtered = new AtomicLong();
    final AtomicLong failedBatches = new AtomicLong();
    private volatile boolean enabled = true;
    private volatile boolean deleted;

    AbstractMapping(final Poller poller, final MappingConfig config, final RecordFilter.Key filterKey) {
        this.poller = poller;
        this.config = config;
        filter = RecordFilter.of(config.filterPatterns(), filterKey);
    }

    /** @return the settings. */
    public final MappingConfig config() {
        return config;
    }

    /** @return batches delivered (for a queue with ReportBatchItemFailures, also those delivered in part). */
    public final long batches() {
        return batches.get();
    }

    /** @return records delivered. */
    public final long records() {
        return records.get();
    }

    /** @return records skipped by the filters (committed, or deleted from a queue, without delivery). */
    public final long filtered() {
        return filtered.get();
    }

    /** @return batch attempts that failed (a stream retries them; a queue lets their messages come back). */
    public final long failedBatches() {
        return failedBatches.get();
    }

    /** Stops (false) or resumes (true) polling; what is buffered stays buffered. */
    public final void enabled(final boolean value) {
        enabled = value;
    }

    /** @return whether it polls. */
    public final boolean enabled() {
        return enabled;
    }

    /**
     * Deletes the mapping: the poller drops it at its next duty cycle. A stream's checkpoints stay where they are (a
     * mapping added again under the same name resumes there); a queue's received, undelivered messages come back
     * after their visibility timeout.
     */
    public final void delete() {
        deleted = true;
    }

    @Override
    public final boolean deleted() {
        return deleted;
    }

    /** Poller thread (or a stopped poller): @return whether nothing read is unfinished. */
    public abstract boolean idle();
}
