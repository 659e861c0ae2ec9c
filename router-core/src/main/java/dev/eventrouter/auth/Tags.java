package dev.eventrouter.auth;

import java.util.Map;

/** EventBridge's tag limits (TagResource): checked wherever tags enter. */
public final class Tags {
    /** Tags per resource. */
    public static final int MAX_TAGS = 50;
    /** Characters of a key. */
    public static final int MAX_KEY = 128;
    /** Characters of a value. */
    public static final int MAX_VALUE = 256;

    private Tags() {
    }

    /**
     * @param where what is being tagged, for the message.
     * @throws IllegalArgumentException naming the tag and the broken limit.
     */
    public static void validate(final String key, final String value, final String where) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
            throw new IllegalArgumentException(where + ": tag key '" + key + "' must be 1-" + MAX_KEY
                + " characters");
        }
        if (key.regionMatches(true, 0, "aws:", 0, 4)) {
            throw new IllegalArgumentException(where + ": tag key '" + key + "': the aws: prefix is reserved");
        }
        if (value == null || value.length() > MAX_VALUE) {
            throw new IllegalArgumentException(where + ": tag '" + key + "' value must be 0-" + MAX_VALUE
                + " characters");
        }
    }

    /** Validates every tag and the count. */
    public static void validate(final Map<String, String> tags, final String where) {
        if (tags.size() > MAX_TAGS) {
            throw new IllegalArgumentException(where + ": " + tags.size() + " tags; the limit is " + MAX_TAGS);
        }
        tags.forEach((k, v) -> validate(k, v, where));
    }
}
