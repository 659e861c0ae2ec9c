package dev.eventrouter.target;

import java.util.ArrayList;
import java.util.List;

/**
 * A template split into literal text and {@code <placeholder>}s, each marked as inside a JSON string or not: the
 * scanning shared by EventBridge's input transformer and the Pipes input template, and the filling rule they share
 * (a value's JSON outside a string, its text inside one). Immutable.
 *
 * @param texts  the literal text before each placeholder, and the text after the last ({@code names.size() + 1}).
 * @param names  each placeholder's content, without the angle brackets.
 * @param quoted whether each placeholder sits inside a JSON string.
 * @param offsets each placeholder's character offset in the template.
 */
public record TemplateParts(List<String> texts, List<String> names, List<Boolean> quoted, List<Integer> offsets) {
    /** Where a placeholder that opens at a {@code <} ends. */
    @FunctionalInterface
    public interface PlaceholderEnd {
        /** @return the index of the closing {@code >}, or -1 when the {@code <} opens no placeholder. */
        int at(String template, int open);
    }

    /**
     * @param trackQuotes whether to follow JSON strings (with their escapes); when not, no placeholder is quoted.
     * @return the template's parts.
     */
    public static TemplateParts scan(final String template, final boolean trackQuotes, final PlaceholderEnd end) {
        final List<String> texts = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<Boolean> quoted = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        boolean inString = false;
        int i = 0;
        while (i < template.length()) {
            final char c = template.charAt(i);
            final int close = c == '<' ? end.at(template, i) : -1;
            if (close < 0) {
                text.append(c);
                if (trackQuotes && inString && c == '\\' && i + 1 < template.length()) {
                    text.append(template.charAt(++i));
                } else if (trackQuotes && c == '"') {
                    inString = !inString;
                }
                i++;
                continue;
            }
            texts.add(text.toString());
            text.setLength(0);
            names.add(template.substring(i + 1, close));
            quoted.add(inString);
            offsets.add(i);
            i = close + 1;
        }
        texts.add(text.toString());
        return new TemplateParts(List.copyOf(texts), List.copyOf(names), List.copyOf(quoted), List.copyOf(offsets));
    }

    /**
     * Appends a placeholder's value: outside a string its JSON text ({@code missing} when it has none), inside a
     * string its text (a JSON string without its quotes, escapes kept; nothing when it has none).
     */
    public static void fill(final StringBuilder out, final String json, final boolean inString, final String missing) {
        if (!inString) {
            out.append(json == null ? missing : json);
        } else if (json != null) {
            out.append(json.length() >= 2 && json.charAt(0) == '"' ? json.substring(1, json.length() - 1) : json);
        }
    }

    private static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter
        .ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);

    /** @return {@code text} as a JSON string (quoted and escaped), or {@code null} for {@code null}. */
    public static String quote(final String text) {
        return text == null ? null : "\""
            + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    /** @return an ingestion time as both transformers print it: ISO-8601 in whole seconds, UTC, quoted. */
    public static String quotedTime(final long epochMillis) {
        return "\"" + TIME.format(java.time.Instant.ofEpochMilli(Math.floorDiv(epochMillis, 1000L) * 1000L)) + "\"";
    }
}
