package dev.eventrouter.persist.cli;

import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.MatchedRules;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import dev.eventrouter.persist.archive.ArchiveReader;
import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.persist.archive.CorruptArchiveException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code router archive ls|describe|dump}: look into archive directories from the shell. */
@Command(name = "archive", mixinStandardHelpOptions = true,
    description = "Lists, describes and dumps archives (Chronicle Queue directories written by the router).",
    subcommands = {ArchiveCommand.Ls.class, ArchiveCommand.Describe.class, ArchiveCommand.Dump.class})
final class ArchiveCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: ls, describe, dump");
    }

    static ArchiveStore open(final Path dir) {
        return open("--dir", dir);
    }

    static ArchiveStore open(final String option, final Path dir) {
        try {
            return ArchiveStore.openReadOnly(dir);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        } catch (Exception e) {
            // Chronicle throws some checked exceptions (StreamCorruptedException) without declaring them
            throw corrupt(option, dir, e);
        }
    }

    /**
     * @return the one-line error for an archive Chronicle cannot read; a {@link CorruptArchiveException} already
     *         says where and why, so its message is used as it is.
     */
    static UserError corrupt(final String option, final Path dir, final Exception cause) {
        final UserError error = new UserError(option + ": " + (cause instanceof CorruptArchiveException
            ? cause.getMessage() : dir + ": cannot read the archive (corrupt file?): " + cause.getMessage()));
        error.initCause(cause);
        return error;
    }

    /** Always with milliseconds ({@code 2026-11-28T10:00:01.000Z}): one shape whatever the value, for readers. */
    static String time(final long millis) {
        return millis < 0 ? "-" : dev.eventrouter.event.IsoTime.millis(millis);
    }

    static long size(final Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UserError("--dir: cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** {@code archive ls --dir PARENT}: one line per archive directory in (or at) PARENT. */
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists the archives in a directory.")
    static final class Ls implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "An archive, or a directory of archives.")
        private Path dir;

        @CommandLine.Mixin
        private VerboseOption verbose;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!Files.isDirectory(dir)) {
                throw new UserError("--dir: " + dir + ": no such directory");
            }
            final List<Path> archives;
            try (Stream<Path> children = Files.list(dir)) {
                archives = ArchiveStore.isArchive(dir) ? List.of(dir)
                    : children.filter(Files::isDirectory).filter(ArchiveStore::isArchive).sorted().toList();
            }
            final PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%-24s %12s %14s  %-24s  %-24s%n", "archive", "events", "bytes", "first", "last");
            for (Path archive : archives) {
                try (ArchiveStore store = open(archive)) {
                    out.printf(Locale.ROOT, "%-24s %,12d %,14d  %-24s  %-24s%n", archive.getFileName(),
                        store.eventCount(), size(archive), time(store.firstTime()), time(store.lastTime()));
                }
            }
            return 0;
        }
    }

    /** {@code archive describe --dir DIR}. */
    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Describes one archive.")
    static final class Describe implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The archive directory.")
        private Path dir;

        @CommandLine.Mixin
        private VerboseOption verbose;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (ArchiveStore store = open(dir)) {
                describe(store);
            } catch (UserError e) {
                throw e;
            } catch (Exception e) {
                throw corrupt("--dir", dir, e);
            }
            return 0;
        }

        private void describe(final ArchiveStore store) {
            {
                final PrintWriter out = spec.commandLine().getOut();
                out.printf(Locale.ROOT, "archive:          %s%nevents:           %d%nbytes:            %d%n"
                    + "first event time: %s%nlast event time:  %s%ndurable position: %d%n", dir, store.eventCount(),
                    size(dir), time(store.firstTime()), time(store.lastTime()), store.durablePosition());
            }
        }
    }

    /** {@code archive dump --dir DIR [--from T] [--to T] [--pattern P] [--limit N]}: NDJSON on stdout. */
    @Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Writes the archived events of a time range as NDJSON to stdout.")
    static final class Dump implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The archive directory.")
        private Path dir;

        @Option(names = "--from", paramLabel = "T", description = "First time (inclusive): ISO-8601, epoch ms or -15m.")
        private String from;

        @Option(names = "--to", paramLabel = "T", description = "End time (exclusive).")
        private String to;

        @Option(names = "--pattern", paramLabel = "PATTERN|@file", description = "Only events matching this pattern.")
        private String pattern;

        @Option(names = "--limit", defaultValue = "-1", paramLabel = "N", description = "At most N events.")
        private long limit;

        @CommandLine.Mixin
        private VerboseOption verbose;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            final long now = System.currentTimeMillis();
            final TimeArgument.Range range = TimeArgument.range(from, to, now);
            final long start = range.start();
            final long end = range.end();
            if (limit < -1) {
                throw new UserError("--limit must be 0 or more");
            }
            final EventMatcher matcher = pattern == null ? null : matcher(pattern);
            final MatchedRules matched = new MatchedRules();
            final PrintWriter out = spec.commandLine().getOut();
            try (ArchiveStore store = open(dir); ArchiveReader reader = store.reader()) {
                dump(reader, start, end, matcher, matched, out);
            } catch (UserError e) {
                throw e;
            } catch (Exception e) {
                throw corrupt("--dir", dir, e);
            }
            return 0;
        }

        private void dump(final ArchiveReader reader, final long start, final long end, final EventMatcher matcher,
                          final MatchedRules matched, final PrintWriter out) {
            long written = 0;
            {
                if (start != Long.MIN_VALUE) {
                    reader.seek(start);
                }
                try {
                    while ((limit < 0 || written < limit) && reader.next() && reader.timeMillis() < end) {
                        if (matcher != null) {
                            matched.clear();
                            if (matcher.match(reader.bytes(), 0, reader.length(), matched) == 0) {
                                continue;
                            }
                        }
                        out.println(new String(reader.bytes(), 0, reader.length(), StandardCharsets.UTF_8));
                        written++;
                    }
                } catch (InternalError e) {
                    throw reader.corruption(e);   // next()'s fault, delivered late (ArchiveReader.corruption)
                }
            }
        }
    }

    static EventMatcher matcher(final String patternOption) {
        final String text = CliInput.textOrFile("--pattern", patternOption);
        try {
            final MatchAutomaton automaton = new RuleCompiler(PatternLimits.DEFAULT).compile(List.of(
                new RuleCompiler.Rule("pattern", new PatternParser(PatternLimits.DEFAULT).parse(text))));
            return new EventMatcher(automaton);
        } catch (InvalidPatternException e) {
            throw new UserError("--pattern: " + e.getMessage());
        }
    }
}
