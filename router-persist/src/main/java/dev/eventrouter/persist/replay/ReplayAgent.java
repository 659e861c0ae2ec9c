package dev.eventrouter.persist.replay;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * Runs every replay of a router on one duty-cycle thread, each as a {@link Replay} state machine stepped in turn,
 * with time from an injected clock (for paced replays). At most {@code maxConcurrent} replays run at once.
 *
 * <pre>{@code
 * try (ReplayAgent replays = ReplayAgent.start(router, clock, 10)) {
 *     Replay replay = replays.start(new ReplaySpec("r1", archiveDir, from, to, "orders", List.of(), 0));
 * }
 * }</pre>
 * Threading: {@link #start}, {@link #cancel}, {@link #describe} from any thread; replays step on the agent's
 * thread.
 */
public final class ReplayAgent implements Agent, AutoCloseable {
    /** EventBridge's default limit of concurrent replays. */
    public static final int DEFAULT_MAX_CONCURRENT = 10;

    private final Router router;
    private final EpochClock clock;
    private final int maxConcurrent;
    private final RollCycle rollCycle;
    private final Map<String, Replay> replays = new LinkedHashMap<>();
    private final ManyToOneConcurrentLinkedQueue<Replay> started = new ManyToOneConcurrentLinkedQueue<>();
    private final List<Replay> running = new ArrayList<>();
    private AgentRunner runner;

    private ReplayAgent(final Router router, final EpochClock clock, final int maxConcurrent,
                        final RollCycle rollCycle) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent=" + maxConcurrent + ": must be at least 1");
        }
        this.router = router;
        this.clock = clock;
        this.maxConcurrent = maxConcurrent;
        this.rollCycle = rollCycle;
    }

    /** Starts the agent's thread for archives rolling daily. */
    public static ReplayAgent start(final Router router, final EpochClock clock, final int maxConcurrent) {
        return start(router, clock, maxConcurrent, RollCycles.FAST_DAILY);
    }

    /** Starts the agent's thread for archives with this roll cycle. */
    public static ReplayAgent start(final Router router, final EpochClock clock, final int maxConcurrent,
                                    final RollCycle rollCycle) {
        final ReplayAgent agent = new ReplayAgent(router, clock, maxConcurrent, rollCycle);
        agent.runner = new AgentRunner(new BackoffIdleStrategy(10, 10, 10_000, 1_000_000),
            Throwable::printStackTrace, null, agent);
        AgentRunner.startOnThread(agent.runner);
        return agent;
    }

    /**
     * Starts a replay.
     *
     * @throws IllegalArgumentException when the name is in use.
     * @throws IllegalStateException    when {@code maxConcurrent} replays are already running.
     */
    public synchronized Replay start(final ReplaySpec spec) {
        if (replays.containsKey(spec.name())) {
            throw new dev.eventrouter.bus.ResourceExistsException("replay " + spec.name() + " already exists");
        }
        final long active = replays.values().stream().filter(r -> !r.state().isFinal()).count();
        if (active >= maxConcurrent) {
            throw new IllegalStateException("replay " + spec.name() + ": " + active
                + " replays are running; at most " + maxConcurrent + " may run at once");
        }
        final Replay replay = new Replay(spec, router, rollCycle);
        replays.put(spec.name(), replay);
        started.offer(replay);
        return replay;
    }

    /**
     * StartReplay as a caller: authorized ({@code events:StartReplay}) on the destination bus, which must be the
     * caller's own or allow it in its policy (docs/accounts.md). A bus name is in the caller's account.
     *
     * @throws dev.eventrouter.auth.AccessDeniedException when not allowed.
     */
    public synchronized Replay start(final Principal caller, final ReplaySpec spec) {
        final String bus = router.as(caller).authorize("events:StartReplay", spec.eventBus()).arn();
        return start(spec.onBus(bus));
    }

    /** CancelReplay as a caller: authorized ({@code events:CancelReplay}) on the replay's destination bus. */
    public synchronized void cancel(final Principal caller, final String name) {
        final Replay replay = describe(name);
        router.as(caller).authorize("events:CancelReplay", replay.spec().eventBus());
        replay.cancel();
    }

    /** Cancels a replay. @throws IllegalArgumentException when there is no such replay. */
    public synchronized void cancel(final String name) {
        describe(name).cancel();
    }

    /** @return the replay. @throws IllegalArgumentException when there is no such replay. */
    public synchronized Replay describe(final String name) {
        final Replay replay = replays.get(name);
        if (replay == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("replay " + name + " does not exist");
        }
        return replay;
    }

    /** @return every replay, in start order. */
    public synchronized List<Replay> list() {
        return new ArrayList<>(replays.values());
    }

    @Override
    public int doWork() {
        int work = 0;
        Replay replay;
        while ((replay = started.poll()) != null) {
            running.add(replay);
        }
        for (int i = 0; i < running.size(); i++) {
            work += running.get(i).step(clock);
        }
        running.removeIf(r -> r.state().isFinal());
        return work;
    }

    @Override
    public String roleName() {
        return "eventrouter-replay";
    }

    /** Stops the thread; replays still running are cancelled. */
    @Override
    public void close() {
        list().forEach(Replay::cancel);
        runner.close();
        running.forEach(r -> r.step(clock));
    }
}
