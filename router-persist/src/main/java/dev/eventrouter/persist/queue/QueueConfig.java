package dev.eventrouter.persist.queue;

/**
 * A durable queue's settings, as SQS names them. Immutable; validated with the setting named.
 *
 * @param visibilityTimeoutMillis how long a received message stays hidden: 0-43,200,000 (12 h); SQS's default is 30 s.
 * @param redrive                 where messages received too often go, or {@code null} to keep them coming back.
 */
public record QueueConfig(long visibilityTimeoutMillis, RedrivePolicy redrive) {
    /** SQS's defaults: 30 s visibility, no redrive. */
    public static final QueueConfig DEFAULT = new QueueConfig(30_000, null);

    /** Validates the limits. */
    public QueueConfig {
        if (visibilityTimeoutMillis < 0 || visibilityTimeoutMillis > 43_200_000) {
            throw new IllegalArgumentException("VisibilityTimeout=" + visibilityTimeoutMillis
                + " ms: must be between 0 and 12 hours");
        }
    }

    /** @return these settings with this redrive policy. */
    public QueueConfig withRedrive(final DurableQueue deadLetterQueue, final int maxReceiveCount) {
        return new QueueConfig(visibilityTimeoutMillis, new RedrivePolicy(deadLetterQueue, maxReceiveCount));
    }

    /**
     * SQS's RedrivePolicy: a message received {@code maxReceiveCount} times without being deleted is moved to the
     * dead-letter queue instead of being received again.
     *
     * @param deadLetterQueue where it goes.
     * @param maxReceiveCount 1-1,000.
     */
    public record RedrivePolicy(DurableQueue deadLetterQueue, int maxReceiveCount) {
        /** Validates the limits. */
        public RedrivePolicy {
            if (deadLetterQueue == null) {
                throw new IllegalArgumentException("RedrivePolicy.deadLetterTargetArn: a dead-letter queue is required");
            }
            if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
                throw new IllegalArgumentException("RedrivePolicy.maxReceiveCount=" + maxReceiveCount
                    + ": must be between 1 and 1000");
            }
        }
    }
}
