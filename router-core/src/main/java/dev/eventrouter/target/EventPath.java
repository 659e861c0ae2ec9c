package dev.eventrouter.target;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled JSONPath of the subset EventBridge evaluates in {@code InputPath} and {@code InputPathsMap}:
 * {@code $}, then {@code .name} steps (letters, digits, {@code _}, {@code -}, {@code /}, and escaped names of any
 * other characters are not supported), array indexes {@code [n]} and wildcards {@code .*} or {@code [*]}.
 * Immutable and thread-safe. Evaluation returns the value's original JSON text, byte for byte (numbers are not
 * re-formatted); a path through a wildcard returns a JSON array of every value reached, in document order.
 */
public final class EventPath {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_CHARS = 256;

    private final String text;
    private final Step[] steps;
    private final boolean hasWildcard;

    private record Step(String name, int index) {
        static final int ANY = -2;
        static final int FIELD = -1;

        boolean isWildcard() {
            return index == ANY;
        }
    }

    private EventPath(final String text, final Step[] steps) {
        this.text = text;
        this.steps = steps;
        boolean wildcard = false;
        for (Step step : steps) {
            wildcard |= step.isWildcard();
        }
        hasWildcard = wildcard;
    }

    /**
     * Compiles a path.
     *
     * @throws IllegalArgumentException naming the character offset of the first problem.
     */
    public static EventPath compile(final String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("path must not be empty");
        }
        if (path.length() > MAX_CHARS) {
            throw new IllegalArgumentException("path of " + path.length() + " characters exceeds " + MAX_CHARS);
        }
        if (path.charAt(0) != '$') {
            throw new IllegalArgumentException("path " + path + ": must start with '$'");
        }
        final List<Step> steps = new ArrayList<>();
        int i = 1;
        while (i < path.length()) {
            final char c = path.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < path.length() && isNameChar(path.charAt(end))) {
                    end++;
                }
                final String name = path.substring(i + 1, end);
                if (name.isEmpty()) {
                    throw bad(path, i + 1, "expected a field name or '*' after '.'");
                }
                if (name.contains("*") && !"*".equals(name)) {
                    throw bad(path, i + 1, "'*' must be a whole step");
                }
                steps.add("*".equals(name) ? new Step(null, Step.ANY) : new Step(name, Step.FIELD));
                i = end;
            } else if (c == '[') {
                final int close = path.indexOf(']', i);
                if (close < 0) {
                    throw bad(path, i, "unclosed '['");
                }
                final String inside = path.substring(i + 1, close);
                if ("*".equals(inside)) {
                    steps.add(new Step(null, Step.ANY));
                } else if (!inside.isEmpty() && inside.length() <= 9 && inside.chars().allMatch(Character::isDigit)) {
                    steps.add(new Step(null, Integer.parseInt(inside)));
                } else {
                    throw bad(path, i + 1, "expected an array index or '*' inside [ ]");
                }
                i = close + 1;
            } else {
                throw bad(path, i, "unexpected '" + c + "'");
            }
        }
        return new EventPath(path, steps.toArray(new Step[0]));
    }

    private static boolean isNameChar(final char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
            || c == '/' || c == '*' || c == '@' || c == ':';
    }

    private static IllegalArgumentException bad(final String path, final int offset, final String reason) {
        return new IllegalArgumentException("path " + path + " at offset " + offset + ": " + reason);
    }

    /** @return the path as written. */
    public String text() {
        return text;
    }

    /**
     * Evaluates the path over a JSON document (allocates: delivery with input shaping is off the zero-copy path).
     *
     * @return the value's JSON text, or {@code null} when the path reaches nothing.
     * @throws IllegalArgumentException when the document is not valid JSON.
     */
    public String evaluate(final byte[] json, final int offset, final int length) {
        final List<String> found = new ArrayList<>(hasWildcard ? 4 : 1);
        final List<long[]> spans = new ArrayList<>(hasWildcard ? 4 : 1);
        walk(json, offset, length, spans);
        for (long[] span : spans) {
            found.add(new String(json, offset + (int) span[0], (int) (span[1] - span[0]), StandardCharsets.UTF_8));
        }
        if (hasWildcard) {
            return found.isEmpty() ? null : "[" + String.join(",", found) + "]";
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * Locates the value of a path without wildcards, for in-place rewriting.
     *
     * @return {@code {start, end}} relative to {@code offset}, or {@code null} when the path reaches nothing.
     */
    public long[] locate(final byte[] json, final int offset, final int length) {
        if (hasWildcard) {
            throw new IllegalStateException("path " + text + " has a wildcard: it may reach several values");
        }
        final List<long[]> spans = new ArrayList<>(1);
        walk(json, offset, length, spans);
        return spans.isEmpty() ? null : spans.get(0);
    }

    private void walk(final byte[] json, final int offset, final int length, final List<long[]> spans) {
        try (JsonParser parser = JSON.createParser(json, offset, length)) {
            parser.nextToken();
            collect(parser, 0, spans);
        } catch (IOException e) {
            throw new IllegalArgumentException("event is not valid JSON: " + TargetInput.message(e), e);
        }
    }

    /** Parser is on the first token of a value; leaves it on that value's last token. */
    private void collect(final JsonParser parser, final int depth, final List<long[]> found) throws IOException {
        if (depth == steps.length) {
            final long start = parser.currentTokenLocation().getByteOffset();
            if (parser.currentToken().isStructStart()) {
                parser.skipChildren();
            } else {
                parser.finishToken();
            }
            found.add(new long[] {start, parser.currentLocation().getByteOffset()});
            return;
        }
        final Step step = steps[depth];
        final JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT && step.index() < 0) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String name = parser.currentName();
                parser.nextToken();
                if (step.isWildcard() || name.equals(step.name())) {
                    collect(parser, depth + 1, found);
                } else {
                    parser.skipChildren();
                }
            }
        } else if (token == JsonToken.START_ARRAY && step.index() != Step.FIELD) {
            int i = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (step.isWildcard() || i == step.index()) {
                    collect(parser, depth + 1, found);
                } else {
                    parser.skipChildren();
                }
                i++;
            }
        } else {
            parser.skipChildren();
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
