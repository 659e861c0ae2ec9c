package dev.eventrouter.source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An event-source mapping over a {@link QueueSource}, as Lambda's SQS mappings behave: messages are received into a
 * batch (released on BatchSize, the payload limit or the batching window), messages that match none of the filters
 * are deleted unseen, a delivered batch is deleted, and a failed one is left alone: its messages come back after
 * the visibility timeout, and the queue's redrive policy moves those received too often to its dead-letter queue.
 * With ReportBatchItemFailures the handler returns the ids that failed and only those come back. With an
 * {@link AsyncBatchHandler}, up to MaximumConcurrency batches are in flight at once. Retry attempts,
 * record age, bisection, parallelization and an on-failure destination are stream settings and are refused. Stepped
 * by a {@link Poller}'s thread; counters are readable from any thread.
 */
public final class QueueMapping extends AbstractMapping {
    private final QueueSource queue;
    private final BatchHandler handler;
    private final AsyncBatchHandler asyncHandler;
    /** One batch per concurrent invocation: in flight, being gathered (at most one), or free. */
    private final Batch[] slots;
    private final ArrayDeque<SourceRecord> pending = new ArrayDeque<>();
    private final List<SourceRecord> scratch = new ArrayList<>();
    private final List<SourceRecord> unmatched = new ArrayList<>();
    private final AtomicLong failedRecords = new AtomicLong();

    /** The largest queue batch without a batching window (and a queue source's default BatchSize), as for SQS. */
    public static final int MAX_BATCH_WITHOUT_WINDOW = 10;

    QueueMapping(final Poller poller, final MappingConfig config, final QueueSource queue, final BatchHandler handler,
                 final AsyncBatchHandler asyncHandler, final int maximumConcurrency) {
        super(poller, refusingStreamSettings(config), RecordFilter.Key.BODY);
        if (maximumConcurrency < 1 || maximumConcurrency > 1000) {
            throw new IllegalArgumentException("ScalingConfig.MaximumConcurrency=" + maximumConcurrency
                + ": must be between 1 and 1000");
        }
        this.queue = queue;
        this.handler = handler;
        this.asyncHandler = asyncHandler;
        slots = new Batch[maximumConcurrency];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Batch();
        }
    }

    private static MappingConfig refusingStreamSettings(final MappingConfig config) {
        final FailurePolicy policy = config.failurePolicy();
        refuse(policy.maximumRetryAttempts() != -1, "MaximumRetryAttempts");
        refuse(policy.maximumRecordAgeMillis() != -1, "MaximumRecordAge");
        refuse(policy.bisectBatchOnFunctionError(), "BisectBatchOnFunctionError");
        refuse(policy.onFailure() != null, "DestinationConfig.OnFailure");
        refuse(config.parallelizationFactor() != 1, "ParallelizationFactor");
        refuse(config.startingPosition() != StartingPosition.TRIM_HORIZON, "StartingPosition");
        if (config.tumblingWindowSeconds() != 0) {
            throw new IllegalArgumentException("TumblingWindowInSeconds=" + config.tumblingWindowSeconds()
                + ": tumbling windows are for stream sources (Kinesis, DynamoDB Streams), not queues");
        }
        if (config.batchSize() > MAX_BATCH_WITHOUT_WINDOW && config.maximumBatchingWindowMillis() < 1_000) {
            // Lambda's CreateEventSourceMapping for SQS: "When you set BatchSize to a value greater than 10, you must
            // set MaximumBatchingWindowInSeconds to at least 1."
            throw new IllegalArgumentException("BatchSize=" + config.batchSize() + ": a queue source takes more than "
                + MAX_BATCH_WITHOUT_WINDOW + " records a batch only with a MaximumBatchingWindow of at least 1 s, got "
                + config.maximumBatchingWindowMillis() + " ms");
        }
        return config;
    }

    private static void refuse(final boolean set, final String setting) {
        if (set) {
            throw new IllegalArgumentException(setting + ": not supported for queue sources (retries and dead "
                + "letters come from the queue's visibility timeout and redrive policy)");
        }
    }

    @Override
    public int doWork(final long now) {
        if (!enabled()) {
            return 0;
        }
        final Batch batch = gathering();
        if (batch == null) {
            return 0;  // every slot is in flight
        }
        int work = receive(batch);
        while (!pending.isEmpty() && batch.records.size() < config.batchSize()) {
            if (!batch.fits(pending.peekFirst(), config.payloadLimitBytes())) {
                batch.full = true;
                break;
            }
            batch.add(pending.pollFirst());
            work++;
        }
        if (batch.isEmpty()) {
            return work;
        }
        if (batch.ready(config.batchSize(), config.maximumBatchingWindowMillis())) {
            release(batch);
            work++;
        } else {
            batch.armWindow(poller, config.maximumBatchingWindowMillis());
        }
        return work;
    }

    /**
     * @return the batch being gathered (at most one slot that is not in flight holds records), else the first free
     *     slot, or {@code null} when every slot is in flight.
     */
    private Batch gathering() {
        Batch free = null;
        for (Batch slot : slots) {
            if (!slot.inFlight) {
                if (!slot.isEmpty()) {
                    return slot;
                }
                if (free == null) {
                    free = slot;
                }
            }
        }
        return free;
    }

    /** Receives what the batch has room for; deletes what the filters reject. */
    private int receive(final Batch batch) {
        final int room = config.batchSize() - batch.records.size() - pending.size();
        if (room <= 0 || batch.full) {
            return 0;
        }
        scratch.clear();
        final int received = queue.receive(room, scratch);
        for (int i = 0; i < scratch.size(); i++) {
            final SourceRecord message = scratch.get(i);
            if (filter != null && !filter.passes(message.data())) {
                unmatched.add(message);
            } else {
                pending.addLast(message);
            }
        }
        scratch.clear();
        if (!unmatched.isEmpty()) {
            filtered.addAndGet(unmatched.size());
            queue.delete(unmatched);
            unmatched.clear();
        }
        return received;
    }

    private void release(final Batch batch) {
        batch.cancelTimer(poller);
        if (asyncHandler == null) {
            List<Long> failed = null;
            Throwable error = null;
            try {
                failed = handler.onBatch(0, batch.records);
            } catch (Exception | LinkageError | AssertionError e) {
                error = e;
            }
            completed(batch, failed, error);
            return;
        }
        batch.inFlight = true;
        final CompletionStage<List<Long>> answer;
        try {
            answer = asyncHandler.onBatch(0, batch.records);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            completed(batch, null, e);
            return;
        }
        answer.whenComplete((failed, error) -> poller.complete(() -> completed(batch, failed, error)));
    }

    /** Poller thread: deletes what was delivered; what failed comes back after its visibility timeout. */
    private void completed(final Batch batch, final List<Long> failed, final Throwable error) {
        final List<SourceRecord> messages = batch.records;
        if (error != null) {
            failedBatch(messages.size());
        } else if (failed == null || failed.isEmpty()) {
            batches.incrementAndGet();
            records.addAndGet(messages.size());
            queue.delete(messages);
        } else if (config.failurePolicy().reportBatchItemFailures() && allInBatch(batch, failed)) {
            final Set<Long> failedIds = new HashSet<>(failed);
            final List<SourceRecord> succeeded = new ArrayList<>(messages.size());
            for (SourceRecord message : messages) {
                if (!failedIds.contains(message.position())) {
                    succeeded.add(message);
                }
            }
            batches.incrementAndGet();
            records.addAndGet(succeeded.size());
            failedRecords.addAndGet(failedIds.size());
            queue.delete(succeeded);
        } else {
            failedBatch(messages.size());  // an id not in the batch, or partial results not enabled: all come back
        }
        batch.clear();
        batch.inFlight = false;
    }

    private void failedBatch(final int size) {
        failedBatches.incrementAndGet();
        failedRecords.addAndGet(size);
    }

    private static boolean allInBatch(final Batch batch, final List<Long> ids) {
        for (Long id : ids) {
            if (id == null || !batch.contains(id)) {
                return false;
            }
        }
        return true;
    }

    /** @return messages left to come back after a failure (whole or partial). */
    public long failedRecords() {
        return failedRecords.get();
    }

    @Override
    public boolean idle() {
        for (Batch slot : slots) {
            if (!slot.isEmpty()) {
                return false;
            }
        }
        return pending.isEmpty();
    }
}
