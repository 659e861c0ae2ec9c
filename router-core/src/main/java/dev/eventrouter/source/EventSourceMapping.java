package dev.eventrouter.source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One event-source mapping over a partitioned source (a stream): reads each partition in order, skips records that
 * match none of its filters, and gathers batches. Each partition has ParallelizationFactor lanes; a record goes to
 * the lane of its key, so order is kept per key while up to that many batches of the partition are in flight (with
 * an {@link AsyncBatchHandler}) or waiting to be retried. A lane's batch is released when it holds
 * {@code BatchSize} records, when the next record would take it over the payload limit, or when its batching window
 * (started by its first record) expires, whichever comes first. A failed batch is retried after a second, keeping
 * its lane's order, by its {@link FailurePolicy} (retry and age limits, bisection, partial results, on-failure
 * destination). The checkpoint is the position before which every record is finished (delivered, filtered or given
 * up), so a restart delivers again at most what was in flight. Stepped by a {@link Poller}'s thread; counters are
 * readable from any thread.
 */
public final class EventSourceMapping extends AbstractMapping {
    static final long RETRY_DELAY_MILLIS = 1_000;
    /** Bounds one partition's turn when filters reject what is read (the other partitions wait for it). */
    private static final int MAX_POLLS_PER_READ = 16;

    private final PartitionedSource source;
    private final CheckpointStore checkpoints;
    private final BatchHandler handler;
    private final AsyncBatchHandler asyncHandler;
    /** With TumblingWindowInSeconds: the handler, and the windows' length; otherwise null and 0. */
    private final WindowedBatchHandler windowHandler;
    private final long windowMillis;
    private final Partition[] partitions;
    private final AtomicLong discarded = new AtomicLong();
    private final AtomicLong destinationFailures = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();

    /** Per-partition state; poller thread only. */
    private static final class Partition {
        final int index;
        final Lane[] lanes;
        final List<SourceRecord> scratch = new ArrayList<>();
        /** The position after the last record read from the source. */
        long next;
        /** The last checkpoint saved. */
        long committed;
        /** Records read and not finished, over all lanes. */
        int queued;
        /**
         * Positions read for delivery and not yet behind the checkpoint, oldest first: the read window. Reading stops
         * while it holds ParallelizationFactor x BatchSize records, so no lane runs more than that ahead of the
         * checkpoint and a restart delivers again at most that many records (one batch per lane).
         */
        final org.agrona.collections.LongArrayQueue window = new org.agrona.collections.LongArrayQueue();
        /** Tumbling windows: the open window's start ({@link Long#MIN_VALUE}: none), its state, its first record. */
        long windowStart = Long.MIN_VALUE;
        String state = EMPTY_STATE;
        long windowFirst = Long.MAX_VALUE;
        /** Tumbling windows: a failed final call is tried again from this time. */
        long finalRetryAt;
        /** Whether this reader owns the partition (always, unless the source assigns partitions). */
        boolean owned = true;
        /** Counts revocations: an answer for a batch released in an earlier ownership is ignored. */
        int epoch;

        Partition(final int index, final int lanes) {
            this.index = index;
            this.lanes = new Lane[lanes];
            for (int i = 0; i < lanes; i++) {
                this.lanes[i] = new Lane();
            }
        }
    }

    /** The records of some keys of a partition, in order: the batch, then what waits behind it. */
    private static final class Lane {
        /** Replaced, not cleared, when the partition is revoked with it in flight: its handler may still read it. */
        Batch batch = new Batch();
        final ArrayDeque<SourceRecord> pending = new ArrayDeque<>();
        boolean retrying;
        /** Failed attempts of the current batch that count towards MaximumRetryAttempts (splits do not). */
        int attempts;
        /** Times the handler was called with records of the current batch (for approximateInvokeCount). */
        int invocations;
    }

    EventSourceMapping(final Poller poller, final MappingConfig config, final PartitionedSource source,
                       final CheckpointStore checkpoints, final BatchHandler handler,
                       final AsyncBatchHandler asyncHandler) {
        this(poller, config, source, checkpoints, handler, asyncHandler, null);
    }

    EventSourceMapping(final Poller poller, final MappingConfig config, final PartitionedSource source,
                       final CheckpointStore checkpoints, final BatchHandler handler,
                       final AsyncBatchHandler asyncHandler, final WindowedBatchHandler windowHandler) {
        super(poller, config, source.filterKey());
        if (config.tumblingWindowSeconds() > 0 && windowHandler == null) {
            throw new IllegalArgumentException("TumblingWindowInSeconds=" + config.tumblingWindowSeconds()
                + ": a mapping with tumbling windows needs a WindowedBatchHandler (Poller.addWindowed)");
        }
        if (windowHandler != null && config.tumblingWindowSeconds() == 0) {
            throw new IllegalArgumentException("TumblingWindowInSeconds=0: a WindowedBatchHandler needs tumbling "
                + "windows");
        }
        if (windowHandler != null && config.parallelizationFactor() != 1) {
            throw new IllegalArgumentException("ParallelizationFactor=" + config.parallelizationFactor()
                + ": a mapping with tumbling windows keeps one lane per partition, so each window's calls are in "
                + "order");
        }
        this.source = source;
        this.checkpoints = checkpoints;
        this.handler = handler;
        this.asyncHandler = asyncHandler;
        this.windowHandler = windowHandler;
        windowMillis = config.tumblingWindowSeconds() * 1_000L;
        if (source.assignsPartitions() && config.parallelizationFactor() != 1) {
            throw new IllegalArgumentException("ParallelizationFactor=" + config.parallelizationFactor()
                + ": not for a source whose partitions are assigned by a consumer group (Lambda takes it for Kinesis "
                + "and DynamoDB only)");
        }
        if (source.assignsPartitions() && windowHandler != null) {
            throw new IllegalArgumentException("TumblingWindowInSeconds=" + config.tumblingWindowSeconds()
                + ": not for a source whose partitions are assigned by a consumer group (Lambda takes it for Kinesis "
                + "and DynamoDB only)");
        }
        partitions = new Partition[source.partitions()];
        for (int p = 0; p < partitions.length; p++) {
            final Partition partition = new Partition(p, config.parallelizationFactor());
            partitions[p] = partition;
            if (source.assignsPartitions()) {
                partition.owned = false;   // until the source assigns it
            } else {
                resume(partition);
            }
        }
        source.listen(new PartitionedSource.Ownership() {
            @Override
            public void assigned(final int partition) {
                final Partition assigned = partitions[partition];
                if (!assigned.owned) {
                    assigned.owned = true;
                    resume(assigned);
                }
            }

            @Override
            public void revoked(final int partition) {
                abandon(partitions[partition]);
            }
        });
    }

    /** Reads the partition from its checkpoint, or from the starting position when it has none. */
    private void resume(final Partition partition) {
        final long saved = checkpoints.load(config.name(), partition.index);
        partition.next = saved >= 0 ? saved
            : source.startPosition(partition.index, config.startingPosition(), config.startingTimestampMillis());
        partition.committed = partition.next;
    }

    /**
     * The partition was taken away: drops what was read of it and not finished (its next owner delivers it again from
     * the checkpoint); an answer still to come for a batch in flight is ignored.
     */
    private void abandon(final Partition partition) {
        if (!partition.owned) {
            return;
        }
        partition.owned = false;
        partition.epoch++;
        long dropped = 0;
        for (Lane lane : partition.lanes) {
            dropped += lane.batch.records.size() + lane.pending.size();
            lane.batch.cancelTimer(poller);
            if (lane.batch.inFlight) {
                lane.batch = new Batch();   // the handler may still read the old one's records
            } else {
                lane.batch.clear();
            }
            lane.pending.clear();
            lane.retrying = false;
            lane.attempts = 0;
            lane.invocations = 0;
        }
        abandoned.addAndGet(dropped);
        partition.queued = 0;
        partition.window.clear();
        partition.scratch.clear();
    }

    @Override
    public int doWork(final long now) {
        if (!enabled()) {
            source.stopped();
            return 0;
        }
        int work = source.doWork();
        for (Partition partition : partitions) {
            if (!partition.owned) {
                continue;
            }
            work += read(partition);
            if (windowHandler != null) {
                work += closeEndedWindow(partition, now);
            }
            for (Lane lane : partition.lanes) {
                final Batch batch = lane.batch;
                if (batch.inFlight) {
                    continue;
                }
                if (!lane.retrying) {
                    work += gather(lane);
                }
                if (batch.isEmpty()) {
                    continue;
                }
                if (lane.retrying ? batch.due : batch.ready(config.batchSize(), config.maximumBatchingWindowMillis())) {
                    work += release(partition, lane);
                } else if (!lane.retrying) {
                    batch.armWindow(poller, config.maximumBatchingWindowMillis());
                }
            }
        }
        return work;
    }

    /**
     * Reads what the lanes have room for (ParallelizationFactor x BatchSize records per partition); filtered records
     * leave their room to the next ones (up to
     * {@value #MAX_POLLS_PER_READ} polls a turn).
     */
    private int read(final Partition partition) {
        final int capacity = config.parallelizationFactor() * config.batchSize();
        final List<SourceRecord> scratch = partition.scratch;
        boolean skipped = false;
        int read = 0;
        for (int polls = 0; polls < MAX_POLLS_PER_READ && partition.window.size() < capacity; polls++) {
            scratch.clear();
            if (source.poll(partition.index, partition.next, capacity - partition.window.size(), scratch) == 0) {
                break;
            }
            for (int i = 0; i < scratch.size(); i++) {
                final SourceRecord record = scratch.get(i);
                partition.next = record.position() + 1;
                if (filter != null && !filter.passes(record.data())) {
                    filtered.incrementAndGet();
                    skipped = true;
                    continue;
                }
                partition.window.addLong(record.position());   // filtered records are never delivered again
                partition.lanes[laneOf(record.key())].pending.addLast(record);
                partition.queued++;
            }
            read += scratch.size();
        }
        scratch.clear();
        if (skipped) {
            commit(partition);
        }
        return read;
    }

    private int laneOf(final String key) {
        final int lanes = config.parallelizationFactor();
        if (lanes == 1 || key == null) {
            return 0;
        }
        final int h = key.hashCode() * 0x9E3779B9;
        return (int) (((h ^ (h >>> 16)) & 0xFFFF_FFFFL) % lanes);
    }

    /** Moves waiting records into the lane's batch while they fit. */
    private int gather(final Lane lane) {
        final Batch batch = lane.batch;
        int moved = 0;
        while (!lane.pending.isEmpty() && batch.records.size() < config.batchSize()) {
            final SourceRecord record = lane.pending.peekFirst();
            if (!batch.fits(record, config.payloadLimitBytes()) || windowHandler != null && !batch.isEmpty()
                && windowOf(record) != windowOf(batch.records.get(0))) {   // a batch holds one window
                batch.full = true;
                break;
            }
            batch.add(lane.pending.pollFirst());
            moved++;
        }
        return moved;
    }

    private int release(final Partition partition, final Lane lane) {
        final Batch batch = lane.batch;
        if (windowHandler != null) {
            return releaseWindowed(partition, lane);
        }
        batch.cancelTimer(poller);
        if (asyncHandler == null) {
            List<Long> failed = null;
            Throwable error = null;
            try {
                failed = handler.onBatch(partition.index, batch.records);
            } catch (Exception | LinkageError | AssertionError e) {
                error = e;
            }
            completed(partition, lane, failed, error);
            return 1;
        }
        batch.inFlight = true;
        final CompletionStage<List<Long>> answer;
        try {
            answer = asyncHandler.onBatch(partition.index, batch.records);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            completed(partition, lane, null, e);
            return 1;
        }
        final int epoch = partition.epoch;
        answer.whenComplete((failed, error) -> poller.complete(() -> {
            if (partition.epoch == epoch) {   // else the partition was revoked meanwhile: its next owner retries it
                completed(partition, lane, failed, error);
            }
        }));
        return 1;
    }

    // ---- tumbling windows -----------------------------------------------------------------------------------

    /** The state a window starts with. */
    static final String EMPTY_STATE = "{}";
    /** Lambda ends a window early when its state exceeds 1 MB per shard. */
    static final int MAX_STATE_BYTES = 1024 * 1024;

    private long windowOf(final SourceRecord record) {
        return Math.floorDiv(record.timestampMillis(), windowMillis) * windowMillis;
    }

    /**
     * A batch of one window: the open window's final call first when the batch is of a later one, then the call
     * with the window's state; the answer's state becomes the window's (also when it names failed records: the
     * function accounted for the others). A state over 1 MB ends the window early.
     */
    private int releaseWindowed(final Partition partition, final Lane lane) {
        final Batch batch = lane.batch;
        final long start = windowOf(batch.records.get(0));
        if (partition.windowStart != Long.MIN_VALUE && partition.windowStart != start) {
            if (poller.now() < partition.finalRetryAt || !finalCall(partition, false)) {
                return 0;   // the batch waits for the open window's final call
            }
        }
        batch.cancelTimer(poller);
        if (partition.windowStart == Long.MIN_VALUE) {
            partition.windowStart = start;
            partition.windowFirst = batch.records.get(0).position();
            partition.state = EMPTY_STATE;
        }
        WindowedBatchHandler.Result result = null;
        Throwable error = null;
        try {
            result = windowHandler.onWindowBatch(partition.index, new WindowedBatchHandler.TimeWindow(start,
                start + windowMillis, partition.state, false, false), batch.records);
            if (result == null || result.state() == null) {
                error = new IllegalStateException("the answer has no state (a function with tumbling windows must "
                    + "return one)");
            }
        } catch (Exception | LinkageError | AssertionError e) {
            error = e;
        }
        if (error != null) {
            completed(partition, lane, null, error);
            return 1;
        }
        partition.state = result.state();
        final boolean tooLarge = result.state().length() > MAX_STATE_BYTES / 4
            && result.state().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_STATE_BYTES;
        completed(partition, lane, result.batchItemFailures(), null);
        if (tooLarge && partition.windowStart == start) {
            // isWindowTerminatedEarly: the final call now; the window goes on with a fresh state
            if (!finalCall(partition, true)) {
                partition.finalRetryAt = poller.now() + RETRY_DELAY_MILLIS;
            }
        }
        return 1;
    }

    /** Hands over the open window's final state when its time is up and none of its records wait. */
    private int closeEndedWindow(final Partition partition, final long now) {
        if (partition.windowStart == Long.MIN_VALUE || now < partition.windowStart + windowMillis
            || now < partition.finalRetryAt) {
            return 0;
        }
        final Lane lane = partition.lanes[0];
        if (lane.batch.inFlight || !lane.batch.isEmpty() && windowOf(lane.batch.records.get(0)) == partition.windowStart
            || !lane.pending.isEmpty() && windowOf(lane.pending.peekFirst()) == partition.windowStart) {
            return 0;
        }
        finalCall(partition, false);
        return 1;
    }

    /**
     * The final call of the open window, without records. Until it succeeds the partition goes no further: "if the
     * invocation fails, your Lambda function suspends further processing until a successful invocation".
     *
     * @param early the state grew too large: the window continues with a fresh state.
     * @return whether it succeeded.
     */
    private boolean finalCall(final Partition partition, final boolean early) {
        final long start = partition.windowStart;
        String why;
        try {
            final WindowedBatchHandler.Result result = windowHandler.onWindowBatch(partition.index,
                new WindowedBatchHandler.TimeWindow(start, start + windowMillis, partition.state, true, early),
                List.of());
            why = result == null || result.state() == null ? "the answer has no state" : null;
        } catch (Exception | LinkageError | AssertionError e) {
            why = e.toString();
        }
        if (why != null) {
            failedBatches.incrementAndGet();
            partition.finalRetryAt = poller.now() + RETRY_DELAY_MILLIS;
            return false;
        }
        partition.finalRetryAt = 0;
        partition.state = EMPTY_STATE;
        if (early) {
            final Lane lane = partition.lanes[0];
            partition.windowFirst = !lane.batch.isEmpty() ? lane.batch.records.get(0).position()
                : !lane.pending.isEmpty() ? lane.pending.peekFirst().position() : partition.next;
        } else {
            partition.windowStart = Long.MIN_VALUE;
            partition.windowFirst = Long.MAX_VALUE;
        }
        commit(partition);
        return true;
    }

    /** Poller thread: the handler answered for the lane's batch. */
    private void completed(final Partition partition, final Lane lane, final List<Long> failed, final Throwable error) {
        if (deleted()) {
            // a deleted mapping saves nothing: a new mapping of the same name resumes from the last real checkpoint
            return;
        }
        final Batch batch = lane.batch;
        batch.inFlight = false;
        if (error != null) {
            failed(partition, lane, -1, error.toString());
            return;
        }
        // without ReportBatchItemFailures a returned list means nothing: the batch succeeded unless the handler threw
        if (failed != null && !failed.isEmpty() && config.failurePolicy().reportBatchItemFailures()) {
            long lowest = Long.MAX_VALUE;
            for (Long position : failed) {
                if (position == null || !batch.contains(position)) {
                    failed(partition, lane, -1, "batchItemFailures names " + position
                        + ", not a position of the batch");
                    return;
                }
                lowest = Math.min(lowest, position);
            }
            failed(partition, lane, lowest, "batchItemFailures from " + lowest);
            return;
        }
        batches.incrementAndGet();
        records.addAndGet(batch.records.size());
        finish(partition, lane);
    }

    /** The lane's batch is done (delivered or given up): the lane takes its next batch. */
    private void finish(final Partition partition, final Lane lane) {
        partition.queued -= lane.batch.records.size();
        lane.batch.clear();
        lane.retrying = false;
        lane.attempts = 0;
        lane.invocations = 0;
        commit(partition);
    }

    /** Saves the position before which every record of the partition is finished, when it moved. */
    private void commit(final Partition partition) {
        if (deleted()) {
            return;
        }
        long low = partition.next;
        for (Lane lane : partition.lanes) {
            if (!lane.batch.isEmpty()) {
                low = Math.min(low, lane.batch.records.get(0).position());
            } else if (!lane.pending.isEmpty()) {
                low = Math.min(low, lane.pending.peekFirst().position());
            }
        }
        while (!partition.window.isEmpty() && partition.window.peekLong() < low) {
            partition.window.pollLong();
        }
        // tumbling windows: never past the open window's first record, so a restart rebuilds its state from there
        low = Math.min(low, partition.windowFirst);
        if (low > partition.committed) {
            partition.committed = low;
            checkpoints.save(config.name(), partition.index, low);
        }
    }

    /**
     * A failed attempt: finishes what succeeded before {@code firstFailed} (partial results), then gives the batch up
     * (on-failure destination) when its retries or its age are exhausted, else bisects it if asked and retries it
     * after the delay.
     */
    private void failed(final Partition partition, final Lane lane, final long firstFailed, final String error) {
        failedBatches.incrementAndGet();
        final long now = poller.now();
        final FailurePolicy policy = config.failurePolicy();
        final Batch batch = lane.batch;
        final List<SourceRecord> batchRecords = batch.records;
        if (firstFailed >= 0) {
            int succeeded = 0;
            while (batchRecords.get(succeeded).position() < firstFailed) {
                succeeded++;
            }
            if (succeeded > 0) {
                records.addAndGet(succeeded);
                partition.queued -= succeeded;
                batchRecords.subList(0, succeeded).clear();
                commit(partition);
            }
        }
        lane.invocations++;
        // a split is not a retry: only failures of a batch that is not split count towards MaximumRetryAttempts
        final boolean bisect = policy.bisectBatchOnFunctionError() && firstFailed < 0 && batchRecords.size() > 1;
        if (!bisect) {
            lane.attempts++;
        }
        final String condition = !bisect && policy.maximumRetryAttempts() >= 0
            && lane.attempts > policy.maximumRetryAttempts()
            ? "RetryAttemptsExhausted"
            : policy.maximumRecordAgeMillis() >= 0
                && now - batchRecords.get(0).timestampMillis() > policy.maximumRecordAgeMillis()
                ? "RecordAgeExceeded" : null;
        if (condition != null && giveUp(partition, lane, condition, error)) {
            return;
        }
        if (bisect) {
            final int half = batchRecords.size() / 2;
            for (int i = batchRecords.size() - 1; i >= half; i--) {
                lane.pending.addFirst(batchRecords.get(i));
            }
            batchRecords.subList(half, batchRecords.size()).clear();
        }
        batch.recount();
        batch.full = true;
        lane.retrying = true;
        batch.dueAt(poller, now + RETRY_DELAY_MILLIS);
    }

    /**
     * Reports the batch to the on-failure destination and finishes it. A destination that throws keeps the batch: it
     * is retried (handler, then destination) after the retry delay, so nothing is dropped unreported.
     *
     * @return whether the batch was given up.
     */
    private boolean giveUp(final Partition partition, final Lane lane, final String condition, final String error) {
        final List<SourceRecord> batchRecords = lane.batch.records;
        final FailurePolicy policy = config.failurePolicy();
        if (policy.onFailure() != null) {
            try {
                final SourceRecord first = batchRecords.get(0);
                final SourceRecord last = batchRecords.get(batchRecords.size() - 1);
                policy.onFailure().onFailure(new FailurePolicy.FailedBatch(config.name(), partition.index,
                    first.position(), last.position(), batchRecords.size(), condition, error, lane.invocations,
                    first.timestampMillis(), last.timestampMillis(), source.arn()),
                    java.util.Collections.unmodifiableList(batchRecords));
            } catch (RuntimeException e) {
                destinationFailures.incrementAndGet();
                return false;
            }
        }
        discarded.addAndGet(batchRecords.size());
        finish(partition, lane);
        return true;
    }

    /** @return records given up (reported to the on-failure destination, or dropped without one). */
    public long discarded() {
        return discarded.get();
    }

    /**
     * @return records read and dropped unfinished because their partition was revoked (a consumer group rebalance):
     *         the partition's next owner delivers them again from the checkpoint.
     */
    public long abandoned() {
        return abandoned.get();
    }

    /** @return times the on-failure destination threw (its batch was kept and retried). */
    public long destinationFailures() {
        return destinationFailures.get();
    }

    @Override
    public boolean idle() {
        for (Partition partition : partitions) {
            if (partition.queued > 0) {
                return false;
            }
        }
        return true;
    }
}
