package dev.eventrouter.persist.cli;

import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code router test-pattern}: EventBridge's TestEventPattern from the shell. */
@Command(name = "test-pattern", mixinStandardHelpOptions = true,
    description = {"Tests one event against one pattern and prints true or false.",
        "Exit code: 0 on a match, 1 on no match, 2 on an invalid pattern or event."})
final class TestPatternCommand implements Callable<Integer> {
    @Option(names = "--pattern", required = true, paramLabel = "JSON|@FILE", description = "The event pattern.")
    private String pattern;

    @Option(names = "--event", required = true, paramLabel = "JSON|@FILE", description = "The event.")
    private String event;

    @CommandLine.Mixin
    private VerboseOption verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final String patternText = CliInput.textOrFile("--pattern", pattern);
        final String eventText = CliInput.textOrFile("--event", event);
        final EventPattern parsed;
        final MatchAutomaton automaton;
        try {
            parsed = new PatternParser(PatternLimits.DEFAULT).parse(patternText);
            automaton = new RuleCompiler(PatternLimits.DEFAULT).compile(List.of(new RuleCompiler.Rule("pattern", parsed)));
        } catch (InvalidPatternException e) {
            throw new UserError("invalid pattern: " + e.getMessage());
        }
        final int matched;
        try {
            matched = new EventMatcher(automaton).match(eventText.strip(), rule -> { });
        } catch (MalformedEventException e) {
            throw new UserError("invalid event: " + e.getMessage());
        }
        spec.commandLine().getOut().println(matched > 0);
        return matched > 0 ? 0 : 1;
    }
}
