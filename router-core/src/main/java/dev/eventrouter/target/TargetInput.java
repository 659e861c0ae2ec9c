package dev.eventrouter.target;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a target receives for a matched event: the whole event (the default, delivered without copying), a constant
 * {@code Input}, the value at an {@code InputPath}, or the output of an {@link InputTransformer}. The three shaping
 * options are mutually exclusive, as in EventBridge. Immutable and thread-safe; every factory validates its
 * arguments and throws {@link IllegalArgumentException} naming the field, so a bad target is refused when it is
 * put, never at delivery.
 */
public abstract sealed class TargetInput permits TargetInput.WholeEvent, TargetInput.Constant, TargetInput.Path,
    InputTransformer {
    private static final int MAX_INPUT_CHARS = 8192;
    private static final JsonFactory JSON = new JsonFactory();
    private static final TargetInput WHOLE_EVENT = new WholeEvent();

    TargetInput() {
    }

    /** @return the default: the event as matched, without copying. */
    public static TargetInput wholeEvent() {
        return WHOLE_EVENT;
    }

    /**
     * @param json constant JSON text, at most 8192 characters.
     * @return an input that sends this text instead of the event.
     */
    public static TargetInput constant(final String json) {
        if (json == null || json.isEmpty() || json.length() > MAX_INPUT_CHARS) {
            throw new IllegalArgumentException("Input: must be 1-" + MAX_INPUT_CHARS + " characters of JSON");
        }
        requireJson("Input", json);
        return new Constant(json);
    }

    /**
     * @param path a JSONPath such as {@code $.detail} (at most 256 characters).
     * @return an input that sends the value at that path, or {@code null} (the JSON literal) when it is absent.
     */
    public static TargetInput path(final String path) {
        try {
            return new Path(EventPath.compile(path));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("InputPath: " + e.getMessage(), e);
        }
    }

    /**
     * @param inputPathsMap variable name to JSONPath, at most 100 entries.
     * @param inputTemplate the template with {@code <variable>} placeholders, 1-8192 characters.
     * @return a transformer input.
     * @see InputTransformer
     */
    public static TargetInput transformer(final Map<String, String> inputPathsMap, final String inputTemplate) {
        return InputTransformer.compile(inputPathsMap, inputTemplate);
    }

    /** @return whether the target receives the event bytes unchanged (no copy, no parse). */
    public boolean isWholeEvent() {
        return this == WHOLE_EVENT;
    }

    /**
     * Shapes the payload for one delivery (allocates; only targets with shaping call it).
     *
     * @param event   the event envelope, UTF-8 JSON.
     * @param offset  its first byte.
     * @param length  its length.
     * @param context the rule and ingestion time, for reserved variables.
     * @return the payload's UTF-8 bytes.
     */
    public abstract byte[] shape(byte[] event, int offset, int length, ShapeContext context);

    static void requireJson(final String field, final String json) {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException(field + ": unexpected text after the JSON value at char "
                    + parser.currentTokenLocation().getCharOffset());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(field + ": not valid JSON: " + message(e) + " at char "
                + charOffset(e), e);
        }
    }

    static String message(final IOException e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException p ? p.getOriginalMessage()
            : e.getMessage();
    }

    private static long charOffset(final IOException e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
            ? p.getLocation().getCharOffset() : -1;
    }

    /** The rule a delivery is for and the event's ingestion time, as reserved variables need them. */
    public interface ShapeContext {
        /** @return the rule's name. */
        String ruleName();

        /** @return the rule's ARN. */
        String ruleArn();

        /** @return when the bus accepted the event, epoch milliseconds. */
        long ingestionTimeMillis();
    }

    static final class WholeEvent extends TargetInput {
        @Override
        public byte[] shape(final byte[] event, final int offset, final int length, final ShapeContext context) {
            final byte[] copy = new byte[length];
            System.arraycopy(event, offset, copy, 0, length);
            return copy;
        }

        @Override
        public String toString() {
            return "WholeEvent";
        }
    }

    static final class Constant extends TargetInput {
        private final byte[] bytes;
        private final String json;

        Constant(final String json) {
            this.json = json;
            bytes = json.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] shape(final byte[] event, final int offset, final int length, final ShapeContext context) {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "Input=" + json;
        }
    }

    static final class Path extends TargetInput {
        private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
        private final EventPath path;

        Path(final EventPath path) {
            this.path = path;
        }

        @Override
        public byte[] shape(final byte[] event, final int offset, final int length, final ShapeContext context) {
            final String value = path.evaluate(event, offset, length);
            return value == null ? NULL.clone() : value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "InputPath=" + path;
        }
    }
}
