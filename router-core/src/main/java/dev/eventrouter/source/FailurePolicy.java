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

        /**
         * What the mapping calls: the batch's bounds and its records (valid during the call only). A destination
         * that keeps the records themselves (Lambda's Kafka topic destinations) overrides it; throwing keeps the
         * batch, retried later.
         */
        default void onFailure(final FailedBatch failed, final java.util.List<SourceRecord> records) {
            onFailure(failed);
        }
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
            final StringBuilder json = head(timestampMillis, startPosition, endPosition);
            json.append(",\"StreamBatchInfo\":{\"shardId\":\"").append(String.format("shardId-%012d", partition))
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

        /** The fields every invocation record starts with, up to {@code timestamp}. */
        private StringBuilder head(final long timestampMillis, final long first, final long last) {
            final StringBuilder json = new StringBuilder(512);
            final String requestId = java.util.UUID.nameUUIDFromBytes((mapping + "/" + partition + "/" + first
                + "/" + last + "/" + approximateInvokeCount).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
            json.append("{\"requestContext\":{\"requestId\":\"").append(requestId).append("\",\"functionArn\":");
            quote(json, "eventrouter:mapping:" + mapping).append(",\"condition\":");
            quote(json, condition).append(",\"approximateInvokeCount\":").append(approximateInvokeCount)
                .append("},\"responseContext\":{\"statusCode\":200,\"executedVersion\":\"$LATEST\","
                    + "\"functionError\":\"Unhandled\",\"errorMessage\":");
            quote(json, errorMessage == null ? "" : errorMessage).append("},\"version\":\"1.0\",\"timestamp\":\"")
                .append(dev.eventrouter.event.IsoTime.millis(timestampMillis)).append('"');
            return json;
        }

        /**
         * @param records the batch's records.
         * @return the invocation record for an SQS, SNS or file destination: for Kafka records Lambda's
         *     {@code KafkaBatchInfo} shape ("Capturing discarded batches for Amazon MSK and self-managed Apache Kafka
         *     event sources": {@code batchSize}, {@code bootstrapServers}, {@code payloadSize} (the bytes of the
         *     batch's SelfManagedKafka event), {@code recordsInfo} by topic-partition with
         *     {@code firstRecordOffset}, {@code lastRecordOffset}, {@code firstRecordTimestamp},
         *     {@code lastRecordTimestamp}; a self-managed cluster has no {@code eventSourceArn}); else
         *     {@link #toJson(long)}.
         */
        public String toJson(final long timestampMillis, final java.util.List<SourceRecord> records) {
            if (records.isEmpty() || !(records.get(0).metadata() instanceof KafkaMetadata kafka)) {
                return toJson(timestampMillis);
            }
            final SourceRecord first = records.get(0);
            final SourceRecord last = records.get(records.size() - 1);
            final StringBuilder json = head(timestampMillis, first.position(), last.position());
            json.append(",\"KafkaBatchInfo\":{\"batchSize\":").append(records.size()).append(",\"bootstrapServers\":");
            quote(json, bootstrapServers()).append(",\"payloadSize\":").append(kafkaEvent(records).length())
                .append(",\"recordsInfo\":{");
            quote(json, kafka.topicPartition()).append(":{\"firstRecordOffset\":\"").append(first.position())
                .append("\",\"lastRecordOffset\":\"").append(last.position())
                .append("\",\"firstRecordTimestamp\":\"").append(dev.eventrouter.event.IsoTime.millis(
                    first.timestampMillis()))
                .append("\",\"lastRecordTimestamp\":\"").append(dev.eventrouter.event.IsoTime.millis(
                    last.timestampMillis())).append("\"}}}}");
            return json.toString();
        }

        /**
         * @param records the batch's Kafka records.
         * @return one message per record for a Kafka topic destination, in Lambda's shape ("Using a Kafka topic as an
         *     on-failure destination", record format): the invocation record with {@code KafkaBatchInfo}
         *     {@code batchSize} 1, {@code bootstrapServers}, {@code payloadSize} and {@code recordInfo} {offset,
         *     timestamp}, and {@code payload}: the SelfManagedKafka event of that one record.
         * @throws IllegalArgumentException when a record is not a Kafka record.
         */
        public java.util.List<String> toKafkaDestinationJson(final long timestampMillis,
                                                            final java.util.List<SourceRecord> records) {
            final java.util.List<String> out = new java.util.ArrayList<>(records.size());
            for (SourceRecord record : records) {
                if (!(record.metadata() instanceof KafkaMetadata)) {
                    throw new IllegalArgumentException("record " + record.position() + " is not a Kafka record");
                }
                final String payload = kafkaEvent(java.util.List.of(record));
                final StringBuilder json = head(timestampMillis, record.position(), record.position());
                json.append(",\"KafkaBatchInfo\":{\"batchSize\":1,\"bootstrapServers\":");
                quote(json, bootstrapServers()).append(",\"payloadSize\":")
                    .append(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                    .append(",\"recordInfo\":{\"offset\":\"").append(record.position()).append("\",\"timestamp\":\"")
                    .append(dev.eventrouter.event.IsoTime.millis(record.timestampMillis())).append("\"}},\"payload\":")
                    .append(payload).append('}');
                out.add(json.toString());
            }
            return out;
        }

        /** @return the cluster of a Kafka source ({@code kafka://SERVERS/TOPIC}, its {@link PartitionedSource#arn}). */
        private String bootstrapServers() {
            if (streamArn != null && streamArn.startsWith("kafka://") && streamArn.lastIndexOf('/') > 8) {
                return streamArn.substring(8, streamArn.lastIndexOf('/'));
            }
            return streamArn == null ? "" : streamArn;
        }

        /** @return the SelfManagedKafka event Lambda would have been invoked with for these records. */
        private String kafkaEvent(final java.util.List<SourceRecord> records) {
            final java.io.StringWriter out = new java.io.StringWriter(256 * records.size() + 64);
            try (com.fasterxml.jackson.core.JsonGenerator json = new com.fasterxml.jackson.core.JsonFactory()
                .createGenerator(out)) {
                json.writeStartObject();
                json.writeStringField("eventSource", "SelfManagedKafka");
                json.writeStringField("bootstrapServers", bootstrapServers());
                json.writeObjectFieldStart("records");
                json.writeArrayFieldStart(((KafkaMetadata) records.get(0).metadata()).topicPartition());
                for (SourceRecord record : records) {
                    json.writeStartObject();
                    AwsRecords.kafka(json, bootstrapServers(), record, false, false);
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeEndObject();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return out.toString();
        }

        private static StringBuilder quote(final StringBuilder json, final String text) {
            json.append('"');
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text, json);
            return json.append('"');
        }
    }
}
