package dev.eventrouter.persist.cli;

import picocli.CommandLine.Option;

/** The {@code --verbose} option every command takes: errors then include their stack trace. */
final class VerboseOption {
    @Option(names = "--verbose", description = "Print stack traces for errors.")
    boolean verbose;
}
