package dev.eventrouter.persist.cli;

import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.event.SequencedEvents;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.target.Delivery;
import dev.eventrouter.target.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code router demo}: an embedded router with example rules on two buses. Generated CityLots events are published
 * for a few seconds at a paced rate; the live line shows throughput and publish-to-handler latency (measured from
 * each event's intended send time, so stalls are not hidden); then tables per bus, rule and target.
 *
 * <pre>
 *  publisher (paced) ──▶ bus "lots": the example rules ──▶ counting targets (sync), one asynchronous target,
 *                                    "all-lots"          ──▶ latency target (HdrHistogram)
 *                                    "multipolygons"     ──▶ bus "audit" (one hop) ──▶ rule "audited"
 * </pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Runs an embedded router with example rules on two buses: generated CityLots events are",
        "published for a few seconds (after a short warm-up) with live throughput and latency, then counts per",
        "bus, rule and target."})
final class DemoCommand implements Callable<Integer> {
    private static final int DISTINCT_EVENTS = 20_000;
    private static final long REPORT_NANOS = 500_000_000L;
    private static final int INTENDED_SLOTS = 1 << 20;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "S", description = "How long to publish (default ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--rate", defaultValue = "100000", paramLabel = "N|max", description = "Events per second, or max (default ${DEFAULT-VALUE}).")
    private String rate;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "Rules for bus \"lots\" instead of the bundled examples.")
    private Path rules;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the event generator (default ${DEFAULT-VALUE}).")
    private long seed;

    @CommandLine.Mixin
    private VerboseOption verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    private final long[] intendedNanos = new long[INTENDED_SLOTS];
    private final Recorder latency = new Recorder(3_600_000_000_000L, 3);

    @Override
    public Integer call() throws IOException {
        if (!(seconds > 0 && seconds <= 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be in (0, 3600]");
        }
        final long perSecond = parseRate();
        final Map<String, String> patterns = rules != null
            ? RulesFile.patterns(rules.toString(), CliInput.readFile("--rules", rules), PatternLimits.DEFAULT)
            : bundled();
        final PrintWriter out = spec.commandLine().getOut();
        final byte[][] events = SequencedEvents.generate(seed, DISTINCT_EVENTS);
        try (Router router = Router.start(new RouterContext())) {
            final List<String[]> targets = setUp(router, patterns);
            out.printf(Locale.ROOT, "router demo: %d rules on bus \"lots\" + 1 on \"audit\", %d distinct CityLots "
                + "events (avg %d bytes), %s events/s for %.1f s%n", patterns.size() + 1, events.length,
                averageLength(events), perSecond == 0 ? "max" : String.format(Locale.ROOT, "%,d", perSecond), seconds);
            final Histogram total = new Histogram(3_600_000_000_000L, 3);
            final EventBus lots = router.eventBus("lots");
            // a cold JVM cannot keep up at first: warm up until the median is steady (at most 5 s), let the router
            // catch up, then measure on a new schedule
            final long warmed = publish(lots, events, perSecond, 0, Math.min(5e9, seconds * 1e9), null, out);
            while (lots.metrics().published() < warmed) {
                Thread.onSpinWait();
            }
            latency.getIntervalHistogram();
            final long published = publish(lots, events, perSecond, warmed, seconds * 1e9, total, out);
            final CloseReport report = router.close(Duration.ofSeconds(30));
            total.add(latency.getIntervalHistogram());
            summarize(router, targets, total, published, report, out);
            return report.drained() ? 0 : 1;
        }
    }

    private long parseRate() {
        if ("max".equals(rate)) {
            return 0;
        }
        try {
            final long value = Long.parseLong(rate);
            if (value >= 1 && value <= 100_000_000) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be 1-100000000 or max, got " + rate);
    }

    /** @return (bus, rule, target) of every target, for the summary. */
    private List<String[]> setUp(final Router router, final Map<String, String> patterns) {
        router.createEventBus("lots");
        router.createEventBus("audit");
        final List<String[]> targets = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, String> rule : patterns.entrySet()) {
            router.putRule(Rule.of(rule.getKey(), rule.getValue()).onBus("lots"));
            final List<Target> list = new ArrayList<>();
            list.add(Target.handler("count", delivery -> { }));
            if (n == 1) {
                list.add(Target.asyncHandler("async-count", delivery -> { }));
            }
            if (n == 2) {
                list.add(Target.bus("to-audit", "audit"));
            }
            router.putTargets("lots", rule.getKey(), list);
            list.forEach(t -> targets.add(new String[] {"lots", rule.getKey(), t.id()}));
            n++;
        }
        router.putRule(Rule.of("all-lots", "{\"type\":[\"Feature\"]}").onBus("lots"));
        router.putTargets("lots", "all-lots", List.of(Target.handler("latency", this::recordLatency)));
        targets.add(new String[] {"lots", "all-lots", "latency"});
        router.putRule(Rule.of("audited", "{\"type\":[\"Feature\"]}").onBus("audit"));
        router.putTargets("audit", "audited", List.of(Target.handler("count", delivery -> { })));
        targets.add(new String[] {"audit", "audited", "count"});
        return targets;
    }

    /** Match thread: reads the sequence number at its fixed offset (no allocation) and records the latency. */
    private void recordLatency(final Delivery delivery) {
        final long now = System.nanoTime();
        final long seq = SequencedEvents.sequence(delivery.payload());
        latency.recordValue(Math.max(0, now - intendedNanos[(int) (seq & (INTENDED_SLOTS - 1))]));
    }

    /**
     * Publishes on a fixed schedule for {@code nanos}, reporting every half second.
     *
     * @param total where the measured phase accumulates latency; {@code null} during the warm-up, which ends early
     *              once a half-second window has a median under 100 µs.
     * @return the next sequence number.
     */
    private long publish(final EventBus bus, final byte[][] events, final long perSecond, final long first,
                         final double nanos, final Histogram total, final PrintWriter out) {
        final boolean terminal = System.console() != null;
        final long interval = perSecond == 0 ? 0 : 1_000_000_000L / perSecond;
        final long start = System.nanoTime();
        final long end = start + (long) nanos;
        long nextReport = start + REPORT_NANOS;
        long reportedAt = start;
        long reportedCount = first;
        Histogram window = null;
        long seq = first;
        while (true) {
            final long intended = interval == 0 ? System.nanoTime() : start + (seq - first) * interval;
            long now = System.nanoTime();
            while (now < intended) {
                Thread.onSpinWait();
                now = System.nanoTime();
            }
            final byte[] event = events[(int) (seq % events.length)];
            SequencedEvents.stamp(event, seq);
            intendedNanos[(int) (seq & (INTENDED_SLOTS - 1))] = intended;
            if (!bus.publish(event, 0, event.length)) {
                throw new IllegalStateException("the router stayed full for the publish timeout");
            }
            seq++;
            // paced runs look at the clock every event (below 256 events/s a check every 256 events would never
            // come in time); unpaced ones every 256 events
            if ((interval > 0 || (seq & 255) == 0) && (now = System.nanoTime()) >= nextReport) {
                window = latency.getIntervalHistogram(window);
                if (total != null) {
                    total.add(window);
                }
                final String line = String.format(Locale.ROOT,
                    "%,12d events | %,10.0f events/s | publish->handler p50 %7.2f µs  p99 %8.2f µs  p99.9 %8.2f µs"
                        + "  max %9.2f µs%s", seq, (seq - reportedCount) / ((now - reportedAt) / 1e9),
                    window.getValueAtPercentile(50) / 1e3, window.getValueAtPercentile(99) / 1e3,
                    window.getValueAtPercentile(99.9) / 1e3, window.getMaxValue() / 1e3,
                    total == null ? " (warm-up)" : "");
                out.print(terminal ? "\r" + line : line + "\n");
                out.flush();
                reportedAt = now;
                reportedCount = seq;
                nextReport = now + REPORT_NANOS;
                final boolean steady = total == null && now - start >= 1e9 && window.getValueAtPercentile(50) < 100_000;
                if (now >= end || steady) {
                    break;
                }
            }
        }
        if (terminal) {
            out.println();
        }
        return seq;
    }

    private void summarize(final Router router, final List<String[]> targets, final Histogram total,
                           final long published, final CloseReport report, final PrintWriter out) {
        out.printf(Locale.ROOT, "%n%-10s %14s %14s %14s%n", "bus", "published", "matched", "from-other-bus");
        for (EventBus bus : router.eventBuses()) {
            out.printf(Locale.ROOT, "%-10s %,14d %,14d %,14d%n", bus.name(), bus.metrics().published(),
                bus.metrics().matched(), bus.metrics().fromOtherBus());
        }
        out.printf(Locale.ROOT, "%n%-20s %-14s %14s %14s %9s%n", "rule", "target", "matched", "delivered", "share");
        for (String[] t : targets) {
            final long matched = router.ruleMetrics(t[0], t[1]).matched();
            out.printf(Locale.ROOT, "%-20s %-14s %,14d %,14d %8.3f%%%n", t[1], t[2], matched,
                router.targetMetrics(t[0], t[1], t[2]).delivered(), 100.0 * matched / Math.max(1, published));
        }
        out.printf(Locale.ROOT, "%npublish->handler latency after warm-up (µs, from intended send time): p50 %.2f  "
            + "p90 %.2f  p99 %.2f  p99.9 %.2f  p99.99 %.2f  max %.2f%n", total.getValueAtPercentile(50) / 1e3,
            total.getValueAtPercentile(90) / 1e3, total.getValueAtPercentile(99) / 1e3,
            total.getValueAtPercentile(99.9) / 1e3, total.getValueAtPercentile(99.99) / 1e3,
            total.getMaxValue() / 1e3);
        out.printf(Locale.ROOT, "%s%n", report.drained() ? "closed: every event delivered"
            : "closed: " + report.undelivered().size() + " events not delivered");
        out.flush();
    }

    private static int averageLength(final byte[][] events) {
        long sum = 0;
        for (byte[] event : events) {
            sum += event.length;
        }
        return (int) (sum / events.length);
    }

    private static Map<String, String> bundled() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo-rules.json")) {
            if (in == null) {
                throw new IllegalStateException("bundled demo-rules.json is missing from the class path");
            }
            return RulesFile.patterns("demo-rules.json", new String(in.readAllBytes(), StandardCharsets.UTF_8),
                PatternLimits.DEFAULT);
        }
    }
}
