package dev.eventrouter.source;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * The duty-cycle agent that runs event-source mappings: every mapping and partition is stepped in turn on one
 * thread, and every batching window and retry delay is a timer in one shared {@link DeadlineTimerWheel} driven by an
 * injected clock; no thread or timer per mapping. Asynchronous handlers answer through a queue that this thread
 * drains. Run it with an Agrona {@code AgentRunner}, or call {@link #doWork()} from a test with a manual clock.
 * Mappings may be added from any thread.
 */
public final class Poller implements Agent {
    private final EpochClock clock;
    private final DeadlineTimerWheel timers;
    private final Long2ObjectHashMap<Runnable> timerActions = new Long2ObjectHashMap<>();
    private final ManyToOneConcurrentLinkedQueue<Stepped> added = new ManyToOneConcurrentLinkedQueue<>();
    private final ManyToOneConcurrentLinkedQueue<Runnable> completions = new ManyToOneConcurrentLinkedQueue<>();
    private final List<Stepped> mappings = new ArrayList<>();
    private final DeadlineTimerWheel.TimerHandler onExpiry = this::onTimerExpiry;

    /** What the poller steps: a stream or a queue mapping. */
    interface Stepped {
        /** Poller thread. @return work done. */
        int doWork(long now);

        /** @return whether it was deleted (the poller drops it). */
        boolean deleted();
    }

    /** @param clock the time of batching windows and retries. */
    public Poller(final EpochClock clock) {
        this.clock = clock;
        timers = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, clock.time(), 1, 1024);
    }

    /**
     * Adds a mapping over a partitioned source with a handler called on this poller's thread; it starts at its
     * checkpoints (or its starting position) on the next duty cycle.
     *
     * @throws dev.eventrouter.pattern.InvalidPatternException when a filter pattern is invalid, naming it.
     */
    public EventSourceMapping add(final MappingConfig config, final PartitionedSource source,
                                  final CheckpointStore checkpoints, final BatchHandler handler) {
        return added(new EventSourceMapping(this, config, source, checkpoints, handler, null));
    }

    /**
     * As {@link #add}, for a mapping with tumbling windows (TumblingWindowInSeconds): each call gets one window's
     * records and state, and the window's final call hands over its final state (see {@link WindowedBatchHandler}).
     * Windows are aligned to their length by the records' arrival time; the checkpoint never passes the open
     * window's first record, so after a restart the window's records are delivered again from a fresh state.
     *
     * @throws IllegalArgumentException without a window, or with a ParallelizationFactor other than 1.
     */
    public EventSourceMapping addWindowed(final MappingConfig config, final PartitionedSource source,
                                          final CheckpointStore checkpoints, final WindowedBatchHandler handler) {
        return added(new EventSourceMapping(this, config, source, checkpoints, null, null, handler));
    }

    /** As {@link #add}, with a handler that answers later: up to ParallelizationFactor batches per partition. */
    public EventSourceMapping addAsync(final MappingConfig config, final PartitionedSource source,
                                       final CheckpointStore checkpoints, final AsyncBatchHandler handler) {
        return added(new EventSourceMapping(this, config, source, checkpoints, null, handler));
    }

    /**
     * Adds a mapping over a queue: delivered messages are deleted, failed ones come back after their visibility
     * timeout (the queue's redrive policy decides when they stop coming back).
     *
     * @throws IllegalArgumentException when the config sets stream-only settings, naming them.
     */
    public QueueMapping add(final MappingConfig config, final QueueSource queue, final BatchHandler handler) {
        return added(new QueueMapping(this, config, queue, handler, null, 1));
    }

    /**
     * As {@link #add(MappingConfig, QueueSource, BatchHandler)}, with a handler that answers later: up to
     * {@code maximumConcurrency} batches (ScalingConfig.MaximumConcurrency, 2-1,000, as the Lambda API allows) in
     * flight at once.
     */
    public QueueMapping addAsync(final MappingConfig config, final QueueSource queue, final AsyncBatchHandler handler,
                                 final int maximumConcurrency) {
        if (maximumConcurrency < 2 || maximumConcurrency > 1000) {
            // the Lambda API's ScalingConfig: "Minimum value of 2. Maximum value of 1000."
            throw new IllegalArgumentException("ScalingConfig.MaximumConcurrency=" + maximumConcurrency
                + ": must be between 2 and 1000");
        }
        return added(new QueueMapping(this, config, queue, null, handler, maximumConcurrency));
    }

    private <T extends Stepped> T added(final T mapping) {
        added.offer(mapping);
        return mapping;
    }

    @Override
    public int doWork() {
        Stepped mapping;
        while ((mapping = added.poll()) != null) {
            mappings.add(mapping);
        }
        final long now = clock.time();
        int work = 0;
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
            work++;
        }
        if (timers.timerCount() == 0) {
            timers.currentTickTime(now);
        } else {
            // the wheel moves at most one tick per poll: catch up to the tick that holds now
            while (timers.timerCount() > 0) {
                final long tickEnd = timers.currentTickTime();
                work += timers.poll(now, onExpiry, Integer.MAX_VALUE);
                if (timers.currentTickTime() == tickEnd) {
                    break;
                }
            }
        }
        for (int i = 0; i < mappings.size(); i++) {
            final Stepped m = mappings.get(i);
            if (m.deleted()) {
                mappings.remove(i--);
                continue;
            }
            work += m.doWork(now);
        }
        return work;
    }

    /** Poller thread: runs {@code action} on this thread when the clock reaches {@code deadline}. @return its id. */
    long schedule(final long deadline, final Runnable action) {
        final long id = timers.scheduleTimer(deadline);
        timerActions.put(id, action);
        return id;
    }

    /** Poller thread: cancels a timer from {@link #schedule}. */
    void cancel(final long timerId) {
        timers.cancelTimer(timerId);
        timerActions.remove(timerId);
    }

    /** Any thread: runs {@code completion} on the poller's thread at its next duty cycle. */
    void complete(final Runnable completion) {
        completions.offer(completion);
    }

    /** @return the poller's clock. */
    long now() {
        return clock.time();
    }

    private boolean onTimerExpiry(final TimeUnit unit, final long now, final long timerId) {
        final Runnable action = timerActions.remove(timerId);
        if (action != null) {
            action.run();
        }
        return true;
    }

    @Override
    public String roleName() {
        return "eventrouter-poller";
    }
}
