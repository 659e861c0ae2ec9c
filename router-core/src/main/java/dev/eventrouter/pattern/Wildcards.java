package dev.eventrouter.pattern;

/** Validation of wildcard operands: {@code *} runs, {@code \*} and {@code \\} escapes. Stateless. */
public final class Wildcards {
    private Wildcards() {
    }

    /**
     * @param pattern a wildcard operand.
     * @return {@code null} when valid, otherwise what is wrong and at which character position.
     */
    public static String validate(final String pattern) {
        for (int i = 0; i < pattern.length(); i++) {
            final char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                return "wildcard has consecutive '*' at position " + i;
            }
            if (c == '\\') {
                if (i + 1 >= pattern.length() || (pattern.charAt(i + 1) != '*' && pattern.charAt(i + 1) != '\\')) {
                    return "wildcard has an invalid escape at position " + i + " (only \\* and \\\\ are allowed)";
                }
                i++;
            }
        }
        return null;
    }

    /**
     * @param pattern a valid wildcard operand.
     * @return the number of unescaped {@code *} in it.
     */
    public static int starCount(final String pattern) {
        int stars = 0;
        for (int i = 0; i < pattern.length(); i++) {
            final char c = pattern.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*') {
                stars++;
            }
        }
        return stars;
    }
}
