package dev.eventrouter.persist.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Caller;
import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.PutRulesException;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.persist.archive.ArchiveSpec;
import dev.eventrouter.persist.apidest.ApiDestinations;
import dev.eventrouter.persist.archive.ArchiveStage;
import dev.eventrouter.persist.kafka.KafkaTarget;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.Target;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link Router} built from a {@link RouterConfigFile.Config}: stdout and NDJSON-file targets, bus targets, and a
 * dead-letter file. Owns the files it writes; {@link #close} drains the router and flushes them.
 */
final class ConfiguredRouter implements AutoCloseable {
    private final Router router;
    private final RouterConfigFile.Config config;
    private final PrintWriter stdout;
    private final Map<Path, OutputStream> files = new LinkedHashMap<>();
    private final List<KafkaTarget> kafkaTargets = new ArrayList<>();
    private final OutputStream deadLetters;
    private final PrintWriter err;
    private ArchiveStage archiveStage;
    /** The connections and API destinations of the config (and of {@code router serve}'s HTTP API). */
    private ApiDestinations apiDestinations;

    private ConfiguredRouter(final RouterConfigFile.Config config, final PrintWriter stdout, final PrintWriter err,
                             final Router router, final OutputStream deadLetters) {
        this.config = config;
        this.stdout = stdout;
        this.err = err;
        this.router = router;
        this.deadLetters = deadLetters;
        if (deadLetters != null) {
            files.put(config.deadLetterFile(), deadLetters);   // a target naming the same file shares the stream
        }
    }

    static ConfiguredRouter start(final Path file, final RouterConfigFile.Config config, final PrintWriter stdout,
                                  final PrintWriter err) {
        return start(file, config, stdout, err, Duration.ofMinutes(1), false);
    }

    /** @param publishTimeout how long a publisher waits on a full router ({@code router serve}: zero, throttle). */
    static ConfiguredRouter start(final Path file, final RouterConfigFile.Config config, final PrintWriter stdout,
                                  final PrintWriter err, final Duration publishTimeout,
                                  final boolean archiveStage) {
        final RouterContext context = new RouterContext().publishTimeout(publishTimeout);
        if (config.account() != null) {
            context.account(config.account());
        }
        if (config.region() != null) {
            context.region(config.region());
        }
        try {
            context.conclude();
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage().replaceFirst("=[^:]*:", ":"));
        }
        final ArchiveStage archives = new ArchiveStage();
        if (archiveStage || !config.archives().isEmpty()) {
            context.addStage(archives);
        }
        final OutputStream deadLetters = config.deadLetterFile() == null ? null
            : open(config.deadLetterFile(), false, "deadLetterFile", err);
        final ConfiguredRouter[] self = new ConfiguredRouter[1];
        context.defaultDeadLetter(letter -> self[0].deadLetter(letter));
        self[0] = new ConfiguredRouter(config, stdout, err, Router.start(context), deadLetters);
        self[0].archiveStage = archives;
        try {
            final EventBus defaultBus = self[0].router.eventBus(null);
            self[0].apiDestinations = ApiDestinations.start(new ApiDestinations.Context()
                .account(defaultBus.account()).region(defaultBus.region()));
            self[0].applyApiDestinations(file);
            self[0].apply(file);
            self[0].applyArchives(file, archives);
        } catch (RuntimeException e) {
            self[0].close(Duration.ofSeconds(5));
            throw e;
        }
        return self[0];
    }

    private void apply(final Path file) {
        try {
            router.organizations(config.organizations());
        } catch (UserError e) {
            throw new UserError(file + ": " + e.getMessage());
        }
        for (RouterConfigFile.BusConfig bus : config.eventBuses()) {
            try {
                final EventBus created = router.createEventBus(bus.nameOrArn());
                if (bus.policy() != null) {
                    router.putPolicy(created.arn(), bus.policy().json());
                }
                if (!bus.tags().isEmpty()) {
                    router.tagResource(created.arn(), bus.tags());
                }
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + bus.field() + ": " + e.getMessage());
            }
        }
        // the rules of each creator in one putRules call: each bus compiles once, however many rules the file has
        final Map<Principal, List<RouterConfigFile.RuleConfig>> byCreator = new LinkedHashMap<>();
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            byCreator.computeIfAbsent(rule.createdBy(), k -> new ArrayList<>()).add(rule);
        }
        for (Map.Entry<Principal, List<RouterConfigFile.RuleConfig>> group : byCreator.entrySet()) {
            final List<Rule> declared = new ArrayList<>(group.getValue().size());
            for (RouterConfigFile.RuleConfig rule : group.getValue()) {
                declared.add(new Rule(rule.name(), rule.eventBus(), rule.eventPattern(), rule.state(),
                    rule.description(), null, rule.scheduleExpression()));
            }
            try {
                if (group.getKey() == null) {
                    router.putRules(declared);
                } else {
                    router.as(group.getKey()).putRules(declared);
                }
            } catch (PutRulesException e) {
                final RouterConfigFile.RuleConfig rule = group.getValue().get(e.index());
                throw new UserError(file + ": " + rule.field() + (e.getCause() instanceof InvalidPatternException
                    ? ".eventPattern" : "") + ": " + e.getCause().getMessage());
            }
        }
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            final Caller caller = rule.createdBy() == null ? null : router.as(rule.createdBy());
            for (RouterConfigFile.TargetConfig target : rule.targets()) {
                try {
                    if (caller == null) {
                        router.putTargets(rule.eventBus(), rule.name(), List.of(target(target)));
                    } else {
                        caller.putTargets(rule.eventBus(), rule.name(), List.of(target(target)));
                    }
                } catch (IllegalArgumentException | AccessDeniedException e) {
                    throw new UserError(file + ": " + target.field() + ": " + e.getMessage());
                }
            }
        }
    }

    /** @return the archive stage (on the ring when the config has archives, or when asked for at start). */
    ArchiveStage archives() {
        return archiveStage;
    }

    /** @return the router's default account (the owner of unsigned requests). */
    String account() {
        return router.eventBus(null).account();
    }

    /** @return the router as this principal, for publishing a source's events. */
    Caller as(final Principal principal) {
        return router.as(principal);
    }

    private void applyArchives(final Path file, final ArchiveStage archives) {
        for (RouterConfigFile.ArchiveConfig archive : config.archives()) {
            try {
                archives.create(router, new ArchiveSpec(archive.name(), archive.eventBus(), archive.eventPattern(),
                    archive.retentionDays(), archive.dir()));
            } catch (InvalidPatternException e) {
                throw new UserError(file + ": " + archive.field() + ".eventPattern: " + e.getMessage());
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new UserError(file + ": " + archive.field() + ": " + e.getMessage());
            }
        }
    }

    private void applyApiDestinations(final Path file) {
        for (RouterConfigFile.ConnectionConfig c : config.connections()) {
            try {
                apiDestinations.createConnection(c.name(), c.description(), c.authorization(), c.invocation());
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + c.field() + ": " + e.getMessage());
            }
        }
        for (RouterConfigFile.ApiDestinationConfig d : config.apiDestinations()) {
            try {
                apiDestinations.createApiDestination(d.name(), d.description(), d.connection(), d.endpoint(),
                    d.httpMethod(), d.rateLimitPerSecond());
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + d.field() + ": " + e.getMessage());
            }
        }
    }

    /** @return the connections and API destinations (declared in the config, and those made over HTTP). */
    ApiDestinations apiDestinations() {
        return apiDestinations;
    }

    private Target target(final RouterConfigFile.TargetConfig config) {
        final Target target = switch (config.type()) {
            case "stdout" -> Target.handler(config.id(), toStdout());
            case "file" -> Target.handler(config.id(), toFile(config));
            case "apiDestination" -> apiDestinations.target(config.id(), config.apiDestination(),
                config.httpParameters());
            case "kafka" -> kafka(config).target(config.id());
            default -> Target.bus(config.id(), config.eventBus());
        };
        final Target shaped = target.withInput(config.input()).withRetryPolicy(config.retryPolicy());
        if (config.deadLetterFile() == null) {
            return shaped;
        }
        final OutputStream out = files.computeIfAbsent(config.deadLetterFile(),
            path -> open(path, false, config.field() + ".deadLetterFile", err));
        return shaped.withDeadLetter(letter -> deadLetter(letter, out));
    }

    /** Opens the target's producer (closed after the router, so what it still sends is flushed). */
    private KafkaTarget kafka(final RouterConfigFile.TargetConfig config) {
        try {
            final KafkaTarget target = KafkaTarget.open(config.kafka());
            kafkaTargets.add(target);
            return target;
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new IllegalArgumentException("kafka: " + e.getMessage(), e);
        }
    }

    private EventHandler toStdout() {
        return delivery -> {
            synchronized (stdout) {
                stdout.println(delivery.payloadAsString());
            }
        };
    }

    private EventHandler toFile(final RouterConfigFile.TargetConfig target) {
        return ndjson(files.computeIfAbsent(target.path(),
            path -> open(path, target.truncate(), target.field() + ".path", err)));
    }

    /**
     * @param field names the file's origin in errors (a command-line option).
     * @return a handler appending each delivered payload to {@code path} as one NDJSON line; the file is this
     *         router's (shared with config targets writing the same path, flushed and closed by {@link #close}).
     */
    EventHandler appendTo(final Path path, final String field) {
        return ndjson(files.computeIfAbsent(path, p -> open(p, false, field, err)));
    }

    private static EventHandler ndjson(final OutputStream out) {
        return delivery -> {
            final byte[] line = delivery.payloadCopy();
            synchronized (out) {
                out.write(line);
                out.write('\n');
            }
        };
    }

    /**
     * Opens an NDJSON output: appended to (a partial last line left by a crash is cut off first, and said on
     * stderr), or emptied when the config asks.
     */
    private static OutputStream open(final Path path, final boolean truncate, final String field,
                                     final PrintWriter err) {
        return NdjsonAppender.open(path, truncate, field, err, "");
    }

    private void deadLetter(final DeadLetter letter) throws IOException {
        deadLetter(letter, deadLetters);
    }

    /** Writes a dead letter as one NDJSON line to {@code out}, or to stderr when {@code out} is null. */
    private void deadLetter(final DeadLetter letter, final OutputStream out) throws IOException {
        final StringBuilder line = new StringBuilder(256).append("{\"ruleArn\":").append(quote(letter.ruleArn()))
            .append(",\"targetArn\":").append(quote(letter.targetArn()))
            .append(",\"errorCode\":").append(quote(letter.errorCode()))
            .append(",\"errorMessage\":").append(quote(letter.errorMessage()))
            .append(",\"retryAttempts\":").append(letter.retryAttempts())
            .append(",\"exhaustedRetryCondition\":").append(quote(letter.exhaustedRetryCondition()))
            .append(",\"event\":").append(new String(letter.event(), StandardCharsets.UTF_8)).append('}');
        if (out != null) {
            final byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (out) {
                out.write(bytes);
            }
        } else {
            synchronized (err) {
                err.println("dead letter: " + line);
            }
        }
    }

    private static String quote(final String text) {
        return text == null ? "null" : "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    Router router() {
        return router;
    }

    EventBus bus(final String name) {
        return router.eventBus(name);
    }

    /** Drains the router, flushes and closes every file. */
    CloseReport close(final Duration timeout) {
        final CloseReport report = router.close(timeout);
        if (apiDestinations != null) {
            apiDestinations.close();   // after the router: calls still out were reported by its close
        }
        for (KafkaTarget kafka : kafkaTargets) {
            kafka.close();   // after the router: its sends have completed or were reported by its close
        }
        stdout.flush();
        try {
            for (OutputStream out : files.values()) {
                out.close();   // the config's deadLetterFile among them
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return report;
    }

    @Override
    public void close() {
        close(Duration.ofMinutes(1));
    }

    /** @return deliveries that ended dead-lettered or dropped, over every configured target. */
    long failedDeliveries() {
        long failed = 0;
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            for (RouterConfigFile.TargetConfig target : rule.targets()) {
                final var metrics = router.targetMetrics(busOf(rule).arn(), rule.name(), target.id());
                failed += metrics.deadLettered() + metrics.dropped() + metrics.deadLetterFailed();
            }
        }
        return failed;
    }

    /** @return the rule's bus: a rule put by another account names its bus in that account. */
    private EventBus busOf(final RouterConfigFile.RuleConfig rule) {
        return rule.createdBy() == null ? router.eventBus(rule.eventBus())
            : router.as(rule.createdBy()).eventBus(rule.eventBus());
    }

    /** Prints counters per bus, rule and target. */
    void printSummary(final PrintWriter out) {
        out.printf(Locale.ROOT, "%-24s %12s %12s %12s%n", "bus", "published", "matched", "unmatched");
        for (EventBus bus : router.eventBuses()) {
            out.printf(Locale.ROOT, "%-24s %,12d %,12d %,12d%n", bus.name(), bus.metrics().published(),
                bus.metrics().matched(), bus.metrics().unmatched());
        }
        out.printf(Locale.ROOT, "%n%-24s %-16s %12s%n", "rule", "bus", "matched");
        final List<String[]> targets = new ArrayList<>();
        for (RouterConfigFile.RuleConfig rule : config.rules()) {
            final EventBus bus = busOf(rule);
            out.printf(Locale.ROOT, "%-24s %-16s %,12d%n", rule.name(), bus.name(),
                router.ruleMetrics(bus.arn(), rule.name()).matched());
            rule.targets().forEach(t -> targets.add(new String[] {bus.arn(), rule.name(), t.id()}));
        }
        out.printf(Locale.ROOT, "%n%-24s %-24s %12s %8s %8s %8s %8s%n", "target", "rule", "delivered", "failed",
            "retried", "dead", "dropped");
        for (String[] t : targets) {
            final var metrics = router.targetMetrics(t[0], t[1], t[2]);
            out.printf(Locale.ROOT, "%-24s %-24s %,12d %,8d %,8d %,8d %,8d%n", t[2], t[1], metrics.delivered(),
                metrics.failed(), metrics.retried(), metrics.deadLettered(), metrics.dropped());
        }
        out.flush();
    }
}
