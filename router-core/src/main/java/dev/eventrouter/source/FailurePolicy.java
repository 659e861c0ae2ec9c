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
     * A batch given up after its retries: an invocation record, as Lambda's on-failure destinations receive for
     * stream sources (a pointer to the records, not the records).
     *
     * @param mapping                the mapping's name.
     * @param partition              the partition (the shard).
     * @param startPosition          the batch's first position.
     * @param endPosition            the batch's last position.
     * @param batchSize              records in the batch.
     * @param condition              {@code RetryAttemptsExhausted} or {@code RecordAgeExceeded}.
     * @param errorMessage           the last failure.
     * @param approximateInvokeCount how many times the handler was called with this batch.
     * @param firstArrivalMillis     when the batch's first record arrived in the source.
     * @param lastArrivalMillis      when its last record arrived.
     * @param streamArn              the source ({@link PartitionedSource#arn()}).
     */
    public record FailedBatch(String mapping, int partition, long startPosition, long endPosition, int batchSize,
                              String condition, String errorMessage, int approximateInvokeCount,
                              long firstArrivalMillis, long lastArrivalMillis, String streamArn) {
        /**
         * @param timestampMillis when it was given up.
         * @return the invocation record as JSON in the shape and key order of Lambda's example for Kinesis
         *     (docs: "Configuring destinations for event source mappings"): {@code requestContext} {requestId,
         *     functionArn, condition, approximateInvokeCount}, {@code responseContext} {statusCode, executedVersion,
         *     functionError}, {@code version}, {@code timestamp}, and the batch pointer {@code StreamBatchInfo}
         *     {shardId, startSequenceNumber, endSequenceNumber, approximateArrivalOfFirstRecord,
         *     approximateArrivalOfLastRecord, batchSize, streamArn}. There is no Lambda function: {@code functionArn}
         *     names the mapping, {@code functionError} is {@code Unhandled} (the handler threw or reported failure)
         *     and the last error's text is kept in {@code responseContext.errorMessage}, a field AWS does not have.
         *     The request id is a name-based UUID of the batch, the same however often the record is written.
         */
        public String toJson(final long timestampMillis) {
            final StringBuilder json = new StringBuilder(512);
            final String requestId = java.util.UUID.nameUUIDFromBytes((mapping + "/" + partition + "/" + startPosition
                + "/" + endPosition + "/" + approximateInvokeCount).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
            json.append("{\"requestContext\":{\"requestId\":\"").append(requestId).append("\",\"functionArn\":");
            quote(json, "eventrouter:mapping:" + mapping).append(",\"condition\":");
            quote(json, condition).append(",\"approximateInvokeCount\":").append(approximateInvokeCount)
                .append("},\"responseContext\":{\"statusCode\":200,\"executedVersion\":\"$LATEST\","
                    + "\"functionError\":\"Unhandled\",\"errorMessage\":");
            quote(json, errorMessage == null ? "" : errorMessage).append("},\"version\":\"1.0\",\"timestamp\":\"")
                .append(dev.eventrouter.event.IsoTime.millis(timestampMillis))
                .append("\",\"StreamBatchInfo\":{\"shardId\":\"").append(String.format("shardId-%012d", partition))
                .append("\",\"startSequenceNumber\":\"").append(startPosition)
                .append("\",\"endSequenceNumber\":\"").append(endPosition)
                .append("\",\"approximateArrivalOfFirstRecord\":\"")
                .append(dev.eventrouter.event.IsoTime.millis(firstArrivalMillis))
                .append("\",\"approximateArrivalOfLastRecord\":\"")
                .append(dev.eventrouter.event.IsoTime.millis(lastArrivalMillis))
                .append("\",\"batchSize\":").append(batchSize).append(",\"streamArn\":");
            quote(json, streamArn == null ? "" : streamArn).append("}}");
            return json.toString();
        }

        private static StringBuilder quote(final StringBuilder json, final String text) {
            json.append('"');
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text, json);
            return json.append('"');
        }
    }
}
