package dev.eventrouter.target;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Splitting JSON text without building a tree: the elements of an array as their original text. */
public final class JsonValues {
    private static final JsonFactory JSON = new JsonFactory();

    private JsonValues() {
    }

    /**
     * @param json one JSON value.
     * @return its elements' text, in order, when it is an array; {@code null} when it is another value.
     * @throws IllegalArgumentException when it is not one valid JSON value, naming the character offset.
     */
    public static List<String> elements(final String json) {
        try (JsonParser parser = JSON.createParser(json)) {
            final JsonToken first = parser.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("no JSON value");
            }
            List<String> elements = null;
            if (first == JsonToken.START_ARRAY) {
                elements = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    final int start = (int) parser.currentTokenLocation().getCharOffset();
                    parser.finishToken();  // strings are read lazily: read this one to its end
                    parser.skipChildren();
                    elements.add(json.substring(start, (int) parser.currentLocation().getCharOffset()));
                }
            } else {
                parser.skipChildren();
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("text after the JSON value at char "
                    + parser.currentTokenLocation().getCharOffset());
            }
            return elements;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage()
                .replaceAll(" \\(for \\w+ starting at \\[Source.*?\\]\\)", "") + " at char "
                + e.getLocation().getCharOffset(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
