package dev.eventrouter.pattern;

/**
 * An event pattern that cannot be accepted, with a code, the path inside the pattern and the source position.
 *
 * <p>The message reads {@code $.detail.state: prefix must be a string (line 3, col 18)}; limit violations carry
 * the measured value and the limit, e.g. {@code $: pattern length 5120 exceeds limit 4096}.
 */
public final class InvalidPatternException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why a pattern was rejected. */
    public enum Code {
        /** The text is not well-formed JSON. */
        SYNTAX,
        /** Well-formed JSON that is not a valid pattern (wrong shape, operator, operand). */
        INVALID,
        /** The pattern text is longer than {@link PatternLimits#maxPatternLength()}. */
        PATTERN_TOO_LONG,
        /** {@code $or} expands to more conjunctions than {@link PatternLimits#maxOrCombinations()}. */
        TOO_MANY_COMBINATIONS,
        /**
         * A pattern's wildcard complexity exceeds {@link PatternLimits#maxRuleComplexity()}, or a rule set's exceeds
         * {@link PatternLimits#maxWildcardComplexity()}.
         */
        TOO_COMPLEX
    }

    private final Code code;
    private final String path;
    private final String reason;
    private final int line;
    private final int column;
    private final String rule;

    /**
     * @param code   why the pattern was rejected.
     * @param path   where inside the pattern, as {@code $.a.b[1]}; {@code $} for the whole pattern.
     * @param reason what is wrong, without the location.
     * @param line   1-based line in the pattern text, or 0 when not tied to a position.
     * @param column 1-based column in the pattern text, or 0 when not tied to a position.
     */
    public InvalidPatternException(final Code code, final String path, final String reason, final int line,
                                   final int column) {
        this(null, code, path, reason, line, column);
    }

    private InvalidPatternException(final String rule, final Code code, final String path, final String reason,
                                    final int line, final int column) {
        super(format(rule, path, reason, line, column));
        this.code = code;
        this.path = path;
        this.reason = reason;
        this.line = line;
        this.column = column;
        this.rule = rule;
    }

    private static String format(final String rule, final String path, final String reason, final int line,
                                 final int column) {
        final String where = line > 0 ? " (line " + line + ", col " + column + ")" : "";
        return (rule == null ? "" : "rule \"" + rule + "\": ") + path + ": " + reason + where;
    }

    /**
     * @param ruleName the rule whose pattern this is.
     * @return the same error, with a message that starts by naming the rule.
     */
    public InvalidPatternException inRule(final String ruleName) {
        return new InvalidPatternException(ruleName, code, path, reason, line, column);
    }

    /** @return the rule the pattern belongs to, or {@code null} when not known. */
    public String rule() {
        return rule;
    }

    /** @return why the pattern was rejected. */
    public Code code() {
        return code;
    }

    /** @return the path inside the pattern, {@code $} for the whole pattern. */
    public String path() {
        return path;
    }

    /** @return what is wrong, without the location. */
    public String reason() {
        return reason;
    }

    /** @return 1-based line, or 0 when the error is not tied to a position. */
    public int line() {
        return line;
    }

    /** @return 1-based column, or 0 when the error is not tied to a position. */
    public int column() {
        return column;
    }
}
