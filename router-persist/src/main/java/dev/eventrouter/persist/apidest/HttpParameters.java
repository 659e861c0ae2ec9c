package dev.eventrouter.persist.apidest;

import dev.eventrouter.target.EventPath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A target's {@code HttpParameters}: values for the destination's {@code *} path wildcards, headers and query
 * string parameters. A value that is a JSON path ({@code $.detail.id}, the whole value) is read from the matched
 * event at delivery, never from the shaped input (EventBridge's "dynamic path parameters"); header keys cannot be
 * paths. Constraints from the API reference's HttpParameters page. Immutable.
 *
 * @param pathParameterValues    the values of the endpoint's {@code *}s, in order.
 * @param headerParameters       headers; the connection's win on conflict.
 * @param queryStringParameters  query string parameters; the connection's win on conflict.
 */
public record HttpParameters(List<String> pathParameterValues, Map<String, String> headerParameters,
                             Map<String, String> queryStringParameters) {
    /** No parameters. */
    public static final HttpParameters NONE = new HttpParameters(List.of(), Map.of(), Map.of());

    private static final Pattern HEADER_KEY = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9a-zA-Z]+");
    private static final Pattern HEADER_VALUE = Pattern.compile("[ \\t]*[\\x20-\\x7E]+([ \\t]+[\\x20-\\x7E]+)*[ \\t]*");
    private static final Pattern QUERY_KEY = Pattern.compile("[^\\x00-\\x1F\\x7F]+");
    private static final Pattern QUERY_VALUE = Pattern.compile("[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F]+");
    private static final Pattern PATH_VALUE = Pattern.compile("(?!\\s*$).+");
    private static final int MAX_CHARS = 512;

    /** Validates every value, naming the parameter that is wrong. */
    public HttpParameters {
        pathParameterValues = List.copyOf(pathParameterValues == null ? List.of() : pathParameterValues);
        headerParameters = Collections.unmodifiableMap(new LinkedHashMap<>(headerParameters == null ? Map.of()
            : headerParameters));
        queryStringParameters = Collections.unmodifiableMap(new LinkedHashMap<>(queryStringParameters == null
            ? Map.of() : queryStringParameters));
        for (int i = 0; i < pathParameterValues.size(); i++) {
            check("PathParameterValues[" + i + "]", pathParameterValues.get(i), PATH_VALUE, Integer.MAX_VALUE);
        }
        headerParameters.forEach((key, value) -> {
            check("HeaderParameters key", key, HEADER_KEY, MAX_CHARS);
            check("HeaderParameters." + key, value, HEADER_VALUE, MAX_CHARS);
        });
        queryStringParameters.forEach((key, value) -> {
            check("QueryStringParameters key", key, QUERY_KEY, MAX_CHARS);
            check("QueryStringParameters." + key, value, QUERY_VALUE, MAX_CHARS);
        });
    }

    private static void check(final String name, final String value, final Pattern pattern, final int maxChars) {
        if (value == null) {
            throw new IllegalArgumentException("HttpParameters." + name + " must not be null");
        }
        if (value.length() > maxChars) {
            throw new IllegalArgumentException("HttpParameters." + name + " has " + value.length()
                + " characters: at most " + maxChars);
        }
        if (!pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("HttpParameters." + name + " '" + value
                + "' does not match the pattern " + pattern.pattern());
        }
        if (isPath(value)) {
            try {
                EventPath.compile(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("HttpParameters." + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** @return whether a value is read from the event at delivery. */
    static boolean isPath(final String value) {
        return value.startsWith("$.") || value.equals("$");
    }

    /** Parameters with their JSON paths compiled, for delivery. */
    static final class Compiled {
        final List<Value> path;
        final Map<String, Value> headers;
        final Map<String, Value> query;

        Compiled(final HttpParameters parameters) {
            path = new ArrayList<>();
            parameters.pathParameterValues().forEach(v -> path.add(new Value(v)));
            headers = new LinkedHashMap<>();
            parameters.headerParameters().forEach((k, v) -> headers.put(k, new Value(v)));
            query = new LinkedHashMap<>();
            parameters.queryStringParameters().forEach((k, v) -> query.put(k, new Value(v)));
        }
    }

    /** A literal value, or a JSON path into the matched event. */
    static final class Value {
        private static final com.fasterxml.jackson.databind.ObjectMapper STRINGS =
            new com.fasterxml.jackson.databind.ObjectMapper();
        private final String literal;
        private final EventPath path;

        Value(final String text) {
            path = isPath(text) ? EventPath.compile(text) : null;
            literal = path == null ? text : null;
        }

        /**
         * @return the literal, or the event's value at the path: a string's text without quotes, any other JSON
         *         value as its JSON text; {@code null} when the path reaches nothing.
         */
        String resolve(final byte[] event, final int offset, final int length) {
            if (path == null) {
                return literal;
            }
            final String json = path.evaluate(event, offset, length);
            if (json == null || json.isEmpty() || json.charAt(0) != '"') {
                return json;
            }
            try {
                return STRINGS.readValue(json, String.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("the event's value at " + path.text() + " is not a JSON string: "
                    + json, e);
            }
        }

        String text() {
            return path == null ? literal : path.text();
        }
    }
}
