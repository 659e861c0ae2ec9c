package dev.eventrouter.persist.replay;

import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.ReplayFilter;
import dev.eventrouter.bus.Router;
import dev.eventrouter.persist.archive.EventTimeReader;
import dev.eventrouter.persist.archive.ArchiveStore;
import net.openhft.chronicle.queue.RollCycle;
import org.agrona.concurrent.EpochClock;

/**
 * One replay as an explicit state machine, stepped by the {@link ReplayAgent}'s duty cycle: never a thread of its
 * own. Progress and state are published for any thread to read; everything else belongs to the agent's thread.
 * Each replayed event gets a top-level {@code "replay-name"} field (written first) and reaches only the replay's
 * rules.
 */
public final class Replay {
    private static final int EVENTS_PER_STEP = 256;

    private final ReplaySpec spec;
    private final Router router;
    private final RollCycle rollCycle;
    private final byte[] prefix;
    private final java.util.concurrent.atomic.AtomicReference<ReplayState> state =
        new java.util.concurrent.atomic.AtomicReference<>(ReplayState.STARTING);
    /** Test seam: runs in {@link #cancel()} between reading the state and changing it. */
    Runnable beforeCancelTransition;
    private volatile String reason;
    private volatile long eventsReplayed;
    private volatile long lastReplayedEventTime = -1;
    private volatile boolean cancelRequested;
    private ArchiveStore store;
    private EventTimeReader reader;
    private EventBus bus;
    private ReplayFilter filter;
    private byte[] pending = new byte[2048];
    private int pendingLength = -1;
    private long pendingTime;
    private long firstEventTime = -1;
    private long startedAtMillis;

    Replay(final ReplaySpec spec, final Router router, final RollCycle rollCycle) {
        this.spec = spec;
        this.router = router;
        this.rollCycle = rollCycle;
        prefix = ReplayNames.prefix(spec.name());
    }

    /** @return the request. */
    public ReplaySpec spec() {
        return spec;
    }

    /** @return the current state. */
    public ReplayState state() {
        return state.get();
    }

    /** @return why the replay failed, or {@code null}. */
    public String reason() {
        return reason;
    }

    /** @return events replayed so far. */
    public long eventsReplayed() {
        return eventsReplayed;
    }

    /** @return the archive time of the last replayed event, or -1. */
    public long lastReplayedEventTime() {
        return lastReplayedEventTime;
    }

    /**
     * Asks the replay to stop; it moves to CANCELLING, then CANCELLED at its next step. A replay that has ended stays
     * as it ended (the change is a compare-and-set: a replay finishing at the same moment is never turned back into
     * a CANCELLING one that no step would ever end).
     */
    public void cancel() {
        cancelRequested = true;
        while (true) {
            final ReplayState current = state.get();
            if (current.isFinal() || current == ReplayState.CANCELLING) {
                return;
            }
            final Runnable seam = beforeCancelTransition;
            if (seam != null) {
                seam.run();
            }
            if (state.compareAndSet(current, ReplayState.CANCELLING)) {
                return;
            }
        }
    }

    /** Agent thread: one step. @return work done (for the idle strategy). */
    int step(final EpochClock clock) {
        try {
            if (cancelRequested) {
                finish(ReplayState.CANCELLED, null);
                return 1;
            }
            if (state.get() == ReplayState.STARTING) {
                start(clock);
                return 1;
            }
            return replay(clock);
        } catch (Throwable e) {
            // Errors too (Chronicle reports a full disk as InternalError): the replay fails, the agent goes on
            finish(ReplayState.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
            return 1;
        }
    }

    private void start(final EpochClock clock) {
        if (!java.nio.file.Files.isDirectory(spec.archiveDir())) {
            throw new IllegalStateException("archive directory " + spec.archiveDir() + " does not exist");
        }
        bus = router.eventBus(spec.eventBus());
        store = ArchiveStore.openReadOnly(spec.archiveDir(), rollCycle);   // a replay never writes
        reader = new EventTimeReader(store, spec.startMillis(), spec.endMillis());
        filter = router.replayFilter(spec.rules());
        startedAtMillis = clock.time();
        state.compareAndSet(ReplayState.STARTING, ReplayState.RUNNING);   // unless cancelled meanwhile
    }

    private int replay(final EpochClock clock) {
        int done = 0;
        while (done < EVENTS_PER_STEP) {
            if (pendingLength < 0 && !load()) {
                finish(ReplayState.COMPLETED, null);
                return done + 1;
            }
            if (spec.speed() > 0 && clock.time() < startedAtMillis
                + (long) ((pendingTime - firstEventTime) / spec.speed())) {
                return done;
            }
            if (!bus.publishReplay(pending, 0, pendingLength, filter)) {
                return done;
            }
            eventsReplayed = eventsReplayed + 1;
            lastReplayedEventTime = pendingTime;
            pendingLength = -1;
            done++;
        }
        return done;
    }

    /** Reads the next event in range into {@code pending}, with the replay-name prefix. @return false at the end. */
    private boolean load() {
        int size;
        try {
            if (!reader.next()) {
                return false;
            }
            size = ReplayNames.inject(prefix, reader.bytes(), reader.length(), pending);
            if (size < 0) {
                pending = new byte[Math.max(-size, pending.length * 2)];
                size = ReplayNames.inject(prefix, reader.bytes(), reader.length(), pending);
            }
        } catch (InternalError e) {
            throw reader.corruption(e);   // next()'s fault, delivered late (ArchiveReader.corruption)
        }
        pendingLength = size;
        pendingTime = reader.timeMillis();
        if (firstEventTime < 0) {
            firstEventTime = pendingTime;
        }
        return true;
    }

    private void finish(final ReplayState end, final String why) {
        if (state.get().isFinal()) {
            return;
        }
        reason = why;
        try {
            if (reader != null) {
                reader.close();
            }
            if (store != null) {
                store.close();
            }
        } finally {
            if (filter != null) {
                router.releaseReplayFilter(filter);
            }
            state.set(end);   // the agent's thread is the only one that ends a replay
        }
    }

    @Override
    public String toString() {
        return "Replay{" + spec.name() + " " + state + " replayed=" + eventsReplayed
            + (reason == null ? "" : " reason=" + reason) + "}";
    }
}
