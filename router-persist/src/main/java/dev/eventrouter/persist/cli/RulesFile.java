package dev.eventrouter.persist.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A rules file: one JSON object mapping rule names to patterns, {@code {"rule-name": pattern, ...}}. Errors name
 * the rule and the line and column in the file.
 */
final class RulesFile {
    private static final JsonFactory JSON = new JsonFactory();

    private RulesFile() {
    }

    static MatchAutomaton load(final Path path, final PatternLimits limits) {
        return compile(path.toString(), CliInput.readFile("--rules", path), limits);
    }

    /**
     * @param source names the rules in messages (a file path, or a resource name).
     * @param text   the rules object.
     */
    static MatchAutomaton compile(final String source, final String text, final PatternLimits limits) {
        final List<RuleCompiler.Rule> rules = parse(source, text, limits);
        try {
            return new RuleCompiler(limits).compile(rules);
        } catch (InvalidPatternException e) {
            throw new UserError(source + ": rule set: " + e.getMessage());
        }
    }

    /**
     * @return the rules' names and pattern texts, in file order, each pattern validated.
     * @throws UserError naming the file, rule and position of the first problem.
     */
    static java.util.LinkedHashMap<String, String> patterns(final String source, final String text,
                                                           final PatternLimits limits) {
        final java.util.LinkedHashMap<String, String> patterns = new java.util.LinkedHashMap<>();
        parse(source, text, limits, patterns);
        return patterns;
    }

    private static List<RuleCompiler.Rule> parse(final String path, final String text, final PatternLimits limits) {
        return parse(path, text, limits, new java.util.LinkedHashMap<>());
    }

    private static List<RuleCompiler.Rule> parse(final String path, final String text, final PatternLimits limits,
                                                 final java.util.Map<String, String> texts) {
        final PatternParser parser = new PatternParser(limits);
        final List<RuleCompiler.Rule> rules = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        try (JsonParser json = JSON.createParser(text)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new UserError(path + ": must be a JSON object of rule names to patterns");
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                final String name = json.currentName();
                if (name.isEmpty() || !names.add(name)) {
                    throw new UserError(path + ": line " + json.currentLocation().getLineNr() + ": rule name \""
                        + name + "\" is " + (name.isEmpty() ? "empty" : "used twice"));
                }
                if (json.nextToken() != JsonToken.START_OBJECT) {
                    throw new UserError(path + ": rule \"" + name + "\" (line "
                        + json.currentTokenLocation().getLineNr() + "): pattern must be a JSON object");
                }
                final JsonLocation start = json.currentTokenLocation();
                json.skipChildren();
                final int end = (int) json.currentLocation().getCharOffset();
                final String pattern = text.substring((int) start.getCharOffset(), end);
                try {
                    rules.add(new RuleCompiler.Rule(name, parser.parse(pattern)));
                    texts.put(name, pattern);
                } catch (InvalidPatternException e) {
                    throw new UserError(path + ": rule \"" + name + "\": " + inFile(e, start));
                }
            }
            if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != null) {
                throw new UserError(path + ": unexpected content after the rules object");
            }
        } catch (JsonProcessingException e) {
            final JsonLocation at = e.getLocation();
            throw new UserError(path + ": malformed JSON: " + e.getOriginalMessage()
                + (at == null ? "" : " (line " + at.getLineNr() + ", col " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
        return rules;
    }

    /** Re-expresses a pattern error's position relative to the file. */
    private static String inFile(final InvalidPatternException e, final JsonLocation start) {
        if (e.line() == 0) {
            return e.getMessage();
        }
        final int line = start.getLineNr() + e.line() - 1;
        final int column = e.line() == 1 ? start.getColumnNr() + e.column() - 1 : e.column();
        return e.path() + ": " + e.reason() + " (line " + line + ", col " + column + ")";
    }
}
