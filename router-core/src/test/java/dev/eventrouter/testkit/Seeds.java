package dev.eventrouter.testkit;

import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Seeds for property tests: a fixed set that every run checks, plus one fresh seed per run, printed so that a
 * failure on it can be replayed. {@code -Deventrouter.seed=N} runs that seed alone. A failing try names its seed
 * and the try's index in the assertion message.
 *
 * <pre>
 * static LongStream seeds() { return Seeds.fixedAndRandom(1, 2, 3); }
 *
 * &#64;ParameterizedTest &#64;MethodSource("seeds")
 * void property(long seed) { Seeds.tries(seed, 1000, (gen, i) -&gt; { ... }); }
 * </pre>
 */
public final class Seeds {
    /** The system property that replaces every test's seed list with one seed. */
    public static final String PROPERTY = "eventrouter.seed";
    /** Multiplies tries (-Deventrouter.tries.factor=10 for a long run). */
    public static final String TRIES_FACTOR = "eventrouter.tries.factor";

    private static final long RUN_SEED = drawRunSeed();

    private Seeds() {
    }

    private static long drawRunSeed() {
        final long seed = System.nanoTime() ^ Double.doubleToLongBits(Math.random());
        System.out.println("property tests: this run's random seed is " + seed + " (replay with -D" + PROPERTY + "="
            + seed + ")");
        return seed;
    }

    /** The given seeds and this run's random one; only {@code -Deventrouter.seed} when that is set. */
    public static LongStream fixedAndRandom(final long... fixed) {
        final String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) {
            return LongStream.of(Long.parseLong(given.trim()));
        }
        final long[] all = Arrays.copyOf(fixed, fixed.length + 1);
        all[fixed.length] = RUN_SEED;
        return LongStream.of(all);
    }

    /** A try of a property. */
    @FunctionalInterface
    public interface Try {
        void run(Gen gen, int index) throws Exception;
    }

    /**
     * Runs {@code tries} tries (times the tries factor), each with its own generator derived from the seed and the
     * index; a failure is rethrown naming both.
     */
    public static void tries(final long seed, final int tries, final Try body) {
        final int scaled = (int) Math.max(1, tries * Double.parseDouble(System.getProperty(TRIES_FACTOR, "1")));
        for (int i = 0; i < scaled; i++) {
            final Gen gen = new Gen(mix(seed, i));
            try {
                body.run(gen, i);
            } catch (Throwable failure) {
                final AssertionError named = new AssertionError("property failed with seed " + seed + " at try " + i
                    + " (replay: -D" + PROPERTY + "=" + seed + "): " + failure.getMessage(), failure);
                throw named;
            }
        }
    }

    /** The generator seed of one try (SplitMix64 finaliser over seed and index). */
    public static long mix(final long seed, final int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
