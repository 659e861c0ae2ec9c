package dev.eventrouter.bus;

import java.util.SplittableRandom;

/** Where event ids come from; injected so that tests are deterministic. */
@FunctionalInterface
public interface EventIdSource {
    /** @return a new event id (a UUID in canonical form). */
    String next();

    /**
     * Random version-4 UUIDs from a seeded generator (not SecureRandom: ids must be unique, not unguessable).
     * Not thread-safe; use one per thread.
     */
    static EventIdSource random(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        return () -> {
            final long high = (random.nextLong() & 0xFFFF_FFFF_FFFF_0FFFL) | 0x0000_0000_0000_4000L;
            final long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
            return new java.util.UUID(high, low).toString();
        };
    }
}
