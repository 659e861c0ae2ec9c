package dev.eventrouter.pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.eventrouter.pattern.InvalidPatternException.Code;
import dev.eventrouter.pattern.ValueMatcher.AnythingBut;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses EventBridge event patterns (JSON) into {@link EventPattern}s, rejecting anything invalid with one
 * {@link InvalidPatternException} naming the path and line/column. Thread-safe: each call uses its own state.
 *
 * <p>Duplicate keys: the last one wins, as in EventBridge. A path written twice through {@code $or} branches
 * (for example {@code a} outside and inside a branch) also keeps the last one in pattern order.
 */
public final class PatternParser {
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        .build();
    private static final String OR = "$or";
    private static final Set<String> RESERVED_IN_OR = Set.of(
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr",
        "=", "<", "<=", ">", ">=");

    /** EventBridge's reason for a pattern over the wildcard complexity limit. */
    public static final String TOO_COMPLEX = "Rule is too complex - try using fewer wildcard characters or fewer "
        + "repeating character sequences after a wildcard character";

    private final PatternLimits limits;

    /** @param limits the limits to enforce. */
    public PatternParser(final PatternLimits limits) {
        this.limits = limits;
    }

    /**
     * @param json the pattern text.
     * @return the parsed pattern.
     * @throws InvalidPatternException for the first problem found.
     */
    public EventPattern parse(final String json) {
        if (json.length() > limits.maxPatternLength()) {
            throw new InvalidPatternException(Code.PATTERN_TOO_LONG, "$",
                "pattern length " + json.length() + " exceeds limit " + limits.maxPatternLength(), 0, 0);
        }
        try (JsonParser parser = JSON.createParser(json)) {
            final Cursor cursor = new Cursor(parser);
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw cursor.invalid("$", "pattern must be a JSON object");
            }
            final List<Map<String, FieldCondition>> partials = new ArrayList<>();
            partials.add(new HashMap<>());
            cursor.parseObject("$", "", partials, false);
            if (parser.nextToken() != null) {
                throw cursor.invalid("$", "unexpected content after the pattern");
            }
            final List<List<FieldCondition>> conjunctions = toConjunctions(partials);
            checkComplexity(conjunctions);
            return new EventPattern(json, conjunctions);
        } catch (JsonProcessingException e) {
            final JsonLocation location = e.getLocation();
            throw new InvalidPatternException(Code.SYNTAX, "$", "malformed JSON: " + e.getOriginalMessage(),
                location == null ? 0 : location.getLineNr(), location == null ? 0 : location.getColumnNr());
        } catch (IOException e) {
            throw new InvalidPatternException(Code.SYNTAX, "$", "unreadable pattern: " + e.getMessage(), 0, 0);
        }
    }

    /** EventBridge's per-rule wildcard limit, in its words, naming the worst field. */
    private void checkComplexity(final List<List<FieldCondition>> conjunctions) {
        final int limit = limits.maxRuleComplexity();
        final WildcardComplexity.Worst worst = WildcardComplexity.worst(conjunctions, limit + 1);
        if (worst != null && worst.complexity() > limit) {
            throw new InvalidPatternException(Code.TOO_COMPLEX, "$." + worst.path(), TOO_COMPLEX
                + " (wildcard complexity over the limit of " + limit + ")", 0, 0);
        }
    }

    private static List<List<FieldCondition>> toConjunctions(final List<Map<String, FieldCondition>> partials) {
        final List<List<FieldCondition>> conjunctions = new ArrayList<>(partials.size());
        for (Map<String, FieldCondition> partial : partials) {
            final List<FieldCondition> conditions = new ArrayList<>(partial.values());
            conditions.sort(Comparator.comparing(FieldCondition::path));
            conjunctions.add(conditions);
        }
        return conjunctions;
    }

    static String childPath(final String parent, final String key) {
        for (int i = 0; i < key.length(); i++) {
            final char c = key.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '$')) {
                return parent + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
            }
        }
        return parent + "." + key;
    }

    /** The per-call parsing state: the Jackson parser and the limits. */
    private final class Cursor {
        private final JsonParser parser;

        Cursor(final JsonParser parser) {
            this.parser = parser;
        }

        InvalidPatternException invalid(final String path, final String reason) {
            final JsonLocation location = parser.currentTokenLocation();
            return new InvalidPatternException(Code.INVALID, path, reason, location.getLineNr(),
                location.getColumnNr());
        }

        void parseObject(final String errorPath, final String prefix, final List<Map<String, FieldCondition>> partials,
                         final boolean insideOr) throws IOException {
            boolean any = false;
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_OBJECT) {
                any = true;
                final String key = parser.currentName();
                final String path = childPath(errorPath, key);
                if (OR.equals(key)) {
                    parseOr(path, prefix, partials);
                    continue;
                }
                if (insideOr && RESERVED_IN_OR.contains(key)) {
                    throw invalid(path, "\"" + key + "\" is an operator and cannot be a field name inside $or");
                }
                token = parser.nextToken();
                final String dotted = prefix.isEmpty() ? key : prefix + "." + key;
                if (token == JsonToken.START_OBJECT) {
                    parseObject(path, dotted, partials, insideOr);
                } else if (token == JsonToken.START_ARRAY) {
                    final FieldCondition condition = new FieldCondition(dotted, parseValues(path));
                    for (Map<String, FieldCondition> partial : partials) {
                        partial.put(dotted, condition);
                    }
                } else {
                    throw invalid(path, "must be an object or an array of match values");
                }
            }
            if (!any) {
                throw invalid(errorPath, "empty objects are not allowed");
            }
        }

        private void parseOr(final String path, final String prefix, final List<Map<String, FieldCondition>> partials)
            throws IOException {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw invalid(path, "$or must be an array of at least 2 objects");
            }
            final List<Map<String, FieldCondition>> before = copy(partials);
            partials.clear();
            int branches = 0;
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                final String branchPath = path + "[" + branches + "]";
                if (token != JsonToken.START_OBJECT) {
                    throw invalid(branchPath, "$or elements must be objects");
                }
                final List<Map<String, FieldCondition>> branch = copy(before);
                parseObject(branchPath, prefix, branch, true);
                partials.addAll(branch);
                if (partials.size() > limits.maxOrCombinations()) {
                    throw new InvalidPatternException(Code.TOO_MANY_COMBINATIONS, path,
                        "$or expands to more than " + limits.maxOrCombinations() + " combinations (limit "
                            + limits.maxOrCombinations() + ")",
                        parser.currentTokenLocation().getLineNr(), parser.currentTokenLocation().getColumnNr());
                }
                branches++;
            }
            if (branches < 2) {
                throw invalid(path, "$or needs at least 2 objects, found " + branches);
            }
        }

        private List<Map<String, FieldCondition>> copy(final List<Map<String, FieldCondition>> partials) {
            final List<Map<String, FieldCondition>> copy = new ArrayList<>(partials.size());
            for (Map<String, FieldCondition> partial : partials) {
                copy.add(new HashMap<>(partial));
            }
            return copy;
        }

        private List<ValueMatcher> parseValues(final String path) throws IOException {
            final List<ValueMatcher> values = new ArrayList<>();
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                final String itemPath = path + "[" + values.size() + "]";
                switch (token) {
                    case START_OBJECT -> values.add(parseOperator(itemPath));
                    case VALUE_STRING -> values.add(exactString(parser.getText()));
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> values.add(
                        new ValueMatcher.ExactNumber(parser.getText(), Decimals.comparableValue(parser.getText())));
                    case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> values.add(
                        new ValueMatcher.ExactLiteral(parser.getText()));
                    default -> throw invalid(itemPath,
                        "match values must be strings, numbers, booleans, null or operator objects");
                }
            }
            if (values.isEmpty()) {
                throw invalid(path, "empty arrays are not allowed");
            }
            return values;
        }

        private ValueMatcher exactString(final String text) {
            final ValueMatcher.IpRange address = IpRanges.single(text);
            return address != null ? address : new ValueMatcher.ExactString(text);
        }

        private ValueMatcher parseOperator(final String path) throws IOException {
            if (parser.nextToken() != JsonToken.FIELD_NAME) {
                throw invalid(path, "an operator object needs exactly one operator");
            }
            final String operator = parser.currentName();
            final String operatorPath = childPath(path, operator);
            parser.nextToken();
            final ValueMatcher matcher = switch (operator) {
                case "exactly" -> new ValueMatcher.ExactString(string(operatorPath, "exactly"));
                case "prefix" -> parser.currentToken() == JsonToken.START_OBJECT
                    ? new ValueMatcher.Prefix(ignoreCaseOperand(operatorPath, "prefix"), true)
                    : new ValueMatcher.Prefix(string(operatorPath, "prefix"), false);
                case "suffix" -> parser.currentToken() == JsonToken.START_OBJECT
                    ? new ValueMatcher.Suffix(ignoreCaseOperand(operatorPath, "suffix"), true)
                    : new ValueMatcher.Suffix(string(operatorPath, "suffix"), false);
                case "equals-ignore-case" ->
                    new ValueMatcher.EqualsIgnoreCase(string(operatorPath, "equals-ignore-case"));
                case "wildcard" -> new ValueMatcher.Wildcard(wildcard(operatorPath, string(operatorPath, "wildcard")));
                case "numeric" -> NumericOperands.parse(this, operatorPath);
                case "cidr" -> cidr(operatorPath, string(operatorPath, "cidr"));
                case "exists" -> exists(operatorPath);
                case "anything-but" -> anythingBut(operatorPath);
                default -> throw invalid(operatorPath, "unrecognized operator \"" + operator + "\"");
            };
            if (parser.nextToken() != JsonToken.END_OBJECT) {
                throw invalid(path, "an operator object needs exactly one operator");
            }
            return matcher;
        }

        JsonParser parser() {
            return parser;
        }

        String string(final String path, final String operator) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid(path, operator + " must be a string");
            }
            try {
                return parser.getText();
            } catch (IOException e) {
                throw invalid(path, operator + " must be a string");
            }
        }

        private String ignoreCaseOperand(final String path, final String operator) throws IOException {
            if (parser.nextToken() != JsonToken.FIELD_NAME || !"equals-ignore-case".equals(parser.currentName())) {
                throw invalid(path, operator + " takes a string or {\"equals-ignore-case\": string}");
            }
            parser.nextToken();
            final String value = string(childPath(path, "equals-ignore-case"), "equals-ignore-case");
            if (parser.nextToken() != JsonToken.END_OBJECT) {
                throw invalid(path, operator + " takes a string or {\"equals-ignore-case\": string}");
            }
            return value;
        }

        private String wildcard(final String path, final String pattern) {
            final String problem = Wildcards.validate(pattern);
            if (problem != null) {
                throw invalid(path, problem);
            }
            return pattern;
        }

        private ValueMatcher cidr(final String path, final String text) {
            try {
                return IpRanges.cidr(text);
            } catch (IllegalArgumentException e) {
                throw invalid(path, e.getMessage());
            }
        }

        private ValueMatcher exists(final String path) {
            final JsonToken token = parser.currentToken();
            if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                throw invalid(path, "exists must be true or false");
            }
            return new ValueMatcher.Exists(token == JsonToken.VALUE_TRUE);
        }

        private ValueMatcher anythingBut(final String path) throws IOException {
            final JsonToken token = parser.currentToken();
            if (token == JsonToken.START_OBJECT) {
                return anythingButOperator(path);
            }
            if (token == JsonToken.VALUE_STRING) {
                return new AnythingBut(AnythingBut.Kind.STRINGS, List.of(parser.getText()), List.of());
            }
            if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                return new AnythingBut(AnythingBut.Kind.NUMBERS, List.of(), List.of(comparable(path)));
            }
            if (token != JsonToken.START_ARRAY) {
                throw invalid(path, "anything-but takes a string, a number, a list of either, or an operator object");
            }
            final List<String> strings = new ArrayList<>();
            final List<Double> numbers = new ArrayList<>();
            JsonToken item;
            while ((item = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (item == JsonToken.VALUE_STRING) {
                    strings.add(parser.getText());
                } else if (item == JsonToken.VALUE_NUMBER_INT || item == JsonToken.VALUE_NUMBER_FLOAT) {
                    numbers.add(comparable(path));
                } else {
                    throw invalid(path, "anything-but lists hold only strings or only numbers");
                }
            }
            if (strings.isEmpty() == numbers.isEmpty()) {
                throw invalid(path, strings.isEmpty()
                    ? "anything-but list must not be empty"
                    : "anything-but lists hold only strings or only numbers, not both");
            }
            return strings.isEmpty()
                ? new AnythingBut(AnythingBut.Kind.NUMBERS, List.of(), numbers)
                : new AnythingBut(AnythingBut.Kind.STRINGS, strings, List.of());
        }

        private double comparable(final String path) throws IOException {
            final double value = Decimals.comparableValue(parser.getText());
            if (Double.isNaN(value)) {
                throw invalid(path, "number " + parser.getText() + " is not exactly representable as a double");
            }
            return value;
        }

        private ValueMatcher anythingButOperator(final String path) throws IOException {
            if (parser.nextToken() != JsonToken.FIELD_NAME) {
                throw invalid(path, "anything-but operator object needs exactly one operator");
            }
            final String operator = parser.currentName();
            final String operatorPath = childPath(path, operator);
            final AnythingBut.Kind kind = switch (operator) {
                case "equals-ignore-case" -> AnythingBut.Kind.EQUALS_IGNORE_CASE;
                case "prefix" -> AnythingBut.Kind.PREFIX;
                case "suffix" -> AnythingBut.Kind.SUFFIX;
                case "wildcard" -> AnythingBut.Kind.WILDCARD;
                default -> throw invalid(operatorPath, "anything-but does not support \"" + operator + "\"");
            };
            final List<String> operands = new ArrayList<>();
            final JsonToken token = parser.nextToken();
            if (token == JsonToken.START_ARRAY) {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    operands.add(anythingButOperand(operatorPath, operator, kind));
                }
                if (operands.isEmpty()) {
                    throw invalid(operatorPath, "anything-but " + operator + " list must not be empty");
                }
            } else {
                operands.add(anythingButOperand(operatorPath, operator, kind));
            }
            if (parser.nextToken() != JsonToken.END_OBJECT) {
                throw invalid(path, "anything-but operator object needs exactly one operator");
            }
            return new AnythingBut(kind, operands, List.of());
        }

        private String anythingButOperand(final String path, final String operator, final AnythingBut.Kind kind) {
            final String value = string(path, "anything-but " + operator);
            if (value.isEmpty() && (kind == AnythingBut.Kind.PREFIX || kind == AnythingBut.Kind.SUFFIX)) {
                throw invalid(path, "anything-but " + operator + " must not be empty");
            }
            if (kind == AnythingBut.Kind.WILDCARD) {
                wildcard(path, value);
            }
            return value;
        }
    }

    /** The {@code numeric} operand: {@code ["=", n]}, one comparison, or a lower then an upper bound. */
    private static final class NumericOperands {
        private NumericOperands() {
        }

        static ValueMatcher parse(final Cursor cursor, final String path) throws IOException {
            final JsonParser parser = cursor.parser();
            if (parser.currentToken() != JsonToken.START_ARRAY) {
                throw cursor.invalid(path, "numeric must be an array such as [\">\", 0, \"<=\", 5]");
            }
            final String first = operator(cursor, path);
            final double firstValue = operand(cursor, path, first);
            JsonToken token = parser.nextToken();
            switch (first) {
                case "=" -> {
                    end(cursor, path, token);
                    return new ValueMatcher.Numeric(firstValue, false, firstValue, false);
                }
                case "<", "<=" -> {
                    end(cursor, path, token);
                    return new ValueMatcher.Numeric(Double.NEGATIVE_INFINITY, false, firstValue, "<".equals(first));
                }
                default -> {
                    final boolean lowerOpen = ">".equals(first);
                    if (token == JsonToken.END_ARRAY) {
                        return new ValueMatcher.Numeric(firstValue, lowerOpen, Double.POSITIVE_INFINITY, false);
                    }
                    if (token != JsonToken.VALUE_STRING
                        || !("<".equals(parser.getText()) || "<=".equals(parser.getText()))) {
                        throw cursor.invalid(path, "a numeric lower bound may only be followed by \"<\" or \"<=\"");
                    }
                    final String second = parser.getText();
                    final double secondValue = operand(cursor, path, second);
                    end(cursor, path, parser.nextToken());
                    if (!(firstValue < secondValue)) {
                        throw cursor.invalid(path, "numeric lower bound " + firstValue
                            + " must be less than upper bound " + secondValue);
                    }
                    return new ValueMatcher.Numeric(firstValue, lowerOpen, secondValue, "<".equals(second));
                }
            }
        }

        private static String operator(final Cursor cursor, final String path) throws IOException {
            final JsonParser parser = cursor.parser();
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw cursor.invalid(path, "numeric must start with an operator: =, <, <=, > or >=");
            }
            final String operator = parser.getText();
            return switch (operator) {
                case "=", "<", "<=", ">", ">=" -> operator;
                default -> throw cursor.invalid(path, "unknown numeric operator \"" + operator + "\"");
            };
        }

        private static double operand(final Cursor cursor, final String path, final String operator)
            throws IOException {
            final JsonParser parser = cursor.parser();
            final JsonToken token = parser.nextToken();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw cursor.invalid(path, "numeric \"" + operator + "\" needs a number");
            }
            final double value = Decimals.comparableValue(parser.getText());
            if (Double.isNaN(value)) {
                throw cursor.invalid(path, "number " + parser.getText() + " is not exactly representable as a double");
            }
            return value;
        }

        private static void end(final Cursor cursor, final String path, final JsonToken token) {
            if (token != JsonToken.END_ARRAY) {
                throw cursor.invalid(path, "numeric takes at most two comparisons: a lower bound then an upper bound");
            }
        }
    }
}
