package dev.eventrouter.persist.cli;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.persist.replay.ReplayAgent;
import dev.eventrouter.persist.serve.Credentials;
import dev.eventrouter.persist.serve.EventsServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code router serve --config router.json [--port 4010] [--credentials creds.json | --allow-unsigned]}: the router
 * of the config behind EventBridge's HTTP API, for the AWS SDKs and CLI ({@code docs/serve.md}). SIGTERM or SIGINT
 * stops accepting, drains the router, flushes its files and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serves EventBridge's API (AWS JSON 1.1, SigV4) over HTTP for the AWS SDKs and CLI.",
        "Stops on SIGTERM or SIGINT: stops accepting, drains, exits 0. Exit 2 on bad input."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "router.json", description = "Buses, rules, targets, archives, accounts.")
    private Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "4010", paramLabel = "PORT", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    private int port;

    @Option(names = "--credentials", paramLabel = "creds.json", description = "Access keys: {\"AKID\": {\"secretAccessKey\": \"...\", \"principal\": \"ACCOUNT|ARN\"}}.")
    private Path credentials;

    @Option(names = "--allow-unsigned", description = "Accept requests without a SigV4 signature, as the config's account (local use only).")
    private boolean allowUnsigned;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N", description = "Event-loop threads (default ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--data-dir", defaultValue = "router-data", paramLabel = "DIR", description = "Where archives created over HTTP are written (default ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--drain-seconds", defaultValue = "30", paramLabel = "S", description = "How long shutdown waits for accepted events (default ${DEFAULT-VALUE}).")
    private int drainSeconds;

    @Option(names = "--bind-target", paramLabel = "ARN=FILE", description = "Deliver targets whose Arn is ARN (a queue, a function...) to FILE as NDJSON lines, appended (repeatable).")
    private java.util.Map<String, Path> bindTargets = new java.util.LinkedHashMap<>();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (credentials == null && !allowUnsigned) {
            throw new UserError("give --credentials creds.json (requests must be SigV4-signed) or --allow-unsigned");
        }
        if (credentials != null && allowUnsigned) {
            throw new UserError("--credentials and --allow-unsigned exclude each other");
        }
        if (port < 0 || port > 65_535 || threads < 1) {
            throw new UserError("--port must be 0-65535 and --threads at least 1");
        }
        for (String arn : bindTargets.keySet()) {
            if (!arn.startsWith("arn:") || arn.split(":", -1).length < 6) {
                throw new UserError("--bind-target " + arn + ": not an ARN (arn:partition:service:region:account:"
                    + "resource)");
            }
            if (arn.contains(":event-bus/")) {
                throw new UserError("--bind-target " + arn + ": an event bus ARN is delivered bus to bus, not to a "
                    + "file");
            }
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Credentials keys = credentials == null ? null : Credentials.load(credentials);
        final RouterConfigFile.Config parsed = RouterConfigFile.load(config);
        final ConfiguredRouter router = ConfiguredRouter.start(config, parsed, out, err, Duration.ZERO, true,
            bindTargets);
        final ReplayAgent replays = ReplayAgent.start(router.router(), System::currentTimeMillis,
            ReplayAgent.DEFAULT_MAX_CONCURRENT);
        final EventsServer server;
        try {
            server = EventsServer.start(router.router(), new InetSocketAddress(host, port), keys,
                Principal.account(router.account()), Clock.systemUTC(), threads, router.awsTargets());
        } catch (RuntimeException e) {
            replays.close();
            router.close(Duration.ofSeconds(5));
            throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        server.serveArchives(router.archives(), replays, dataDir);
        server.serveApiDestinations(router.apiDestinations());
        if (router.hasDistributedBuses()) {
            server.serveDistributedBuses(router::distributedOf, router.distributedBuses());
        }
        dev.eventrouter.persist.global.GlobalEndpoints global = null;
        if (parsed.global() != null) {
            try {
                global = dev.eventrouter.persist.global.GlobalEndpoints.start(router.router(),
                    new dev.eventrouter.persist.global.GlobalEndpoints.Context(router.router().eventBus(null).region(),
                        parsed.global().regions(), parsed.global().healthChecks(), dataDir,
                        System::currentTimeMillis, parsed.global().requestTimeout()), parsed.global().endpoints());
            } catch (IllegalArgumentException | IllegalStateException e) {
                server.close();
                replays.close();
                router.close(Duration.ofSeconds(5));
                throw new UserError(config + ": " + parsed.global().field() + ": " + e.getMessage());
            }
            server.serveGlobalEndpoints(global);
        }
        final CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        err.println("router serve: listening on http://" + host + ":" + server.port() + " ("
            + (keys == null ? "UNSIGNED requests accepted (--allow-unsigned): for local use only, every caller acts "
                + "as account " + router.account() : "SigV4 required") + ")");
        err.flush();
        stop.await();
        err.println("router serve: stopping");
        server.close();
        if (global != null) {
            global.close();   // what its outboxes hold is sent after the next start
        }
        replays.close();
        final CloseReport report = router.close(Duration.ofSeconds(drainSeconds));   // flushes bound files too
        err.println("router serve: stopped; " + (report.drained() ? "every accepted event delivered"
            : report.undelivered().size() + " accepted events not delivered"));
        err.flush();
        return report.drained() ? 0 : 1;
    }
}
