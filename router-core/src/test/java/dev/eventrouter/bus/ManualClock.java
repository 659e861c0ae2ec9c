package dev.eventrouter.bus;

import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.EpochClock;

/**
 * A clock tests move by hand, visible to the router's threads (Agrona's CachedEpochClock reads a plain field, which
 * a spinning agent may never re-read).
 */
public final class ManualClock implements EpochClock {
    private final AtomicLong millis = new AtomicLong();

    @Override
    public long time() {
        return millis.get();
    }

    public void update(final long value) {
        millis.set(value);
    }

    public void advance(final long delta) {
        millis.addAndGet(delta);
    }
}
