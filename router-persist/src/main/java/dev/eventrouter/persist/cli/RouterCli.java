package dev.eventrouter.persist.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code router} command: routes to its subcommands. */
@Command(name = "router", mixinStandardHelpOptions = true, version = "router 0.1.0",
    description = "EventBridge-style event routing: pattern testing, matching and running routers.",
    subcommands = {TestPatternCommand.class, MatchCommand.class, RunCommand.class, DemoCommand.class,
        ArchiveCommand.class, ReplayCommand.class, PollCommand.class, QueueCommand.class, PolicyCommand.class, ServeCommand.class},
    exitCodeOnInvalidInput = 2, exitCodeOnExecutionException = 2)
public final class RouterCli implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** @param args the command line. */
    public static void main(final String[] args) {
        // buffered: match prints a line per event; commands flush where a person watches (demo's live line)
        final PrintWriter out = new PrintWriter(new BufferedWriter(
            new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16), false);
        System.exit(execute(args, out, new PrintWriter(System.err, true)));
    }

    /**
     * Runs a command line with the given output streams (for tests and embedding).
     *
     * @return the exit code.
     */
    public static int execute(final String[] args, final PrintWriter out, final PrintWriter err) {
        final CommandLine commandLine = new CommandLine(new RouterCli());
        // "@file" is ours (--pattern @p.json), not picocli's argument-file expansion
        commandLine.setExpandAtFiles(false);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean verbose = false;
            for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
                verbose |= level.hasMatchedOption("--verbose");
            }
            cmd.getErr().println("router: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return 2;
        });
        final int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
