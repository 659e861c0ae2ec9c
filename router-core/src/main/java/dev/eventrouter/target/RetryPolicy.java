package dev.eventrouter.target;

/**
 * A target's retry policy: retrying stops at whichever limit comes first. Immutable.
 *
 * @param maximumRetryAttempts     retries after the first attempt, 0 to 185.
 * @param maximumEventAgeSeconds   how long after ingestion an event may still be retried, 60 to 86,400.
 */
public record RetryPolicy(int maximumRetryAttempts, int maximumEventAgeSeconds) {
    /** EventBridge's default: 185 retries within 24 hours. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(185, 86_400);

    /** Validates both limits, naming the field and the range. */
    public RetryPolicy {
        if (maximumRetryAttempts < 0 || maximumRetryAttempts > 185) {
            throw new IllegalArgumentException("RetryPolicy.MaximumRetryAttempts=" + maximumRetryAttempts
                + ": must be between 0 and 185");
        }
        if (maximumEventAgeSeconds < 60 || maximumEventAgeSeconds > 86_400) {
            throw new IllegalArgumentException("RetryPolicy.MaximumEventAgeInSeconds=" + maximumEventAgeSeconds
                + ": must be between 60 and 86400");
        }
    }
}
