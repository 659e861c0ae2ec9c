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
 * injected clock; no thread or timer per mapping. Run it with an Agrona {@code AgentRunner}, or call
 * {@link #doWork()} from a test with a manual clock. Mappings may be added from any thread.
 */
public final class Poller implements Agent {
    private final EpochClock clock;
    private final DeadlineTimerWheel timers;
    private final Long2ObjectHashMap<Runnable> timerActions = new Long2ObjectHashMap<>();
    private final ManyToOneConcurrentLinkedQueue<EventSourceMapping> added = new ManyToOneConcurrentLinkedQueue<>();
    private final List<EventSourceMapping> mappings = new ArrayList<>();
    private final DeadlineTimerWheel.TimerHandler onExpiry = this::onTimerExpiry;

    /** @param clock the time of batching windows and retries. */
    public Poller(final EpochClock clock) {
        this.clock = clock;
        timers = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, clock.time(), 1, 1024);
    }

    /**
     * Adds a mapping; it starts at its checkpoints (or its starting position) on the next duty cycle.
     *
     * @throws dev.eventrouter.pattern.InvalidPatternException when a filter pattern is invalid, naming it.
     */
    public EventSourceMapping add(final MappingConfig config, final PartitionedSource source,
                                  final CheckpointStore checkpoints, final BatchHandler handler) {
        final EventSourceMapping mapping = new EventSourceMapping(config, source, checkpoints, handler);
        added.offer(mapping);
        return mapping;
    }

    @Override
    public int doWork() {
        EventSourceMapping mapping;
        while ((mapping = added.poll()) != null) {
            mappings.add(mapping);
        }
        final long now = clock.time();
        int work = 0;
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
            work += mappings.get(i).doWork(now, timers, timerActions);
        }
        return work;
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
