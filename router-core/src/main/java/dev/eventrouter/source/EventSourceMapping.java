package dev.eventrouter.source;

import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * One event-source mapping: reads a partitioned source, skips records that match none of its filters, and releases
 * a batch per partition when it holds {@code BatchSize} records, when the next record would take it over the
 * payload limit, or when its batching window (started by its first record) expires, whichever comes first. A
 * successful batch commits the position after its last record; a failed one is retried after a second, keeping the
 * partition's order, by its {@link FailurePolicy} (retry and age limits, bisection, partial results, on-failure
 * destination). Stepped by a {@link Poller}'s thread; counters are readable from any thread.
 */
public final class EventSourceMapping {
    static final long RETRY_DELAY_MILLIS = 1_000;

    private final MappingConfig config;
    private final PartitionedSource source;
    private final CheckpointStore checkpoints;
    private final BatchHandler handler;
    private final EventMatcher filter;
    private final Partition[] partitions;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong filtered = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private final AtomicLong discarded = new AtomicLong();
    private volatile boolean enabled = true;

    /** Per-partition state; poller thread only. */
    private static final class Partition {
        final int index;
        final List<SourceRecord> buffer = new ArrayList<>();
        final ArrayDeque<SourceRecord> pending = new ArrayDeque<>();
        final List<SourceRecord> scratch = new ArrayList<>();
        long next;
        long bufferBytes;
        long timerId = DeadlineTimerWheel.NULL_DEADLINE;
        boolean due;
        boolean full;
        boolean retrying;
        int attempts;
        /** What the partition's timer does when it expires: allocated once, not per window. */
        final Runnable markDue = () -> due = true;

        Partition(final int index) {
            this.index = index;
        }
    }

    EventSourceMapping(final MappingConfig config, final PartitionedSource source, final CheckpointStore checkpoints,
                       final BatchHandler handler) {
        this.config = config;
        this.source = source;
        this.checkpoints = checkpoints;
        this.handler = handler;
        filter = config.filterPatterns().isEmpty() ? null : new EventMatcher(compile(config));
        partitions = new Partition[source.partitions()];
        for (int p = 0; p < partitions.length; p++) {
            final Partition partition = new Partition(p);
            final long saved = checkpoints.load(config.name(), p);
            partition.next = saved >= 0 ? saved
                : source.startPosition(p, config.startingPosition(), config.startingTimestampMillis());
            partitions[p] = partition;
        }
    }

    private static MatchAutomaton compile(final MappingConfig config) {
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final List<RuleCompiler.Rule> rules = new ArrayList<>();
        for (int i = 0; i < config.filterPatterns().size(); i++) {
            try {
                rules.add(new RuleCompiler.Rule("filter" + i, parser.parse(config.filterPatterns().get(i))));
            } catch (InvalidPatternException e) {
                throw e.inRule("FilterCriteria.Filters[" + i + "]");
            }
        }
        return new RuleCompiler(PatternLimits.DEFAULT).compile(rules);
    }

    /** Poller thread: one pass over every partition. @return work done. */
    int doWork(final long now, final DeadlineTimerWheel timers, final Long2ObjectHashMap<Runnable> timerActions) {
        if (!enabled) {
            return 0;
        }
        int work = 0;
        for (Partition partition : partitions) {
            work += fill(partition);
            if (partition.buffer.isEmpty()) {
                continue;
            }
            if (partition.timerId == DeadlineTimerWheel.NULL_DEADLINE && config.maximumBatchingWindowMillis() > 0
                && !partition.due) {
                final long id = timers.scheduleTimer(now + config.maximumBatchingWindowMillis());
                partition.timerId = id;
                timerActions.put(id, partition.markDue);
            }
            if (partition.retrying ? partition.due : partition.full || partition.due
                || config.maximumBatchingWindowMillis() == 0 || partition.buffer.size() >= config.batchSize()) {
                work += release(partition, now, timers, timerActions);
            }
        }
        return work;
    }

    private int fill(final Partition partition) {
        if (partition.retrying) {
            return 0;  // the failed batch is retried as it is (or as its first half)
        }
        if (partition.pending.isEmpty() && partition.buffer.size() < config.batchSize() && !partition.full) {
            partition.scratch.clear();
            source.poll(partition.index, partition.next, config.batchSize() - partition.buffer.size(),
                partition.scratch);
            partition.pending.addAll(partition.scratch);
        }
        int moved = 0;
        boolean skippedAtFront = false;
        while (!partition.pending.isEmpty() && partition.buffer.size() < config.batchSize()) {
            final SourceRecord record = partition.pending.peekFirst();
            if (!passes(record)) {
                partition.pending.pollFirst();
                partition.next = record.position() + 1;
                filtered.incrementAndGet();
                skippedAtFront |= partition.buffer.isEmpty();
                moved++;
                continue;
            }
            if (!partition.buffer.isEmpty() && partition.bufferBytes + record.data().length > config.payloadLimitBytes()) {
                partition.full = true;
                break;
            }
            partition.pending.pollFirst();
            partition.buffer.add(record);
            partition.bufferBytes += record.data().length;
            partition.next = record.position() + 1;
            moved++;
        }
        if (skippedAtFront && partition.buffer.isEmpty()) {
            checkpoints.save(config.name(), partition.index, partition.next);
        }
        return moved;
    }

    private boolean passes(final SourceRecord record) {
        if (filter == null) {
            return true;
        }
        try {
            return filter.match(record.data(), 0, record.data().length, rule -> { }) > 0;
        } catch (MalformedEventException e) {
            return false;
        }
    }

    private int release(final Partition partition, final long now, final DeadlineTimerWheel timers,
                        final Long2ObjectHashMap<Runnable> timerActions) {
        if (partition.timerId != DeadlineTimerWheel.NULL_DEADLINE) {
            timers.cancelTimer(partition.timerId);
            timerActions.remove(partition.timerId);
            partition.timerId = DeadlineTimerWheel.NULL_DEADLINE;
        }
        final FailurePolicy policy = config.failurePolicy();
        final List<Long> failed;
        try {
            failed = handler.onBatch(partition.index, partition.buffer);
        } catch (Exception | LinkageError | AssertionError e) {
            return failed(partition, now, timers, timerActions, -1, e.toString());
        }
        if (failed != null && !failed.isEmpty()) {
            long lowest = Long.MAX_VALUE;
            for (Long position : failed) {
                if (position == null || !contains(partition.buffer, position)) {
                    return failed(partition, now, timers, timerActions, -1,
                        "batchItemFailures names " + position + ", not a position of the batch");
                }
                lowest = Math.min(lowest, position);
            }
            if (policy.reportBatchItemFailures()) {
                return failed(partition, now, timers, timerActions, lowest, "batchItemFailures from " + lowest);
            }
            return failed(partition, now, timers, timerActions, -1, "the handler reported failed items");
        }
        batches.incrementAndGet();
        records.addAndGet(partition.buffer.size());
        finishBatch(partition);
        return 1;
    }

    /** Commits past the batch (and any records skipped after it) and makes the partition ready for the next one. */
    private void finishBatch(final Partition partition) {
        final SourceRecord last = partition.buffer.get(partition.buffer.size() - 1);
        checkpoints.save(config.name(), partition.index, Math.max(last.position() + 1, committedFloor(partition)));
        partition.buffer.clear();
        partition.bufferBytes = 0;
        partition.full = false;
        partition.due = false;
        partition.retrying = false;
        partition.attempts = 0;
    }

    private static boolean contains(final List<SourceRecord> batch, final long position) {
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).position() == position) {
                return true;
            }
        }
        return false;
    }

    /**
     * A failed attempt: commits what succeeded before {@code firstFailed} (partial results), then gives the batch up
     * (on-failure destination) when its retries or its age are exhausted, else bisects it if asked and retries after
     * the delay.
     */
    private int failed(final Partition partition, final long now, final DeadlineTimerWheel timers,
                       final Long2ObjectHashMap<Runnable> timerActions, final long firstFailed, final String error) {
        failedBatches.incrementAndGet();
        final FailurePolicy policy = config.failurePolicy();
        final List<SourceRecord> batch = partition.buffer;
        if (firstFailed >= 0) {
            int succeeded = 0;
            while (batch.get(succeeded).position() < firstFailed) {
                succeeded++;
            }
            if (succeeded > 0) {
                records.addAndGet(succeeded);
                batch.subList(0, succeeded).clear();
                checkpoints.save(config.name(), partition.index, firstFailed);
            }
        }
        partition.attempts++;
        final String condition = policy.maximumRetryAttempts() >= 0 && partition.attempts > policy.maximumRetryAttempts()
            ? "RetryAttemptsExhausted"
            : policy.maximumRecordAgeMillis() >= 0 && now - batch.get(0).timestampMillis() > policy.maximumRecordAgeMillis()
                ? "RecordAgeExceeded" : null;
        if (condition != null) {
            final SourceRecord first = batch.get(0);
            final SourceRecord last = batch.get(batch.size() - 1);
            discarded.addAndGet(batch.size());
            if (policy.onFailure() != null) {
                policy.onFailure().onFailure(new FailurePolicy.FailedBatch(config.name(), partition.index,
                    first.position(), last.position(), batch.size(), condition, error));
            }
            finishBatch(partition);
            return 1;
        }
        if (policy.bisectBatchOnFunctionError() && firstFailed < 0 && batch.size() > 1) {
            final List<SourceRecord> secondHalf = new ArrayList<>(batch.subList(batch.size() / 2, batch.size()));
            batch.subList(batch.size() / 2, batch.size()).clear();
            for (int i = secondHalf.size() - 1; i >= 0; i--) {
                partition.pending.addFirst(secondHalf.get(i));
            }
        }
        partition.bufferBytes = 0;
        for (SourceRecord record : batch) {
            partition.bufferBytes += record.data().length;
        }
        partition.full = true;
        partition.due = false;
        partition.retrying = true;
        final long id = timers.scheduleTimer(now + RETRY_DELAY_MILLIS);
        partition.timerId = id;
        timerActions.put(id, partition.markDue);
        return 1;
    }

    /** Records skipped after the batch's last one and before any pending one may be committed too. */
    private static long committedFloor(final Partition partition) {
        return partition.pending.isEmpty() ? partition.next : partition.pending.peekFirst().position();
    }

    /** @return the settings. */
    public MappingConfig config() {
        return config;
    }

    /** @return batches delivered successfully. */
    public long batches() {
        return batches.get();
    }

    /** @return records delivered successfully. */
    public long records() {
        return records.get();
    }

    /** @return records skipped by the filters (committed without delivery). */
    public long filtered() {
        return filtered.get();
    }

    /** @return batch attempts that failed (each retried). */
    public long failedBatches() {
        return failedBatches.get();
    }

    /** @return records given up (reported to the on-failure destination, or dropped without one). */
    public long discarded() {
        return discarded.get();
    }

    /** Stops (false) or resumes (true) polling; buffered records stay buffered. */
    public void enabled(final boolean value) {
        enabled = value;
    }
}
