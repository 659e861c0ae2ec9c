package dev.eventrouter.source;

/**
 * What a mapping does when a batch fails, as Lambda's stream mappings do. Immutable.
 *
 * @param maximumRetryAttempts       -1 (retry until the records expire) or 0-10,000.
 * @param maximumRecordAgeMillis     -1 (no limit) or up to 604,800 s: older batches are given up.
 * @param bisectBatchOnFunctionError split a failed batch in two and retry each half.
 * @param reportBatchItemFailures    the handler may return the positions that failed: the mapping commits up to the
 *                                   lowest one and retries from there (later records are delivered again).
 * @param onFailure                  where a given-up batch is reported (its bounds, not its records); {@code null}
 *                                   drops it after counting.
 */
public record FailurePolicy(int maximumRetryAttempts, long maximumRecordAgeMillis,
                            boolean bisectBatchOnFunctionError, boolean reportBatchItemFailures,
                            FailureDestination onFailure) {
    /** Lambda's defaults: retry until expiry, no bisection, whole-batch results, no destination. */
    public static final FailurePolicy DEFAULT = new FailurePolicy(-1, -1, false, false, null);

    /** Validates the limits. */
    public FailurePolicy {
        if (maximumRetryAttempts < -1 || maximumRetryAttempts > 10_000) {
            throw new IllegalArgumentException("MaximumRetryAttempts=" + maximumRetryAttempts
                + ": must be -1 (infinite) or between 0 and 10000");
        }
        if (maximumRecordAgeMillis < -1 || maximumRecordAgeMillis > 604_800_000L) {
            throw new IllegalArgumentException("MaximumRecordAge=" + maximumRecordAgeMillis
                + " ms: must be -1 (infinite) or at most 604800 s");
        }
    }

    /** Receives batches a mapping gave up on. */
    @FunctionalInterface
    public interface FailureDestination {
        /** @param failed the batch's bounds and why it was given up. */
        void onFailure(FailedBatch failed);
    }

    /**
     * A batch given up after its retries: an invocation record, as Lambda's on-failure destinations receive.
     *
     * @param mapping       the mapping's name.
     * @param partition     the partition.
     * @param startPosition the batch's first position.
     * @param endPosition   the batch's last position.
     * @param batchSize     records in the batch.
     * @param condition     {@code RetryAttemptsExhausted} or {@code RecordAgeExceeded}.
     * @param errorMessage  the last failure.
     */
    public record FailedBatch(String mapping, int partition, long startPosition, long endPosition, int batchSize,
                              String condition, String errorMessage) {
        /**
         * @param timestampMillis when it was given up.
         * @return the invocation record as JSON, shaped as Lambda's for stream sources: {@code version},
         *     {@code timestamp}, {@code requestContext} (mapping, condition), {@code responseContext} (the error) and
         *     the batch's bounds in {@code StreamBatchInfo}.
         */
        public String toJson(final long timestampMillis) {
            final StringBuilder json = new StringBuilder(256);
            json.append("{\"version\":\"1.0\",\"timestamp\":\"").append(java.time.Instant.ofEpochMilli(timestampMillis))
                .append("\",\"requestContext\":{\"mapping\":");
            quote(json, mapping).append(",\"condition\":");
            quote(json, condition).append("},\"responseContext\":{\"functionError\":");
            quote(json, errorMessage == null ? "" : errorMessage).append("},\"StreamBatchInfo\":{\"partition\":")
                .append(partition).append(",\"startSequenceNumber\":\"").append(startPosition)
                .append("\",\"endSequenceNumber\":\"").append(endPosition).append("\",\"batchSize\":")
                .append(batchSize).append("}}");
            return json.toString();
        }

        private static StringBuilder quote(final StringBuilder json, final String text) {
            json.append('"');
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text, json);
            return json.append('"');
        }
    }
}
