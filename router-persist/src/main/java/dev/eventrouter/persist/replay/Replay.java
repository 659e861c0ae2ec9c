package dev.eventrouter.persist.replay;

import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.ReplayFilter;
import dev.eventrouter.bus.Router;
import dev.eventrouter.persist.archive.ArchiveReader;
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
    private volatile ReplayState state = ReplayState.STARTING;
    private volatile String reason;
    private volatile long eventsReplayed;
    private volatile long lastReplayedEventTime = -1;
    private volatile boolean cancelRequested;
    private ArchiveStore store;
    private ArchiveReader reader;
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
        return state;
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

    /** Asks the replay to stop; it moves to CANCELLING, then CANCELLED at its next step. */
    public void cancel() {
        cancelRequested = true;
        if (!state.isFinal()) {
            state = ReplayState.CANCELLING;
        }
    }

    /** Agent thread: one step. @return work done (for the idle strategy). */
    int step(final EpochClock clock) {
        try {
            if (cancelRequested) {
                finish(ReplayState.CANCELLED, null);
                return 1;
            }
            if (state == ReplayState.STARTING) {
                start(clock);
                return 1;
            }
            return replay(clock);
        } catch (RuntimeException e) {
            finish(ReplayState.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
            return 1;
        }
    }

    private void start(final EpochClock clock) {
        if (!java.nio.file.Files.isDirectory(spec.archiveDir())) {
            throw new IllegalStateException("archive directory " + spec.archiveDir() + " does not exist");
        }
        bus = router.eventBus(spec.eventBus());
        store = ArchiveStore.open(spec.archiveDir(), rollCycle);
        reader = store.reader();
        reader.seek(spec.startMillis());
        filter = router.replayFilter(spec.rules());
        startedAtMillis = clock.time();
        state = ReplayState.RUNNING;
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
        if (!reader.next() || reader.timeMillis() >= spec.endMillis()) {
            return false;
        }
        int size = ReplayNames.inject(prefix, reader.bytes(), reader.length(), pending);
        if (size < 0) {
            pending = new byte[Math.max(-size, pending.length * 2)];
            size = ReplayNames.inject(prefix, reader.bytes(), reader.length(), pending);
        }
        pendingLength = size;
        pendingTime = reader.timeMillis();
        if (firstEventTime < 0) {
            firstEventTime = pendingTime;
        }
        return true;
    }

    private void finish(final ReplayState end, final String why) {
        reason = why;
        if (reader != null) {
            reader.close();
        }
        if (store != null) {
            store.close();
        }
        if (filter != null) {
            router.releaseReplayFilter(filter);
        }
        state = end;
    }

    @Override
    public String toString() {
        return "Replay{" + spec.name() + " " + state + " replayed=" + eventsReplayed
            + (reason == null ? "" : " reason=" + reason) + "}";
    }
}
