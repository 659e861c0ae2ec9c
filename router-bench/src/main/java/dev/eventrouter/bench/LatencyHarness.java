package dev.eventrouter.bench;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.ProducerMode;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.StageThreading;
import dev.eventrouter.event.SequencedEvents;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Publish-to-handler latency of the whole router, corrected for coordinated omission:
 *
 * <pre>
 *  paced publisher ──stamp seq, intended time──▶ router (1,000 rules + "probe") ──▶ probe target on the match
 *  thread: now − intended[seq] ──▶ HdrHistogram Recorder
 * </pre>
 * Phase 1 publishes unpaced to find the maximum rate; phase 2 publishes at a fraction of it (default 50%) on a fixed
 * schedule and measures every event from its intended send time, so a stall counts for every event it delays.
 * Usage: {@code LatencyHarness [--mode SINGLE_WRITER|MULTI_PRODUCER] [--threading THREAD_PER_STAGE|ONE_THREAD]
 * [--wait sleeping|yielding|busy] [--load 0.5] [--seconds 10]}.
 */
public final class LatencyHarness {
    private static final int DISTINCT = 10_000;
    private static final int SLOTS = 1 << 20;
    /** Longer gaps are slept through (leaving the core to the router) and the last stretch spun. */
    private static final long PARK_THRESHOLD_NANOS = 100_000;

    private final long[] intended = new long[SLOTS];
    private final Recorder recorder = new Recorder(60_000_000_000L, 3);

    private LatencyHarness() {
    }

    public static void main(final String[] args) {
        String wait = "sleeping";
        double load = 0.5;
        double seconds = 10;
        ProducerMode mode = ProducerMode.SINGLE_WRITER;
        StageThreading threading = StageThreading.ONE_THREAD;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--wait" -> wait = args[i + 1];
                case "--load" -> load = Double.parseDouble(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--mode" -> mode = ProducerMode.valueOf(args[i + 1]);
                case "--threading" -> threading = StageThreading.valueOf(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        new LatencyHarness().run(mode, threading, wait, load, seconds);
    }

    private void run(final ProducerMode mode, final StageThreading threading, final String wait, final double load,
                     final double seconds) {
        final RouterContext context = new RouterContext().producerMode(mode).stageThreading(threading);
        switch (wait) {
            case "sleeping" -> context.waitStrategy(new SleepingWaitStrategy())
                .ingestIdleStrategy(new BackoffIdleStrategy(100, 100, 1_000, 100_000));
            case "yielding" -> context.waitStrategy(new YieldingWaitStrategy())
                .ingestIdleStrategy(new YieldingIdleStrategy());
            case "busy" -> context.waitStrategy(new BusySpinWaitStrategy())
                .ingestIdleStrategy(new BusySpinIdleStrategy());
            default -> throw new IllegalArgumentException("--wait must be sleeping, yielding or busy");
        }
        final byte[][] events = SequencedEvents.generate(2026, DISTINCT);
        try (Router router = Router.start(context)) {
            SyntheticRules.generate(1_000, 7).forEach((name, pattern) -> {
                router.putRule(Rule.of(name, pattern));
                router.putTargets(null, name, List.of(Target.handler("noop", delivery -> { })));
            });
            router.putRule(Rule.of("probe", "{\"type\":[\"Feature\"]}"));
            router.putTargets(null, "probe", List.of(Target.handler("probe", delivery -> recorder.recordValue(
                Math.max(0, System.nanoTime() - intended[(int) (SequencedEvents.sequence(delivery.payload())
                    & (SLOTS - 1))])))));
            final EventBus bus = router.eventBus(null);
            long seq = publish(bus, events, 0, 0, 5e9);
            final long before = bus.metrics().published();
            final long start = System.nanoTime();
            seq = publish(bus, events, seq, 0, 5e9);
            awaitMatched(bus, seq);
            final double max = (bus.metrics().published() - before) / ((System.nanoTime() - start) / 1e9);
            final long rate = (long) (max * load);
            seq = publish(bus, events, seq, rate, 3e9);
            awaitMatched(bus, seq);
            recorder.getIntervalHistogram();
            seq = publish(bus, events, seq, rate, seconds * 1e9);
            awaitMatched(bus, seq);
            final Histogram h = recorder.getIntervalHistogram();
            System.out.printf(Locale.ROOT, "mode=%s threading=%s wait=%s max=%,.0f events/s paced=%,d events/s (%.0f%%) "
                + "events=%,d%n", mode, threading, wait, max, rate, load * 100, h.getTotalCount());
            System.out.printf(Locale.ROOT, "latency µs: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  p99.99 %.2f  "
                + "max %.2f%n", h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                h.getValueAtPercentile(99.99) / 1e3, h.getMaxValue() / 1e3);
            router.close(Duration.ofSeconds(30));
        }
    }

    /** Publishes for {@code nanos}, unpaced when {@code rate} is 0. @return the next sequence number. */
    private long publish(final EventBus bus, final byte[][] events, final long first, final long rate,
                         final double nanos) {
        final long interval = rate == 0 ? 0 : 1_000_000_000L / rate;
        final long start = System.nanoTime();
        final long end = start + (long) nanos;
        long seq = first;
        long now = start;
        while (now < end) {
            final long due = interval == 0 ? now : start + (seq - first) * interval;
            while (now < due) {
                if (due - now > PARK_THRESHOLD_NANOS) {
                    LockSupport.parkNanos(due - now - PARK_THRESHOLD_NANOS);
                } else {
                    Thread.onSpinWait();
                }
                now = System.nanoTime();
            }
            final byte[] event = events[(int) (seq % DISTINCT)];
            SequencedEvents.stamp(event, seq);
            intended[(int) (seq & (SLOTS - 1))] = due;
            while (!bus.publish(event, 0, event.length)) {
                Thread.onSpinWait();
            }
            seq++;
            now = System.nanoTime();
        }
        return seq;
    }

    private static void awaitMatched(final EventBus bus, final long count) {
        while (bus.metrics().published() < count) {
            Thread.onSpinWait();
        }
    }
}
