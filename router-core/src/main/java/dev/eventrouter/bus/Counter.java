package dev.eventrouter.bus;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free counter: any thread may add, any thread may read. Single-writer counters use
 * {@link #incrementOrdered()}, a plain increment published with release semantics (no atomic instruction).
 */
final class Counter {
    private final AtomicLong value = new AtomicLong();

    /** Adds one from any thread. */
    void increment() {
        value.incrementAndGet();
    }

    /** Adds one; only for counters with a single writing thread. */
    void incrementOrdered() {
        value.lazySet(value.get() + 1);
    }

    /** Adds {@code delta} from any thread. */
    void add(final long delta) {
        value.addAndGet(delta);
    }

    /** @return the current value. */
    long get() {
        return value.get();
    }
}
