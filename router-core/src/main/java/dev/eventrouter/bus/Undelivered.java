package dev.eventrouter.bus;

import java.nio.charset.StandardCharsets;

/**
 * An accepted event that {@link Router#close} could not deliver in time, with the rule and target it was for
 * ({@code null} when it had not been matched yet) and why. Immutable apart from the array, which is a private copy.
 *
 * @param ruleArn  the rule, or {@code null}.
 * @param targetId the target, or {@code null}.
 * @param reason   what was still to be done.
 * @param event    the event envelope.
 */
public record Undelivered(String ruleArn, String targetId, String reason, byte[] event) {
    /** @return the event as text. */
    public String eventAsString() {
        return new String(event, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Undelivered{rule=" + ruleArn + ", target=" + targetId + ", reason=" + reason + "}";
    }
}
