package dev.eventrouter.persist.cli;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.MatchedRules;
import dev.eventrouter.pattern.PatternLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code router demo}: matches generated CityLots events against bundled example rules for a few seconds, with a
 * live line of throughput and latency percentiles, then a table of matches per rule.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Matches generated CityLots-shaped events against example rules for a few seconds,",
        "showing live throughput and per-event latency, then the matches per rule."})
final class DemoCommand implements Callable<Integer> {
    private static final int DISTINCT_EVENTS = 20_000;
    private static final long REPORT_NANOS = 500_000_000L;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "S", description = "How long to run (default ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "Rules to use instead of the bundled examples.")
    private Path rules;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the event generator (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--verbose", description = "Print stack traces for errors.")
    private boolean verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!(seconds > 0 && seconds <= 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be in (0, 3600]");
        }
        final MatchAutomaton automaton = rules != null ? RulesFile.load(rules, PatternLimits.DEFAULT) : bundled();
        final PrintWriter out = spec.commandLine().getOut();
        final byte[][] events = generate();
        out.printf(Locale.ROOT, "router demo: %d rules, %d distinct CityLots events (avg %d bytes), %.1f s%n",
            automaton.ruleCount(), events.length, Arrays.stream(events).mapToInt(e -> e.length).sum() / events.length,
            seconds);
        final long[] counts = new long[automaton.ruleCount()];
        final Histogram latency = new Histogram(3_600_000_000_000L, 3);
        final long total = run(automaton, events, counts, latency, out);
        summarize(automaton, counts, latency, total, out);
        return 0;
    }

    private long run(final MatchAutomaton automaton, final byte[][] events, final long[] counts,
                     final Histogram latency, final PrintWriter out) {
        final EventMatcher matcher = new EventMatcher(automaton);
        final MatchedRules matched = new MatchedRules();
        final boolean terminal = System.console() != null;
        final long start = System.nanoTime();
        final long deadline = start + (long) (seconds * 1e9);
        long nextReport = start + REPORT_NANOS;
        long total = 0;
        long reportedAt = start;
        long reportedTotal = 0;
        while (true) {
            final byte[] event = events[(int) (total % events.length)];
            matched.clear();
            final long before = System.nanoTime();
            matcher.match(event, 0, event.length, matched);
            final long after = System.nanoTime();
            latency.recordValue(after - before);
            for (int i = 0; i < matched.size(); i++) {
                counts[matched.rule(i).index()]++;
            }
            total++;
            if (after >= nextReport) {
                final double rate = (total - reportedTotal) / ((after - reportedAt) / 1e9);
                final String line = String.format(Locale.ROOT,
                    "%,12d events | %,10.0f events/s | p50 %6.2f µs  p99 %6.2f µs  p99.9 %7.2f µs",
                    total, rate, latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                    latency.getValueAtPercentile(99.9) / 1e3);
                if (terminal) {
                    out.print("\r" + line);
                } else {
                    out.println(line);
                }
                out.flush();
                reportedAt = after;
                reportedTotal = total;
                nextReport = after + REPORT_NANOS;
                if (after >= deadline) {
                    break;
                }
            }
        }
        if (terminal) {
            out.println();
        }
        return total;
    }

    private void summarize(final MatchAutomaton automaton, final long[] counts, final Histogram latency,
                           final long total, final PrintWriter out) {
        out.println();
        out.printf(Locale.ROOT, "%-22s %12s %9s%n", "rule", "matches", "share");
        for (int r = 0; r < counts.length; r++) {
            out.printf(Locale.ROOT, "%-22s %,12d %8.3f%%%n", automaton.rule(r).name(), counts[r],
                100.0 * counts[r] / total);
        }
        out.printf(Locale.ROOT, "%nlatency per event (µs): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
            latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
            latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
            latency.getMaxValue() / 1e3);
        out.flush();
    }

    private byte[][] generate() {
        final CityLots lots = new CityLots(seed);
        final byte[][] events = new byte[DISTINCT_EVENTS][];
        for (int i = 0; i < events.length; i++) {
            events[i] = lots.nextBytes();
        }
        return events;
    }

    private static MatchAutomaton bundled() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo-rules.json")) {
            if (in == null) {
                throw new IllegalStateException("bundled demo-rules.json is missing from the class path");
            }
            return RulesFile.compile("demo-rules.json", new String(in.readAllBytes(), StandardCharsets.UTF_8),
                PatternLimits.DEFAULT);
        }
    }

}
