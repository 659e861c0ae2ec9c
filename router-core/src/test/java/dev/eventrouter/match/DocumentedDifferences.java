package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where we differ from event-ruler on purpose, each listed with its reason in docs/patterns.md. */
final class DocumentedDifferences {
    private DocumentedDifferences() {
    }

    /** We accept IPv4 /32 and IPv6 /128 CIDR blocks; event-ruler rejects them. */
    static void assertAcceptedOnlyByUs(final String pattern, final Throwable rejection) {
        final boolean hostMaskCidr = pattern.contains("/32\"") || pattern.contains("/128\"");
        assertTrue(hostMaskCidr, "event-ruler rejects a pattern we accept, with no documented reason: " + pattern
            + "\nevent-ruler said: " + rejection);
    }
}
