package dev.eventrouter.source;

import java.util.List;
import java.util.regex.Pattern;

/**
 * An event-source mapping's batching and filtering settings, as Lambda names them. Immutable; validated on
 * construction with the field named in the message.
 *
 * @param name                        1-64 characters of letters, digits, '.', '-' and '_'; keys its checkpoints.
 * @param batchSize                   1-10,000 records.
 * @param maximumBatchingWindowMillis 0-300,000: how long a batch may wait for more records after its first one.
 * @param payloadLimitBytes           a batch is released before it would exceed this (default 6 MB).
 * @param filterPatterns              up to 5 event patterns, ORed; records matching none are skipped and committed.
 * @param startingPosition            where to start without a checkpoint.
 * @param startingTimestampMillis     for {@link StartingPosition#AT_TIMESTAMP}.
 * @param parallelizationFactor       1-10 concurrent batches per partition; records go to a batch lane by key, so
 *                                    order is kept per record key, not across the partition.
 * @param failurePolicy               retries, bisection, partial results and the on-failure destination.
 * @param tumblingWindowSeconds       TumblingWindowInSeconds, 0-900 (0: none); a stream mapping with a window needs a
 *                                    {@link WindowedBatchHandler} ({@link Poller#addWindowed}).
 */
public record MappingConfig(String name, int batchSize, long maximumBatchingWindowMillis, int payloadLimitBytes,
                            List<String> filterPatterns, StartingPosition startingPosition,
                            long startingTimestampMillis, int parallelizationFactor, FailurePolicy failurePolicy,
                            int tumblingWindowSeconds) {
    /** Lambda's synchronous payload limit. */
    public static final int DEFAULT_PAYLOAD_LIMIT = 6 * 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");

    /** Validates every field. */
    public MappingConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name=" + name
                + ": must be 1-64 characters of letters, digits, '.', '-' and '_'");
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("BatchSize=" + batchSize + ": must be between 1 and 10000");
        }
        if (maximumBatchingWindowMillis < 0 || maximumBatchingWindowMillis > 300_000) {
            throw new IllegalArgumentException("MaximumBatchingWindow=" + maximumBatchingWindowMillis
                + " ms: must be between 0 and 300 s");
        }
        if (payloadLimitBytes < 1) {
            throw new IllegalArgumentException("payloadLimitBytes=" + payloadLimitBytes + ": must be positive");
        }
        filterPatterns = filterPatterns == null ? List.of() : List.copyOf(filterPatterns);
        if (filterPatterns.size() > 5) {
            throw new IllegalArgumentException("FilterCriteria: " + filterPatterns.size()
                + " patterns exceed the limit of 5");
        }
        if (parallelizationFactor < 1 || parallelizationFactor > 10) {
            throw new IllegalArgumentException("ParallelizationFactor=" + parallelizationFactor
                + ": must be between 1 and 10");
        }
        if (tumblingWindowSeconds < 0 || tumblingWindowSeconds > 900) {
            throw new IllegalArgumentException("TumblingWindowInSeconds=" + tumblingWindowSeconds
                + ": must be between 0 and 900");
        }
        startingPosition = startingPosition == null ? StartingPosition.TRIM_HORIZON : startingPosition;
        failurePolicy = failurePolicy == null ? FailurePolicy.DEFAULT : failurePolicy;
    }

    /** @return a mapping reading from the oldest record, no filters, the default payload limit. */
    public static MappingConfig of(final String name, final int batchSize, final long windowMillis) {
        return new MappingConfig(name, batchSize, windowMillis, DEFAULT_PAYLOAD_LIMIT, List.of(),
            StartingPosition.TRIM_HORIZON, 0, 1, FailurePolicy.DEFAULT, 0);
    }

    /**
     * @return a stream mapping (Kinesis, DynamoDB Streams: a {@link PartitionedSource}) with AWS's defaults, as the
     *         CreateEventSourceMapping reference gives them: BatchSize 100, MaximumBatchingWindowInSeconds 0, from the
     *         oldest record, no filters.
     */
    public static MappingConfig forStream(final String name) {
        return of(name, 100, 0);
    }

    /**
     * @return a queue mapping (SQS: a {@link QueueSource}) with AWS's defaults: BatchSize 10,
     *         MaximumBatchingWindowInSeconds 0. A BatchSize over 10 needs a window of at least 1 s (checked when the
     *         mapping is added).
     */
    public static MappingConfig forQueue(final String name) {
        return of(name, 10, 0);
    }

    /** @return a copy with this BatchSize (1-10,000). */
    public MappingConfig withBatchSize(final int size) {
        return new MappingConfig(name, size, maximumBatchingWindowMillis, payloadLimitBytes, filterPatterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, failurePolicy, tumblingWindowSeconds);
    }

    /**
     * @return a copy with AWS's MaximumBatchingWindowInSeconds: whole seconds, 0-300. (The millisecond field is
     *         this library's extension for embedders that want shorter windows.)
     */
    public MappingConfig withMaximumBatchingWindowInSeconds(final int seconds) {
        if (seconds < 0 || seconds > 300) {
            throw new IllegalArgumentException("MaximumBatchingWindowInSeconds=" + seconds
                + ": must be between 0 and 300");
        }
        return new MappingConfig(name, batchSize, seconds * 1_000L, payloadLimitBytes, filterPatterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, failurePolicy, tumblingWindowSeconds);
    }

    /** @return a copy with this TumblingWindowInSeconds (0-900; 0 turns windows off). */
    public MappingConfig withTumblingWindowInSeconds(final int seconds) {
        return new MappingConfig(name, batchSize, maximumBatchingWindowMillis, payloadLimitBytes, filterPatterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, failurePolicy, seconds);
    }

    /** @return a copy with this name. */
    public MappingConfig withName(final String value) {
        return new MappingConfig(value, batchSize, maximumBatchingWindowMillis, payloadLimitBytes, filterPatterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, failurePolicy, tumblingWindowSeconds);
    }

    /** @return a copy with these filter patterns. */
    public MappingConfig withFilters(final List<String> patterns) {
        return new MappingConfig(name, batchSize, maximumBatchingWindowMillis, payloadLimitBytes, patterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, failurePolicy, tumblingWindowSeconds);
    }

    /** @return a copy with this payload limit. */
    public MappingConfig withPayloadLimit(final int bytes) {
        return new MappingConfig(name, batchSize, maximumBatchingWindowMillis, bytes, filterPatterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, failurePolicy, tumblingWindowSeconds);
    }

    /** @return a copy starting here. */
    public MappingConfig startingAt(final StartingPosition position, final long timestampMillis) {
        return new MappingConfig(name, batchSize, maximumBatchingWindowMillis, payloadLimitBytes, filterPatterns,
            position, timestampMillis, parallelizationFactor, failurePolicy, tumblingWindowSeconds);
    }

    /** @return a copy with this failure policy. */
    public MappingConfig withFailurePolicy(final FailurePolicy policy) {
        return new MappingConfig(name, batchSize, maximumBatchingWindowMillis, payloadLimitBytes, filterPatterns,
            startingPosition, startingTimestampMillis, parallelizationFactor, policy, tumblingWindowSeconds);
    }

    /** @return a copy with this ParallelizationFactor. */
    public MappingConfig withParallelizationFactor(final int factor) {
        return new MappingConfig(name, batchSize, maximumBatchingWindowMillis, payloadLimitBytes, filterPatterns,
            startingPosition, startingTimestampMillis, factor, failurePolicy, tumblingWindowSeconds);
    }
}
