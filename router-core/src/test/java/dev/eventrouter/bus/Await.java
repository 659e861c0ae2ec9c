package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition another thread makes true; the bound only stops a broken test from hanging. */
public final class Await {
    private Await() {
    }

    public static void until(final BooleanSupplier condition, final String what) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("gave up waiting for: " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }
}
