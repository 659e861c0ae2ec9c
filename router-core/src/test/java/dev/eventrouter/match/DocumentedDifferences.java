package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where we differ from event-ruler on purpose, each listed with its reason in docs/patterns.md. */
final class DocumentedDifferences {
    private DocumentedDifferences() {
    }

    /**
     * We accept IPv4 /32 and IPv6 /128 CIDR blocks; event-ruler rejects them. event-ruler also fails (with an
     * ArrayIndexOutOfBoundsException) on a one-sided numeric range that starts at the largest double and points
     * outwards ({@code [">", 1.7976931348623157e308]}, {@code ["<=", -1.7976931348623157e308]}); we accept it.
     */
    static void assertAcceptedOnlyByUs(final String pattern, final Throwable rejection) {
        final boolean hostMaskCidr = pattern.contains("/32\"") || pattern.contains("/128\"");
        final boolean outwardFromLargestDouble = rejection instanceof ArrayIndexOutOfBoundsException
            && pattern.toLowerCase(java.util.Locale.ROOT).contains("1.7976931348623157e308");
        assertTrue(hostMaskCidr || outwardFromLargestDouble, "event-ruler rejects a pattern we accept, with no documented reason: " + pattern
            + "\nevent-ruler said: " + rejection);
    }
}
