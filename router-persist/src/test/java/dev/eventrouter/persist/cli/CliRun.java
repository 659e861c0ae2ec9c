package dev.eventrouter.persist.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One run of the {@code router} command line in-process: exit code, stdout and stderr.
 *
 * @param code the exit code.
 * @param out  everything written to stdout.
 * @param err  everything written to stderr.
 */
record CliRun(int code, String out, String err) {
    static CliRun of(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = RouterCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new CliRun(code, out.toString(), err.toString());
    }
}
