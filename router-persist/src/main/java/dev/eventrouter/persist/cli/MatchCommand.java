package dev.eventrouter.persist.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.MatchedRules;
import dev.eventrouter.pattern.PatternLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code router match}: matches NDJSON events against a rules file. */
@Command(name = "match", mixinStandardHelpOptions = true,
    description = {"Matches each line of an NDJSON file against a set of rules.",
        "names: one line per event, the matched rule names as a sorted JSON array.",
        "counts: one 'name<TAB>count' line per rule, sorted by name.",
        "A malformed event prints an error with its line number to stderr, [] to stdout, and processing continues."})
final class MatchCommand implements Callable<Integer> {
    /** Output formats. */
    enum Output { names, counts }

    @Option(names = "--rules", required = true, paramLabel = "RULES.json",
        description = "A JSON object of rule names to patterns.")
    private Path rules;

    @Option(names = "--events", required = true, paramLabel = "EVENTS.ndjson",
        description = "One JSON event per line; - for standard input.")
    private String events;

    @Option(names = "--output", defaultValue = "names", paramLabel = "names|counts",
        description = "What to print: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Output output;

    @Option(names = "--max-pattern-length", defaultValue = "4096", paramLabel = "CHARS",
        description = "Longest accepted pattern (default: ${DEFAULT-VALUE}).")
    private int maxPatternLength;

    @CommandLine.Mixin
    private VerboseOption verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (maxPatternLength < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-pattern-length must be at least 1");
        }
        final MatchAutomaton automaton = RulesFile.load(rules, PatternLimits.DEFAULT.withMaxPatternLength(maxPatternLength));
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final long[] counts = new long[automaton.ruleCount()];
        final EventMatcher matcher = new EventMatcher(automaton);
        final MatchedRules matched = new MatchedRules();
        final StringBuilder line = new StringBuilder(256);
        try (InputStream in = open()) {
            final LineReader reader = new LineReader(in);
            long lineNumber = 0;
            while (reader.next()) {
                lineNumber++;
                matched.clear();
                try {
                    matcher.match(reader.bytes(), reader.offset(), reader.length(), matched);
                } catch (MalformedEventException e) {
                    err.println(eventsName() + ": line " + lineNumber + ": " + e.getMessage());
                    matched.clear();
                }
                for (int i = 0; i < matched.size(); i++) {
                    counts[matched.rule(i).index()]++;
                }
                if (output == Output.names) {
                    out.println(namesArray(matched, line));
                }
            }
        }
        if (output == Output.counts) {
            final Integer[] byName = new Integer[automaton.ruleCount()];
            for (int r = 0; r < byName.length; r++) {
                byName[r] = r;
            }
            Arrays.sort(byName, Comparator.comparing(r -> automaton.rule(r).name()));
            for (int r : byName) {
                out.println(automaton.rule(r).name() + "\t" + counts[r]);
            }
        }
        out.flush();
        return 0;
    }

    private String eventsName() {
        return "-".equals(events) ? "<stdin>" : events;
    }

    private InputStream open() throws IOException {
        if ("-".equals(events)) {
            return System.in;
        }
        try {
            return Files.newInputStream(Path.of(events));
        } catch (NoSuchFileException e) {
            throw new UserError("--events: no such file: " + events);
        }
    }

    static String namesArray(final MatchedRules matched, final StringBuilder line) {
        line.setLength(0);
        line.append('[');
        final List<String> names = matched.sortedNames();
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            line.append('"');
            JsonStringEncoder.getInstance().quoteAsString(names.get(i), line);
            line.append('"');
        }
        return line.append(']').toString();
    }
}
