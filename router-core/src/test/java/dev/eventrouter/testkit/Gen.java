package dev.eventrouter.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A seeded source of test data for property tests on plain JUnit 5: everything a generator draws comes from one
 * {@link Random}, so a seed reproduces the whole case. Small on purpose: choose, repeat, weigh.
 */
public final class Gen {
    private final Random random;

    public Gen(final long seed) {
        this.random = new Random(seed);
    }

    /** For library calls that take a Random (shuffles). */
    public Random random() {
        return random;
    }

    /** A uniform int in [min, max], both inclusive. */
    public int between(final int min, final int max) {
        return min + random.nextInt(max - min + 1);
    }

    public long nextLong() {
        return random.nextLong();
    }

    public double doubleBetween(final double min, final double max) {
        return min + random.nextDouble() * (max - min);
    }

    public boolean oneIn(final int n) {
        return random.nextInt(n) == 0;
    }

    public boolean chance(final double probability) {
        return random.nextDouble() < probability;
    }

    public <T> T pick(final List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    @SafeVarargs
    public final <T> T pick(final T... items) {
        return items[random.nextInt(items.length)];
    }

    /** One of the suppliers, uniformly, then called. */
    @SafeVarargs
    public final <T> T oneOf(final Supplier<? extends T>... choices) {
        return choices[random.nextInt(choices.length)].get();
    }

    /** {@code weigh(3, a, 1, b)}: a three times as often as b. Arguments alternate weight and supplier. */
    @SuppressWarnings("unchecked")
    public <T> T weigh(final Object... weightsAndChoices) {
        int total = 0;
        for (int i = 0; i < weightsAndChoices.length; i += 2) {
            total += (Integer) weightsAndChoices[i];
        }
        int draw = random.nextInt(total);
        for (int i = 0; i < weightsAndChoices.length; i += 2) {
            draw -= (Integer) weightsAndChoices[i];
            if (draw < 0) {
                return ((Supplier<T>) weightsAndChoices[i + 1]).get();
            }
        }
        throw new AssertionError("unreachable");
    }

    public <T> List<T> list(final int min, final int max, final Supplier<? extends T> element) {
        final int size = between(min, max);
        final List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(element.get());
        }
        return list;
    }

    /** Between min and max distinct items of the pool, in a random order. */
    public <T> List<T> distinct(final List<T> pool, final int min, final int max) {
        final List<T> shuffled = new ArrayList<>(pool);
        java.util.Collections.shuffle(shuffled, random);
        return new ArrayList<>(shuffled.subList(0, between(min, Math.min(max, pool.size()))));
    }

    public byte[] bytes(final int minLength, final int maxLength) {
        final byte[] bytes = new byte[between(minLength, maxLength)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A string of characters from the alphabet. */
    public String chars(final String alphabet, final int minLength, final int maxLength) {
        final int length = between(minLength, maxLength);
        final StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
