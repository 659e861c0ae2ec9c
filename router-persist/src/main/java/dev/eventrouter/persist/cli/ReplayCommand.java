package dev.eventrouter.persist.cli;

import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.ReplayFilter;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchedRules;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.persist.archive.EventTimeReader;
import dev.eventrouter.persist.replay.ReplayNames;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code router replay --archive DIR --from T --to T [--pattern P | --rules RULES.json]
 * [--out FILE.ndjson | --config router.json --bus NAME] [--speed max|1x|10x]}: replays an archived time range into
 * a file (NDJSON, stdout by default) or into a router built from a config, with {@code replay-name} on every event.
 * A progress line on stderr (events, rate, ETA); Ctrl-C stops cleanly and says how far the replay got.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Replays the events of an archive's time range [--from, --to) into an NDJSON file or a router.",
        "Every event gets \"replay-name\"; progress goes to stderr; Ctrl-C stops and reports how far it got."})
final class ReplayCommand implements Callable<Integer> {
    private static final long PROGRESS_NANOS = 500_000_000L;

    @Option(names = "--archive", required = true, paramLabel = "DIR", description = "The archive directory.")
    private Path archive;

    @Option(names = "--from", required = true, paramLabel = "T", description = "First event time (inclusive; the events' own time): ISO-8601, epoch ms or -15m.")
    private String from;

    @Option(names = "--to", required = true, paramLabel = "T", description = "End time (exclusive).")
    private String to;

    @Option(names = "--pattern", paramLabel = "PATTERN|@file", description = "Only events matching this pattern.")
    private String pattern;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "Only events matching one of these rules.")
    private Path rules;

    @Option(names = "--out", paramLabel = "FILE.ndjson", description = "Write events here (default: stdout).")
    private Path out;

    @Option(names = "--config", paramLabel = "router.json", description = "Replay into a router built from this config.")
    private Path config;

    @Option(names = "--bus", defaultValue = "default", paramLabel = "NAME", description = "The destination bus with --config (default ${DEFAULT-VALUE}).")
    private String bus;

    @Option(names = "--rule", paramLabel = "NAME", description = "With --config: deliver only to this rule of the bus (repeatable; default all).")
    private List<String> ruleNames = List.of();

    @Option(names = "--speed", defaultValue = "max", paramLabel = "max|1x|10x", description = "As fast as possible, or the original timing sped up (default ${DEFAULT-VALUE}).")
    private String speed;

    @Option(names = "--name", defaultValue = "cli-replay", paramLabel = "NAME", description = "The replay-name given to events (default ${DEFAULT-VALUE}).")
    private String name;

    @CommandLine.Mixin
    private VerboseOption verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    private Interruption interruption;

    /** Where replayed events go. */
    private interface Sink extends AutoCloseable {
        void accept(byte[] event, int length) throws IOException;

        @Override
        void close() throws IOException;
    }

    @Override
    public Integer call() throws IOException {
        final long now = System.currentTimeMillis();
        final TimeArgument.Range range = TimeArgument.range(from, to, now);
        final long start = range.start();
        final long end = range.end();
        if (pattern != null && rules != null) {
            throw new UserError("give --pattern or --rules, not both");
        }
        if (out != null && config != null) {
            throw new UserError("give --out or --config, not both");
        }
        if (!ruleNames.isEmpty() && config == null) {
            throw new UserError("--rule needs --config (it names rules of the configured router)");
        }
        if (!name.matches("[.\\-_A-Za-z0-9]{1,64}")) {
            throw new UserError("--name: must be 1-64 characters of letters, digits, '.', '-' and '_'");
        }
        final double factor = speed();
        final EventMatcher filter = pattern != null ? ArchiveCommand.matcher(pattern)
            : rules != null ? new EventMatcher(RulesFile.load(rules, PatternLimits.DEFAULT)) : null;
        final PrintWriter err = spec.commandLine().getErr();
        interruption = Interruption.install();
        try (ArchiveStore store = ArchiveCommand.open("--archive", archive);
             EventTimeReader reader = new EventTimeReader(store, start, end); Sink sink = sink()) {
            return replay(store, reader, sink, filter, start, end, factor, err);
        } catch (UserError e) {
            throw e;
        } catch (java.io.StreamCorruptedException e) {
            throw ArchiveCommand.corrupt("--archive", archive, e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw ArchiveCommand.corrupt("--archive", archive, e);
        } finally {
            interruption.close();
        }
    }

    private int replay(final ArchiveStore store, final EventTimeReader reader, final Sink sink,
                       final EventMatcher filter, final long start, final long end, final double factor,
                       final PrintWriter err) throws IOException {
        final byte[] prefix = ReplayNames.prefix(name);
        final MatchedRules matched = new MatchedRules();
        final long last = Math.min(end, store.lastTime() + 1);
        final boolean terminal = System.console() != null;
        byte[] buffer = new byte[4096];
        final long began = System.nanoTime();
        long nextProgress = began + PROGRESS_NANOS;
        long firstTime = -1;
        long replayed = 0;
        long lastTime = -1;
        try {
            while (!interruption.interrupted() && reader.next()) {
                if (filter != null) {
                    matched.clear();
                    if (filter.match(reader.bytes(), 0, reader.length(), matched) == 0) {
                        continue;
                    }
                }
                if (firstTime < 0) {
                    firstTime = reader.timeMillis();
                }
                if (factor > 0) {
                    final long due = began + (long) ((reader.timeMillis() - firstTime) * 1e6 / factor);
                    while (System.nanoTime() < due && !interruption.interrupted()) {
                        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(due - System.nanoTime(), 10_000_000));
                    }
                }
                int length = ReplayNames.inject(prefix, reader.bytes(), reader.length(), buffer);
                if (length < 0) {
                    buffer = new byte[-length * 2];
                    length = ReplayNames.inject(prefix, reader.bytes(), reader.length(), buffer);
                }
                sink.accept(buffer, length);
                replayed++;
                lastTime = reader.eventTimeMillis();
                final long nowNanos = System.nanoTime();
                if (nowNanos >= nextProgress) {
                    progress(err, terminal, replayed, lastTime, start, last, nowNanos - began);
                    nextProgress = nowNanos + PROGRESS_NANOS;
                }
            }
        } catch (InternalError e) {
            throw reader.corruption(e);   // next()'s fault, delivered late (ArchiveReader.corruption)
        }
        if (terminal) {
            err.print("\r");
        }
        err.printf(Locale.ROOT, "%s: %,d events replayed%s%n", interruption.interrupted() ? "stopped" : "done",
            replayed, lastTime < 0 ? "" : ", last event time " + ArchiveCommand.time(lastTime));
        err.flush();
        return interruption.interrupted() ? 130 : 0;
    }

    private static void progress(final PrintWriter err, final boolean terminal, final long replayed, final long at,
                                 final long start, final long last, final long elapsedNanos) {
        final double done = last <= start ? 1 : Math.min(1, Math.max(0, (double) (at - start) / (last - start)));
        final double rate = replayed / (elapsedNanos / 1e9);
        final double eta = done <= 0 ? 0 : elapsedNanos / 1e9 * (1 - done) / done;
        final int bar = (int) (done * 30);
        final String line = String.format(Locale.ROOT, "[%s%s] %3.0f%% %,d events %,.0f/s ETA %.0f s",
            "=".repeat(bar), " ".repeat(30 - bar), done * 100, replayed, rate, eta);
        err.print(terminal ? "\r" + line : line + "\n");
        err.flush();
    }

    private double speed() {
        if ("max".equals(speed)) {
            return 0;
        }
        if (speed.matches("\\d{1,6}(\\.\\d{1,3})?x") && Double.parseDouble(speed.substring(0, speed.length() - 1)) > 0) {
            return Double.parseDouble(speed.substring(0, speed.length() - 1));
        }
        throw new UserError("--speed: must be max or a factor such as 1x or 10x, got " + speed);
    }

    private Sink sink() throws IOException {
        if (config == null) {
            final OutputStream stream = out == null ? System.out : Files.newOutputStream(out);
            final OutputStream buffered = new BufferedOutputStream(stream, 1 << 16);
            return new Sink() {
                @Override
                public void accept(final byte[] event, final int length) throws IOException {
                    buffered.write(event, 0, length);
                    buffered.write('\n');
                }

                @Override
                public void close() throws IOException {
                    buffered.flush();
                    if (out != null) {
                        buffered.close();
                    }
                }
            };
        }
        final ConfiguredRouter router = ConfiguredRouter.start(config, RouterConfigFile.load(config),
            spec.commandLine().getOut(), spec.commandLine().getErr());
        final EventBus destination;
        try {
            destination = router.bus(bus);
        } catch (IllegalArgumentException e) {
            router.close(Duration.ofSeconds(5));
            throw new UserError("--bus: " + e.getMessage());
        }
        for (String rule : ruleNames) {
            try {
                router.router().describeRule(bus, rule);
            } catch (IllegalArgumentException e) {
                router.close(Duration.ofSeconds(5));
                throw new UserError("--rule: " + e.getMessage());
            }
        }
        final ReplayFilter all = router.router().replayFilter(ruleNames);
        return new Sink() {
            @Override
            public void accept(final byte[] event, final int length) {
                while (!destination.publishReplay(event, 0, length, all)) {
                    Thread.onSpinWait();
                }
            }

            @Override
            public void close() {
                final CloseReport report = router.close(Duration.ofSeconds(60));
                router.printSummary(spec.commandLine().getErr());
                if (!report.drained()) {
                    spec.commandLine().getErr().println(report.undelivered().size() + " events not delivered");
                }
            }
        };
    }
}
