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
        return failures(function.invoke(out.toByteArray()), positions);
    }

    /** Lambda's reading of an answer: the positions of the items it names, or a position outside the batch. */
    private static List<Long> failures(final byte[] answer, final Map<String, Long> positions) {
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
        final List<Long> failed = new ArrayList<>(items.size());
        for (JsonNode item : items) {
            final JsonNode id = item.get("itemIdentifier");
            final Long position = id == null || !id.isTextual() ? null : positions.get(id.asText());
            failed.add(position == null ? Long.MIN_VALUE : position);   // not in the batch: the whole batch fails
        }
        return failed;
    }
}
