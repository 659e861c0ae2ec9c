package dev.eventrouter.bus;

import dev.eventrouter.target.EventPath;

/** Reads a top-level string field of an event envelope (authorizing raw publishes and bus-to-bus deliveries). */
final class EnvelopeFields {
    static final EventPath SOURCE = EventPath.compile("$.source");
    static final EventPath DETAIL_TYPE = EventPath.compile("$.detail-type");
    static final EventPath ACCOUNT = EventPath.compile("$.account");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    private EnvelopeFields() {
    }

    /** @return the field's string value, or {@code null} when it is absent or not a string. */
    static String string(final byte[] event, final int offset, final int length, final EventPath path) {
        final String json = path.evaluate(event, offset, length);
        if (json == null || json.length() < 2 || json.charAt(0) != '"') {
            return null;
        }
        if (json.indexOf('\\') < 0) {
            return json.substring(1, json.length() - 1);
        }
        try {
            return JSON.readValue(json, String.class);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
