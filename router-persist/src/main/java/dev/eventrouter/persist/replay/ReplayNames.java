package dev.eventrouter.persist.replay;

import java.nio.charset.StandardCharsets;

/** Writes an event with EventBridge's top-level {@code "replay-name"} field added (first). Stateless. */
public final class ReplayNames {
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");

    private ReplayNames() {
    }

    /** @throws IllegalArgumentException naming ReplayName unless it is 1-64 letters, digits, '.', '-' and '_'. */
    public static void requireValid(final String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("ReplayName=" + name
                + ": must be 1-64 characters of letters, digits, '.', '-' and '_'");
        }
    }

    /** @return the bytes to put before the event's remaining members: {@code {"replay-name":"NAME",}. */
    public static byte[] prefix(final String replayName) {
        return ("{\"replay-name\":\"" + replayName + "\",").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Copies {@code event} (a JSON object) into {@code out} with the field added.
     *
     * @return the new length, or the negated size needed when {@code out} is too small.
     */
    public static int inject(final byte[] prefix, final byte[] event, final int length, final byte[] out) {
        int first = 1;
        while (first < length && (event[first] == ' ' || event[first] == '\n' || event[first] == '\r'
            || event[first] == '\t')) {
            first++;
        }
        final boolean empty = first < length && event[first] == '}';
        final int head = prefix.length - (empty ? 1 : 0);
        final int size = head + length - 1;
        if (out.length < size) {
            return -size;
        }
        System.arraycopy(prefix, 0, out, 0, head);
        System.arraycopy(event, 1, out, head, length - 1);
        return size;
    }
}
