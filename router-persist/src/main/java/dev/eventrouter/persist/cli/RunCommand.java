package dev.eventrouter.persist.cli;

import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Caller;
import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.event.MalformedEventException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code router run --config router.json [--events EVENTS.ndjson|-] [--bus NAME] [--principal P]}: builds a router
 * from the configuration, publishes every line of the config's {@code sources} and of the events file (complete
 * event envelopes) to their buses, each as its principal, waits until everything is delivered, and prints counts per
 * bus, rule and target on stderr (stdout carries the output of stdout targets).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Routes events through buses, rules and targets loaded from a JSON configuration.",
        "stdout targets print to stdout; the summary and errors go to stderr.",
        "Exit code 0 when every line was accepted and delivered, 1 when some were not, 2 on bad input."})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "router.json", description = "Buses, rules and targets.")
    private Path config;

    @Option(names = "--events", paramLabel = "EVENTS.ndjson|-", description = "Event envelopes, one per line (default '-': stdin, unless the config has sources).")
    private String events;

    @Option(names = "--principal", paramLabel = "ACCOUNT|ARN", description = "Publish --events as this caller (an account id or principal ARN); default: the bus's owner.")
    private String principal;

    @Option(names = "--bus", defaultValue = "default", paramLabel = "NAME", description = "The bus events are published to (default ${DEFAULT-VALUE}).")
    private String bus;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "How long to wait for delivery at the end (default ${DEFAULT-VALUE}).")
    private int timeoutSeconds;

    @CommandLine.Mixin
    private VerboseOption verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (timeoutSeconds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be at least 1 second");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final RouterConfigFile.Config parsed = RouterConfigFile.load(config);
        if (parsed.global() != null) {
            throw new UserError(config + ": globalEndpoints: producers reach global endpoints over HTTP: serve this "
                + "config with router serve");
        }
        final Principal caller = principal == null ? null : RouterConfigFile.principal(principal, "--principal");
        if (events == null && parsed.sources().isEmpty()) {
            events = "-";
        }
        long failedDeliveries;
        final CloseReport report;
        try (ConfiguredRouter router = ConfiguredRouter.start(config, parsed, out, err)) {
            for (RouterConfigFile.SourceConfig source : parsed.sources()) {
                final Publisher publisher = publisher(router, source.eventBus(), source.principal(),
                    config + ": " + source.field());
                try (InputStream in = open(source.events().toString(), config + ": " + source.field() + ".events")) {
                    publish(in, source.events().toString(), publisher, err);
                }
            }
            if (events != null) {
                final Publisher publisher = publisher(router, bus, caller, "--bus");
                try (InputStream in = open(events, "--events")) {
                    publish(in, events, publisher, err);
                }
            }
            report = router.close(Duration.ofSeconds(timeoutSeconds));
            router.printSummary(err);
            failedDeliveries = router.failedDeliveries();
        }
        final String outcome = !report.drained()
            ? report.undelivered().size() + " not delivered in " + timeoutSeconds + " s"
            : failedDeliveries > 0 ? failedDeliveries + " deliveries dead-lettered or dropped" : "all delivered";
        err.printf("%nevents: %,d accepted, %,d rejected; %s%n", accepted, rejected, outcome);
        report.undelivered().stream().limit(10).forEach(u -> err.println("  not delivered: " + u));
        err.flush();
        return rejected == 0 && report.drained() && failedDeliveries == 0 ? 0 : 1;
    }

    /** Publishes one line; {@code false} when throttled. */
    private interface Publisher {
        boolean publish(byte[] bytes, int offset, int length);
    }

    private long accepted;
    private long rejected;

    /** @return a publisher to the bus (a name in the caller's account, or an ARN) as the caller. */
    private static Publisher publisher(final ConfiguredRouter router, final String bus, final Principal caller,
                                       final String field) {
        try {
            if (caller == null) {
                final EventBus target = router.bus(bus);
                return target::publish;
            }
            final Caller as = router.as(caller);
            final String arn = as.eventBus(bus).arn();
            return (bytes, offset, length) -> as.publish(arn, bytes, offset, length);
        } catch (IllegalArgumentException e) {
            throw new UserError(field + ": " + e.getMessage());
        }
    }

    private void publish(final InputStream in, final String name, final Publisher publisher, final PrintWriter err)
        throws IOException {
        final LineReader lines = new LineReader(in);
        long line = 0;
        while (lines.next()) {
            line++;
            if (isBlank(lines)) {
                continue;
            }
            try {
                if (publisher.publish(lines.bytes(), lines.offset(), lines.length())) {
                    accepted++;
                } else {
                    rejected++;
                    err.println("router: " + name + " line " + line + ": throttled");
                }
            } catch (MalformedEventException | AccessDeniedException e) {
                rejected++;
                err.println("router: " + name + " line " + line + ": " + e.getMessage());
            }
        }
    }

    private static boolean isBlank(final LineReader lines) {
        for (int i = 0; i < lines.length(); i++) {
            final byte b = lines.bytes()[lines.offset() + i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static InputStream open(final String events, final String field) throws IOException {
        if ("-".equals(events)) {
            return System.in;
        }
        try {
            return Files.newInputStream(Path.of(events));
        } catch (NoSuchFileException e) {
            throw new UserError(field + ": no such file: " + events);
        }
    }
}
