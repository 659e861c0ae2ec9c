package dev.eventrouter.bench;

import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;

/**
 * How late a batching window releases its batch: many mappings (default 100, each over its own source) share one
 * poller and its timer wheel on the system clock; a paced producer appends records stamped with {@code nanoTime} to
 * random mappings; BatchSize is large, so every batch is released by its window. Lateness is the release time minus
 * (the batch's first record's append time + the window): it includes the poll that saw the record and the wheel's
 * 1 ms tick. Usage: {@code WindowLatenessHarness [--mappings 100] [--window-ms 20] [--rate 10000] [--seconds 10]
 * [--idle backoff|busy]}. Target: p99 ≤ 1 ms.
 */
public final class WindowLatenessHarness {
    private WindowLatenessHarness() {
    }

    public static void main(final String[] args) throws Exception {
        int mappings = 100;
        long windowMs = 20;
        int rate = 10_000;
        double seconds = 10;
        String idle = "backoff";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--mappings" -> mappings = Integer.parseInt(args[i + 1]);
                case "--window-ms" -> windowMs = Long.parseLong(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--idle" -> idle = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        final Histogram lateness = new Histogram(60_000_000_000L, 3);
        final AtomicLong early = new AtomicLong();
        final AtomicLong earliest = new AtomicLong();
        final long windowNanos = windowMs * 1_000_000;
        final long warmUpEnd = System.nanoTime() + 2_000_000_000L;
        final Poller poller = new Poller(SystemEpochClock.INSTANCE);
        final InMemorySource[] sources = new InMemorySource[mappings];
        for (int m = 0; m < mappings; m++) {
            sources[m] = new InMemorySource(1);
            poller.add(MappingConfig.of("m" + m, 10_000, windowMs), sources[m], CheckpointStore.inMemory(),
                (partition, records) -> {
                    final long now = System.nanoTime();
                    final long due = ByteBuffer.wrap(records.get(0).data()).getLong() + windowNanos;
                    if (now >= warmUpEnd) {
                        if (now < due) {
                            // the window began at the poller's millisecond clock: up to 1 ms before the record
                            early.incrementAndGet();
                            earliest.accumulateAndGet(now - due, Math::min);
                        }
                        lateness.recordValue(Math.max(0, now - due));
                    }
                    return null;
                });
        }
        final IdleStrategy idleStrategy = idle.equals("busy") ? new BusySpinIdleStrategy()
            : new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        final AgentRunner runner = new AgentRunner(idleStrategy, Throwable::printStackTrace, null, poller);
        AgentRunner.startOnThread(runner);
        final SplittableRandom random = new SplittableRandom(7);
        final long interval = 1_000_000_000L / rate;
        final long end = System.nanoTime() + 2_000_000_000L + (long) (seconds * 1e9);
        long next = System.nanoTime();
        long appended = 0;
        while (next < end) {
            // sleep, then append every record that is due: the producer leaves the cores to the poller
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            final long now = System.nanoTime();
            while (next <= now) {
                final byte[] stamp = ByteBuffer.allocate(8).putLong(System.nanoTime()).array();
                sources[random.nextInt(mappings)].append(0, null, System.currentTimeMillis(), stamp);
                appended++;
                next += interval;
            }
        }
        final long drainUntil = System.nanoTime() + windowNanos * 3;
        while (System.nanoTime() < drainUntil) {
            LockSupport.parkNanos(1_000_000);
        }
        runner.close();
        final Histogram h = lateness;
        System.out.printf(Locale.ROOT, "window lateness (%d mappings, window %d ms, %,d records/s, idle %s): %,d "
                + "batches after warm-up (early ones count as 0); p50 %.0f us, p90 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us; "
                + "released early: %d (at most %.0f us)%n", mappings, windowMs, rate, idle, h.getTotalCount(),
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
            h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, early.get(), -earliest.get() / 1e3);
        System.out.printf(Locale.ROOT, "appended %,d records%n", appended);
    }
}
