package dev.eventrouter.persist.cli;

import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.persist.kafka.KafkaSource;
import dev.eventrouter.persist.queue.DurableQueue;
import dev.eventrouter.persist.queue.QueueConfig;
import dev.eventrouter.persist.source.ChronicleSource;
import dev.eventrouter.persist.source.RawChronicleSource;
import dev.eventrouter.source.AbstractMapping;
import dev.eventrouter.source.BatchHandler;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.FileCheckpointStore;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.NdjsonFileSource;
import dev.eventrouter.source.PartitionedSource;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.QueueMapping;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.source.StartingPosition;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code router poll --source chronicle:DIR|queue:DIR|file:EVENTS.ndjson|kafka:BOOTSTRAP/TOPIC --batch-size N
 * --window 500ms [--filter P]... [--out FILE]}: runs an event-source mapping from the shell. Every delivered record is appended to
 * {@code --out} (stdout by default) as one NDJSON line; batch statistics go to stderr at the end. Stops when the
 * source is drained, or with {@code --follow} on Ctrl-C (exit 130).
 */
@Command(name = "poll", mixinStandardHelpOptions = true,
    description = {"Runs an event-source mapping over a Chronicle queue, a durable queue, an NDJSON file or a Kafka "
        + "topic.",
        "Delivered records go to --out (stdout by default), one NDJSON line each; batch statistics to stderr."})
final class PollCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

    @Option(names = "--source", required = true, paramLabel = "chronicle:DIR|queue:DIR|file:FILE|kafka:HOST:PORT[,...]/TOPIC",
        description = "What to poll: a Chronicle queue or archive, a durable queue, an NDJSON file, or a Kafka topic "
            + "(its record values; offsets are committed to the consumer group --group).")
    private String source;

    @Option(names = "--batch-size", paramLabel = "N", description = "BatchSize, 1-10000 (default 10 for a queue source, "
        + "as for SQS, where more than 10 needs a --window of at least 1s; 100 otherwise).")
    private Integer batchSize;

    @Option(names = "--window", defaultValue = "0", paramLabel = "DURATION", description = "MaximumBatchingWindow: 0, 500ms, 2s ... 300s (default ${DEFAULT-VALUE}).")
    private String window;

    @Option(names = "--filter", paramLabel = "PATTERN|@file", description = "A filter pattern on the record as Lambda filters it: {\"data\": {...}} for a file or Chronicle source, {\"body\": ...} for a queue, {\"value\": ...} for Kafka (repeatable, up to 5, ORed).")
    private List<String> filters = List.of();

    @Option(names = "--out", paramLabel = "FILE", description = "Append delivered records here (default: stdout).")
    private Path out;

    @Option(names = "--checkpoints", paramLabel = "FILE", description = "Keep checkpoints in this file and resume from them (stream sources).")
    private Path checkpoints;

    @Option(names = "--name", defaultValue = "cli-poll", paramLabel = "NAME", description = "The mapping's name; keys its checkpoints (default ${DEFAULT-VALUE}).")
    private String name;

    @Option(names = "--start", defaultValue = "trim-horizon", paramLabel = "trim-horizon|latest|TIME", description = "Where a stream source starts without a checkpoint (default ${DEFAULT-VALUE}).")
    private String start;

    @Option(names = "--parallelization", defaultValue = "1", paramLabel = "N", description = "ParallelizationFactor for stream sources, 1-10 (default ${DEFAULT-VALUE}).")
    private int parallelization;

    @Option(names = "--visibility-timeout", defaultValue = "30s", paramLabel = "DURATION", description = "For queue sources (default ${DEFAULT-VALUE}).")
    private String visibilityTimeout;

    @Option(names = "--format", defaultValue = "archive", paramLabel = "archive|raw", description = "chronicle: excerpts as an archive writes them (time + event), or raw (the whole excerpt is the record; default ${DEFAULT-VALUE}).")
    private String format;

    @Option(names = "--group", paramLabel = "ID", description = "Kafka: the consumer group (ConsumerGroupId; default: --name).")
    private String group;

    @Option(names = "--follow", description = "Keep polling after the source is drained, until Ctrl-C.")
    private boolean follow;

    @CommandLine.Mixin
    private VerboseOption verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The Kafka source, for a kafka: source (drained when it has caught up with its partitions). */
    private KafkaSource kafka;

    @Override
    public Integer call() {
        final int colon = source.indexOf(':');
        final String kind = colon < 0 ? "" : source.substring(0, colon);
        final Path path = colon < 0 ? null : Path.of(source.substring(colon + 1));
        if (!List.of("chronicle", "queue", "file", "kafka").contains(kind) || source.length() == colon + 1) {
            throw new UserError("--source: must be chronicle:DIR, queue:DIR, file:FILE or kafka:BOOTSTRAP/TOPIC, got "
                + source);
        }
        if (group != null && !kind.equals("kafka")) {
            throw new UserError("--group: only for kafka: sources");
        }
        if (!format.equals("archive") && !format.equals("raw")) {
            throw new UserError("--format: must be archive or raw, got " + format);
        }
        if (format.equals("raw") && !kind.equals("chronicle")) {
            throw new UserError("--format raw: only for chronicle: sources");
        }
        final MappingConfig config = config(kind);
        if (checkpoints != null && kind.equals("queue")) {
            throw new UserError("--checkpoints: a queue source has no checkpoints (delivered messages are deleted)");
        }
        if (checkpoints != null && kind.equals("kafka")) {
            throw new UserError("--checkpoints: a Kafka source commits its offsets to the consumer group (--group)");
        }
        final PrintWriter err = spec.commandLine().getErr();
        final Interruption interruption = Interruption.install();
        final List<AutoCloseable> resources = new ArrayList<>();
        try {
            final Output output = new Output(out, spec.commandLine().getOut(), spec.commandLine().getErr());
            resources.add(output);
            final Poller poller = new Poller(System::currentTimeMillis);
            final AbstractMapping running = kind.equals("kafka")
                ? startKafka(source.substring(colon + 1), config, poller, output, resources)
                : start(kind, path, config, poller, output, resources);
            final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
            while (!interruption.interrupted() && output.failure == null) {
                final int work = poller.doWork();
                if (work == 0 && !follow && running.idle() && (kafka == null || kafka.caughtUp())) {
                    break;
                }
                idle.idle(work);
            }
            if (output.failure != null) {
                throw new UserError((out == null ? "stdout" : "--out " + out) + ": cannot write: "
                    + output.failure.getMessage());
            }
            err.printf(Locale.ROOT, "%s: %,d batches, %,d records, mean batch size %.1f, %,d filtered, %,d failed%n",
                interruption.interrupted() ? "stopped" : "done", running.batches(), running.records(),
                running.batches() == 0 ? 0.0 : (double) running.records() / running.batches(), running.filtered(),
                running.failedBatches());
            err.flush();
            return interruption.interrupted() ? 130 : 0;
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    err.println("router: closing: " + e.getMessage());
                }
            }
            interruption.close();
        }
    }

    private MappingConfig config(final String kind) {
        final List<String> patterns = new ArrayList<>();
        for (String filter : filters) {
            patterns.add(CliInput.textOrFile("--filter", filter));
        }
        try {
            final int size = batchSize != null ? batchSize
                : kind.equals("queue") ? QueueMapping.MAX_BATCH_WITHOUT_WINDOW : 100;
            final MappingConfig config = MappingConfig.of(name, size, millis("--window", window, 300_000))
                .withFilters(patterns).withParallelizationFactor(parallelization);
            if (kind.equals("queue")) {
                if (!"trim-horizon".equals(start)) {
                    throw new UserError("--start: a queue source has no starting position");
                }
                return config;
            }
            return switch (start) {
                case "trim-horizon" -> config;
                case "latest" -> config.startingAt(StartingPosition.LATEST, 0);
                default -> config.startingAt(StartingPosition.AT_TIMESTAMP,
                    TimeArgument.parse("--start", start, System.currentTimeMillis()));
            };
        } catch (IllegalArgumentException e) {
            throw new UserError(optionOf(e.getMessage()) + e.getMessage());
        }
    }

    /** Opens {@code BOOTSTRAP/TOPIC} as a member of the consumer group and starts the mapping over it. */
    private AbstractMapping startKafka(final String where, final MappingConfig config, final Poller poller,
                                       final Output output, final List<AutoCloseable> resources) {
        final int slash = where.lastIndexOf('/');
        if (slash <= 0 || slash == where.length() - 1) {
            throw new UserError("--source: must be kafka:HOST:PORT[,HOST:PORT...]/TOPIC, got kafka:" + where);
        }
        try {
            kafka = KafkaSource.open(KafkaSource.Config.of(where.substring(0, slash), where.substring(slash + 1),
                group != null ? group : config.name()));
        } catch (IllegalArgumentException e) {
            throw new UserError((e.getMessage().startsWith("ConsumerGroupId") ? "--group: " : "--source: ")
                + e.getMessage());
        } catch (IllegalStateException e) {
            throw new UserError("--source: " + e.getMessage());
        }
        resources.add(kafka);
        try {
            return poller.add(config, kafka, kafka, (partition, records) -> {
                output.write(records);
                return null;
            });
        } catch (InvalidPatternException e) {
            throw new UserError("--filter: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(optionOf(e.getMessage()) + e.getMessage());
        }
    }

    /** Names the option behind a mapping setting's message. */
    private static String optionOf(final String message) {
        if (message.startsWith("BatchSize")) {
            return "--batch-size: ";
        }
        if (message.startsWith("MaximumBatchingWindow")) {
            return "--window: ";
        }
        if (message.startsWith("ParallelizationFactor")) {
            return "--parallelization: ";
        }
        if (message.startsWith("FilterCriteria")) {
            return "--filter: ";
        }
        if (message.startsWith("name")) {
            return "--name: ";
        }
        return "";
    }

    /** @return a duration such as 0, 500ms, 2s or 5m in milliseconds. */
    static long millis(final String option, final String value, final long max) {
        final Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new UserError(option + ": must be a duration such as 0, 500ms, 2s or 5m, got " + value);
        }
        final long n = Long.parseLong(m.group(1));
        final String unit = m.group(2);
        final long ms = unit == null || unit.equals("ms") ? n : unit.equals("s") ? n * 1_000 : n * 60_000;
        if (unit == null && n != 0) {
            throw new UserError(option + ": give a unit (ms, s or m), got " + value);
        }
        if (ms > max) {
            throw new UserError(option + ": at most " + max / 1_000 + "s, got " + value);
        }
        return ms;
    }

    private AbstractMapping start(final String kind, final Path path, final MappingConfig config, final Poller poller,
                          final Output output, final List<AutoCloseable> resources) {
        final BatchHandler handler = (partition, records) -> {
            output.write(records);
            return null;
        };
        try {
            if (kind.equals("queue")) {
                if (!DurableQueue.isQueue(path)) {
                    throw new UserError("--source: " + path + ": not a queue (no messages/ and journal/)");
                }
                final DurableQueue queue = DurableQueue.open(path,
                    new QueueConfig(millis("--visibility-timeout", visibilityTimeout, 43_200_000), null),
                    System::currentTimeMillis);
                resources.add(queue);
                try {
                    return poller.add(config, queue, handler);
                } catch (IllegalArgumentException e) {
                    throw new UserError(optionOf(e.getMessage()) + e.getMessage());
                }
            }
            final PartitionedSource partitioned;
            if (kind.equals("chronicle")) {
                if (!Files.isDirectory(path)) {
                    throw new UserError("--source: " + path + ": no such directory");
                }
                if (!ArchiveStore.isArchive(path)) {
                    throw new UserError("--source: " + path + ": not a Chronicle queue (no metadata.cq4t)");
                }
                if (format.equals("raw")) {
                    final RawChronicleSource raw = RawChronicleSource.open(path, System::currentTimeMillis);
                    resources.add(raw);
                    partitioned = raw;
                } else {
                    final ChronicleSource chronicle = ChronicleSource.open(path);
                    resources.add(chronicle);
                    partitioned = chronicle;
                }
            } else {
                final NdjsonFileSource file = NdjsonFileSource.open(path, System::currentTimeMillis, follow);
                resources.add(file);
                partitioned = file;
            }
            final CheckpointStore store;
            if (checkpoints != null) {
                final FileCheckpointStore fileStore = FileCheckpointStore.open(checkpoints);
                resources.add(fileStore);
                store = fileStore;
            } else {
                store = CheckpointStore.inMemory();
            }
            return poller.add(config, partitioned, store, handler);
        } catch (InvalidPatternException e) {
            throw new UserError("--filter: " + e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            final String message = String.valueOf(e.getMessage());
            final String option = optionOf(message);   // a setting the mapping refused, else the source
            throw new UserError((option.isEmpty() ? "--source: " : option) + message);
        }
    }

    /** Where delivered records go: one NDJSON line each, flushed per batch (before the batch is checkpointed). */
    private static final class Output implements AutoCloseable {
        private final OutputStream file;
        private final PrintWriter stdout;
        volatile IOException failure;

        Output(final Path out, final PrintWriter stdout, final PrintWriter err) {
            this.stdout = out == null ? stdout : null;
            if (out == null) {
                file = null;
                return;
            }
            // a run killed mid-write leaves a partial last line: cut it off rather than glue the next record to it
            file = NdjsonAppender.open(out, false, "--out", err,
                "; its records are delivered again from the checkpoint");
        }

        void write(final List<SourceRecord> records) throws IOException {
            try {
                if (file == null) {
                    for (int i = 0; i < records.size(); i++) {
                        stdout.write(records.get(i).dataAsString());
                        stdout.write('\n');
                    }
                    stdout.flush();
                    if (stdout.checkError()) {
                        throw new IOException("stdout closed");
                    }
                    return;
                }
                for (int i = 0; i < records.size(); i++) {
                    file.write(records.get(i).data());
                    file.write('\n');
                }
                file.flush();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            if (file != null) {
                file.close();
            } else {
                stdout.flush();
            }
        }
    }
}
