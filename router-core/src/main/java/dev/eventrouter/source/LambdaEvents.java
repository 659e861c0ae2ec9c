package dev.eventrouter.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Runs code written for Lambda unchanged: a {@link BatchHandler} that hands each batch to a function as the event
 * Lambda would send it, and reads the function's answer as Lambda reads it. The event is
 * {@code {"Records": [...]}} with each record in the source's shape (the Lambda developer guide's example Kinesis
 * and Amazon SQS events); an answer that is empty, {@code null} or without {@code batchItemFailures} is a success;
 * {@code {"batchItemFailures": [{"itemIdentifier": ID}]}} names the records that failed (a Kinesis record by its
 * {@code sequenceNumber}, a message by its {@code messageId}), used when the mapping's
 * {@link FailurePolicy#reportBatchItemFailures()} is on; an identifier that is not in the batch, or missing, fails
 * the whole batch, as Lambda treats it; throwing fails the whole batch.
 *
 * <p>Records are written by {@link AwsRecords} (which lists the values this library has no counterpart for). Builds
 * the event with Jackson (allocates): the zero-copy path stays {@link BatchHandler} over {@link SourceRecord#data()}.
 */
public final class LambdaEvents {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper();

    /** A Lambda function: the event's bytes in, its answer's bytes out ({@code null} or empty for success). */
    @FunctionalInterface
    public interface Function {
        byte[] invoke(byte[] event) throws Exception;
    }

    /**
     * Where the records come from, for the records' {@code eventSourceARN}, {@code awsRegion} and
     * {@code invokeIdentityArn} (the mapping's execution role).
     */
    public record Context(String eventSourceArn, String awsRegion, String invokeIdentityArn) {
        /** Validates that the ARN and region are given. */
        public Context {
            if (eventSourceArn == null || !eventSourceArn.startsWith("arn:")) {
                throw new IllegalArgumentException("eventSourceArn=" + eventSourceArn + ": must be an ARN");
            }
            if (awsRegion == null || awsRegion.isEmpty()) {
                throw new IllegalArgumentException("awsRegion: is required");
            }
        }

        AwsRecords.Origin origin() {
            return new AwsRecords.Origin(eventSourceArn, awsRegion, invokeIdentityArn);
        }
    }

    private LambdaEvents() {
    }

    /**
     * @return a handler for a stream mapping that sends Kinesis events: each record's key is its
     *         {@code partitionKey}, its data base64-encoded, its arrival time {@code approximateArrivalTimestamp} in
     *         seconds, its {@code eventID} {@code shardId-<partition, 12 digits>:<sequenceNumber>}.
     */
    public static BatchHandler kinesis(final Context context, final Function function) {
        final AwsRecords.Origin origin = context.origin();
        return (partition, records) -> invoke(records, function,
            (json, record, id) -> AwsRecords.kinesis(json, origin, partition, record, true, false));
    }

    /**
     * @param queue     the queue, for each message's {@code ApproximateReceiveCount}.
     * @param senderId  the {@code SenderId} attribute (the account or principal that sent the messages).
     * @return a handler for a queue mapping that sends Amazon SQS events: the body as text, {@code SentTimestamp}
     *         the message's send time in epoch milliseconds.
     */
    public static BatchHandler sqs(final Context context, final QueueSource queue, final String senderId,
                                   final Function function) {
        final AwsRecords.Origin origin = context.origin();
        return (partition, records) -> invoke(records, function, (json, record, id) -> AwsRecords.sqs(json, origin,
            queue.receiveCount(record.position()), senderId, record, false));
    }

    /**
     * @param bootstrapServers the event's {@code bootstrapServers} (comma-separated {@code host:port}).
     * @return a handler for a mapping over a Kafka topic that sends self-managed Apache Kafka events
     *         ({@code {"eventSource":"SelfManagedKafka","bootstrapServers":...,"records":{"topic-partition":[...]}}},
     *         each record as {@link AwsRecords#kafka} writes it). A partial batch response names records as Lambda
     *         reads them for Kafka: {@code {"itemIdentifier":{"partition":"topic-partition","offset":N}}} (the
     *         composite identifier of Powertools for AWS Lambda's Kafka batch processor, aws-powertools
     *         powertools-lambda-python pull request 7941); any other identifier fails the whole batch.
     */
    public static BatchHandler kafka(final String bootstrapServers, final Function function) {
        return (partition, records) -> {
            // a batch is one partition of one topic: its records share one key
            if (!(records.get(0).metadata() instanceof KafkaMetadata first)) {
                throw new IllegalArgumentException("a Kafka event needs Kafka records (KafkaMetadata)");
            }
            final String topicPartition = first.topicPartition();
            final ByteArrayOutputStream out = new ByteArrayOutputStream(256 * records.size() + 64);
            try (JsonGenerator json = JSON.createGenerator(out)) {
                json.writeStartObject();
                json.writeStringField("eventSource", "SelfManagedKafka");
                json.writeStringField("bootstrapServers", bootstrapServers);
                json.writeObjectFieldStart("records");
                json.writeArrayFieldStart(topicPartition);
                for (SourceRecord record : records) {
                    json.writeStartObject();
                    AwsRecords.kafka(json, bootstrapServers, record, false, false);
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeEndObject();
            }
            return failures(function.invoke(out.toByteArray()), id -> kafkaPosition(id, topicPartition, records));
        };
    }

    /** @return the offset a Kafka item identifier names, or {@link Long#MIN_VALUE} when it names none of the batch. */
    private static long kafkaPosition(final JsonNode id, final String topicPartition,
                                      final List<SourceRecord> records) {
        final JsonNode partition = id == null ? null : id.get("partition");
        final JsonNode offset = id == null ? null : id.get("offset");
        if (partition != null && partition.isTextual() && partition.asText().equals(topicPartition)
            && offset != null && offset.isIntegralNumber() && offset.canConvertToLong()) {
            for (SourceRecord record : records) {
                if (record.position() == offset.asLong()) {
                    return record.position();
                }
            }
        }
        return Long.MIN_VALUE;
    }

    /** @return the answer's non-empty {@code batchItemFailures}, or {@code null} when it means success. */
    private static JsonNode failureItems(final byte[] answer) {
        if (answer == null || answer.length == 0) {
            return null;
        }
        final JsonNode root;
        try {
            root = READER.readTree(answer);
        } catch (IOException e) {
            return null;   // Lambda takes an answer it cannot read as JSON as a success
        }
        final JsonNode items = root == null ? null : root.get("batchItemFailures");
        if (items == null || items.isNull() || !items.isArray() || items.isEmpty()) {
            return null;
        }
        return items;
    }

    /** Writes one record's members; {@code id} is its position in decimal (its item identifier). */
    @FunctionalInterface
    private interface RecordWriter {
        void write(JsonGenerator json, SourceRecord record, String id) throws IOException;
    }

    /** Builds {@code {"Records": [...]}}, invokes the function and reads its answer. */
    private static List<Long> invoke(final List<SourceRecord> records, final Function function,
                                     final RecordWriter writer) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256 * records.size() + 16);
        final Map<String, Long> positions = new HashMap<>();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("Records");
            for (SourceRecord record : records) {
                final String id = Long.toString(record.position());
                positions.put(id, record.position());
                json.writeStartObject();
                writer.write(json, record, id);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        return failures(function.invoke(out.toByteArray()), id -> {
            final Long position = id == null || !id.isTextual() ? null : positions.get(id.asText());
            return position == null ? Long.MIN_VALUE : position;
        });
    }

    /**
     * Lambda's reading of an answer: the positions of the items it names, {@link Long#MIN_VALUE} for an identifier
     * that names none of the batch (the whole batch fails), or {@code null} for success.
     */
    private static List<Long> failures(final byte[] answer, final ToLongFunction<JsonNode> position) {
        final JsonNode items = failureItems(answer);
        if (items == null) {
            return null;
        }
        final List<Long> failed = new ArrayList<>(items.size());
        for (JsonNode item : items) {
            failed.add(position.applyAsLong(item.get("itemIdentifier")));
        }
        return failed;
    }
}
