package dev.eventrouter.pipe;

import dev.eventrouter.target.EventPath;
import dev.eventrouter.target.TemplateParts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An EventBridge Pipes {@code InputTemplate} (Pipes user guide, "Amazon EventBridge Pipes input transformation"):
 * JSON paths written inline as placeholders ({@code <$.body.orderId>}, no paths map) and the reserved variables
 * {@code <aws.pipes.pipe-arn>}, {@code <aws.pipes.pipe-name>}, {@code <aws.pipes.source-arn>},
 * {@code <aws.pipes.enrichment-arn>}, {@code <aws.pipes.target-arn>}, {@code <aws.pipes.event.ingestion-time>},
 * {@code <aws.pipes.event>} and {@code <aws.pipes.event.json>} (the last only as a JSON value). Immutable and
 * thread-safe.
 *
 * <p>A template is a static string, a bare placeholder, a string with placeholders, or JSON with placeholders. In a
 * JSON template (one starting with {@code {} or {@code [}) a placeholder outside a string is replaced by the value's
 * JSON (a string stays quoted), inside a string by its text; in a text template every placeholder is replaced by its
 * text; a template that is one placeholder gives the value's JSON. A path the event does not have gives nothing
 * inside a string or text and {@code null} as a JSON value; an ARN the pipe has none of (no enrichment) likewise.
 * {@code <aws.pipes.event.ingestion-time>} is the time of the transform (ISO-8601, seconds, UTC): the enrichment's
 * and the target's differ, as AWS documents.
 */
public final class PipeTemplate {
    static final int MAX_CHARS = 8192;
    private static final String PREFIX = "aws.pipes.";
    private static final String EVENT = "aws.pipes.event";
    private static final String EVENT_JSON = "aws.pipes.event.json";
    private static final List<String> RESERVED = List.of("aws.pipes.pipe-arn", "aws.pipes.pipe-name",
        "aws.pipes.source-arn", "aws.pipes.enrichment-arn", "aws.pipes.target-arn", "aws.pipes.event.ingestion-time",
        EVENT, EVENT_JSON);

    /** What the reserved variables name, for one transform. */
    public record Context(String pipeArn, String pipeName, String sourceArn, String enrichmentArn, String targetArn,
                          long ingestionTimeMillis) {
    }

    private final String template;
    private final String[] texts;
    private final String[] names;
    private final EventPath[] paths;
    private final boolean[] asText;

    private PipeTemplate(final String template, final List<String> texts, final List<String> names,
                         final List<EventPath> paths, final List<Boolean> asText) {
        this.template = template;
        this.texts = texts.toArray(new String[0]);
        this.names = names.toArray(new String[0]);
        this.paths = paths.toArray(new EventPath[0]);
        this.asText = new boolean[asText.size()];
        for (int i = 0; i < this.asText.length; i++) {
            this.asText[i] = asText.get(i);
        }
    }

    /**
     * @throws IllegalArgumentException naming the placeholder and its character offset: an unknown reserved
     *                                  variable, a bad path, {@code <aws.pipes.event.json>} inside a string or text,
     *                                  a template outside 1-8192 characters.
     */
    public static PipeTemplate compile(final String template) {
        if (template == null || template.isEmpty() || template.length() > MAX_CHARS) {
            throw new IllegalArgumentException("InputTemplate: must be 1-" + MAX_CHARS + " characters");
        }
        final String trimmed = template.strip();
        final boolean json = trimmed.startsWith("{") || trimmed.startsWith("[");
        final TemplateParts parts = TemplateParts.scan(template, json, PipeTemplate::placeholderEnd);
        final List<EventPath> paths = new ArrayList<>();
        final List<Boolean> asText = new ArrayList<>();
        for (int p = 0; p < parts.names().size(); p++) {
            final String name = parts.names().get(p);
            final int at = parts.offsets().get(p);
            final boolean bare = !json && trimmed.equals("<" + name + ">");
            final boolean inText = json ? parts.quoted().get(p) : !bare;
            if (name.startsWith("$")) {
                try {
                    paths.add(EventPath.compile(name));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("InputTemplate: placeholder <" + name + "> at offset " + at
                        + ": " + e.getMessage(), e);
                }
            } else if (RESERVED.contains(name)) {
                if (name.equals(EVENT_JSON) && inText) {
                    throw new IllegalArgumentException("InputTemplate: <" + EVENT_JSON + "> at offset " + at
                        + " may only be used as a JSON value");
                }
                paths.add(null);
            } else {
                throw new IllegalArgumentException("InputTemplate: <" + name + "> at offset " + at + " is neither a "
                    + "JSON path ($...) nor one of " + RESERVED);
            }
            asText.add(inText);
        }
        return new PipeTemplate(template, parts.texts(), parts.names(), paths, asText);
    }

    /** @return the {@code >} closing a placeholder opened at {@code open}: a path or a reserved name; else -1. */
    private static int placeholderEnd(final String template, final int open) {
        if (open + 1 >= template.length()) {
            return -1;
        }
        final char first = template.charAt(open + 1);
        if (first != '$' && !template.startsWith(PREFIX, open + 1)) {
            return -1;
        }
        for (int i = open + 1; i < template.length(); i++) {
            final char c = template.charAt(i);
            if (c == '>') {
                return i;
            }
            if (Character.isWhitespace(c) || c == '<' || c == '"') {
                return -1;
            }
        }
        return -1;
    }

    /** @return the template as given. */
    public String text() {
        return template;
    }

    /**
     * @param event one event's JSON (a pipe makes every payload JSON: a non-JSON record is its text as a string).
     * @return the transformed payload.
     */
    public byte[] render(final byte[] event, final Context context) {
        return render(event, event, context);
    }

    /**
     * @param event the event as received ({@code <aws.pipes.event>}).
     * @param view  the same event with its body or data decoded when JSON (what paths and
     *              {@code <aws.pipes.event.json>} read; Pipes user guide, "implicit body data parsing").
     * @return the transformed payload.
     */
    public byte[] render(final byte[] event, final byte[] view, final Context context) {
        final StringBuilder out = new StringBuilder(template.length() + 64);
        for (int i = 0; i < names.length; i++) {
            out.append(texts[i]);
            TemplateParts.fill(out, value(i, event, view, context), asText[i], "null");
        }
        out.append(texts[names.length]);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the JSON text of placeholder {@code i}, or {@code null} when it has no value. */
    private String value(final int i, final byte[] event, final byte[] view, final Context context) {
        if (paths[i] != null) {
            return paths[i].evaluate(view, 0, view.length);
        }
        return switch (names[i]) {
            case "aws.pipes.pipe-arn" -> TemplateParts.quote(context.pipeArn());
            case "aws.pipes.pipe-name" -> TemplateParts.quote(context.pipeName());
            case "aws.pipes.source-arn" -> TemplateParts.quote(context.sourceArn());
            case "aws.pipes.enrichment-arn" -> TemplateParts.quote(context.enrichmentArn());
            case "aws.pipes.target-arn" -> TemplateParts.quote(context.targetArn());
            case "aws.pipes.event.ingestion-time" -> TemplateParts.quotedTime(context.ingestionTimeMillis());
            case EVENT -> new String(event, StandardCharsets.UTF_8);
            default -> new String(view, StandardCharsets.UTF_8);   // the event as JSON, its body decoded
        };
    }

    @Override
    public String toString() {
        return "PipeTemplate{" + template + "}";
    }
}
