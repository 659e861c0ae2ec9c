package dev.eventrouter.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Records in the shapes AWS hands them to code: a Kinesis record (Lambda nests the stream's fields under
 * {@code kinesis}; Pipes gives them flat, Pipes user guide "Amazon Kinesis stream as a source"), an Amazon SQS
 * message (the same for both, Pipes user guide "Amazon SQS queue as a source") and an Apache Kafka record. Each can be written as received
 * ({@code body} the message text, {@code data} base64) or decoded, as Pipes lets filters and input transformers see
 * it: the body or data as its JSON when it is one JSON value (Pipes user guide, event filtering and input
 * transformation, "implicit body data parsing"), else as received.
 *
 * <p>Values this library has no counterpart for: a message's {@code messageId} and {@code receiptHandle} are its
 * queue position in decimal, a record's {@code sequenceNumber} its stream position, {@code md5OfBody} the MD5 of the
 * body's bytes, {@code ApproximateFirstReceiveTimestamp} is not given. Writes with Jackson (allocates): off the
 * zero-copy path.
 */
public final class AwsRecords {
    private static final JsonFactory JSON = new JsonFactory();

    /** Where records come from: their {@code eventSourceARN}, {@code awsRegion}, and the reader's role (optional). */
    public record Origin(String eventSourceArn, String awsRegion, String invokeIdentityArn) {
    }

    private AwsRecords() {
    }

    /** @return the {@code eventID} of a Kinesis record: {@code shardId-<partition, 12 digits>:<sequenceNumber>}. */
    public static String eventId(final int partition, final long position) {
        return String.format("shardId-%012d:%d", partition, position);
    }

    /**
     * Writes a Kinesis record's members (inside an object the caller opened).
     *
     * @param nested  Lambda's shape (stream fields under {@code kinesis}) rather than Pipes' flat one.
     * @param decoded {@code data} as its JSON when it is JSON.
     */
    public static void kinesis(final JsonGenerator json, final Origin origin, final int partition,
                               final SourceRecord record, final boolean nested, final boolean decoded)
        throws IOException {
        final String sequence = Long.toString(record.position());
        if (nested) {
            json.writeObjectFieldStart("kinesis");
        }
        json.writeStringField("kinesisSchemaVersion", "1.0");
        json.writeStringField("partitionKey", record.key() == null ? "" : record.key());
        json.writeStringField("sequenceNumber", sequence);
        if (decoded && isJsonValue(record.data())) {
            json.writeFieldName("data");
            json.writeRawValue(new String(record.data(), StandardCharsets.UTF_8));
        } else {
            json.writeStringField("data", Base64.getEncoder().encodeToString(record.data()));
        }
        json.writeFieldName("approximateArrivalTimestamp");
        json.writeNumber(BigDecimal.valueOf(record.timestampMillis(), 3));
        if (nested) {
            json.writeEndObject();
        }
        json.writeStringField("eventSource", "aws:kinesis");
        json.writeStringField("eventVersion", "1.0");
        json.writeStringField("eventID", eventId(partition, record.position()));
        json.writeStringField("eventName", "aws:kinesis:record");
        if (origin.invokeIdentityArn() != null) {
            json.writeStringField("invokeIdentityArn", origin.invokeIdentityArn());
        }
        json.writeStringField("awsRegion", origin.awsRegion());
        json.writeStringField("eventSourceARN", origin.eventSourceArn());
    }

    /**
     * Writes an SQS message's members (inside an object the caller opened).
     *
     * @param receiveCount its {@code ApproximateReceiveCount}.
     * @param senderId     the {@code SenderId} attribute, or {@code null}.
     * @param decoded      {@code body} as its JSON when it is JSON.
     */
    public static void sqs(final JsonGenerator json, final Origin origin, final int receiveCount,
                           final String senderId, final SourceRecord record, final boolean decoded)
        throws IOException {
        final String id = Long.toString(record.position());
        json.writeStringField("messageId", id);
        json.writeStringField("receiptHandle", id);
        if (decoded && isJsonValue(record.data())) {
            json.writeFieldName("body");
            json.writeRawValue(new String(record.data(), StandardCharsets.UTF_8));
        } else {
            json.writeStringField("body", new String(record.data(), StandardCharsets.UTF_8));
        }
        json.writeObjectFieldStart("attributes");
        json.writeStringField("ApproximateReceiveCount", Integer.toString(receiveCount));
        json.writeStringField("SentTimestamp", Long.toString(record.timestampMillis()));
        if (senderId != null) {
            json.writeStringField("SenderId", senderId);
        }
        json.writeEndObject();
        json.writeObjectFieldStart("messageAttributes");
        json.writeEndObject();
        json.writeStringField("md5OfBody", md5(record.data()));
        json.writeStringField("eventSource", "aws:sqs");
        json.writeStringField("eventSourceARN", origin.eventSourceArn());
        json.writeStringField("awsRegion", origin.awsRegion());
    }

    /**
     * Writes a Kafka record's members (inside an object the caller opened), as Lambda's event for self-managed Apache
     * Kafka lists a record under its {@code topic-partition} (Lambda developer guide, "Example event" of with-kafka):
     * {@code topic}, {@code partition}, {@code offset}, {@code timestamp} (epoch milliseconds), {@code timestampType},
     * {@code key} (base64; absent when the record has none), {@code value} (base64) and {@code headers} (a list of
     * one-member objects, each header's value as its bytes, 0-255). Pipes gives each record flat with
     * {@code eventSource}, {@code bootstrapServers} and {@code eventSourceKey} ({@code topic-partition}) first
     * (EventBridge user guide, eb-pipes-kafka).
     *
     * @param pipes   Pipes' shape (the source fields first) rather than Lambda's.
     * @param decoded {@code key} and {@code value} as their JSON when they are JSON (Pipes' implicit parsing).
     * @throws IllegalArgumentException when the record carries no {@link KafkaMetadata}.
     */
    public static void kafka(final JsonGenerator json, final String bootstrapServers, final SourceRecord record,
                             final boolean pipes, final boolean decoded) throws IOException {
        if (!(record.metadata() instanceof KafkaMetadata kafka)) {
            throw new IllegalArgumentException("record " + record.position() + " is not a Kafka record");
        }
        if (pipes) {
            json.writeStringField("eventSource", "SelfManagedKafka");
            json.writeStringField("bootstrapServers", bootstrapServers);
            json.writeStringField("eventSourceKey", kafka.topicPartition());
        }
        json.writeStringField("topic", kafka.topic());
        json.writeNumberField("partition", kafka.partition());
        json.writeNumberField("offset", record.position());
        json.writeNumberField("timestamp", record.timestampMillis());
        json.writeStringField("timestampType", kafka.timestampType());
        if (kafka.key() != null) {
            bytesField(json, "key", kafka.key(), decoded);
        }
        if (kafka.nullValue()) {
            json.writeNullField("value");
        } else {
            bytesField(json, "value", record.data(), decoded);
        }
        json.writeArrayFieldStart("headers");
        for (KafkaMetadata.Header header : kafka.headers()) {
            json.writeStartObject();
            json.writeFieldName(header.key());
            if (header.value() == null) {
                json.writeNull();
            } else {
                json.writeStartArray();
                for (byte b : header.value()) {
                    json.writeNumber(b & 0xFF);   // unsigned: Python's bytes() and Node's Buffer.from() take 0-255
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private static void bytesField(final JsonGenerator json, final String name, final byte[] bytes,
                                   final boolean decoded) throws IOException {
        if (decoded && isJsonValue(bytes)) {
            json.writeFieldName(name);
            json.writeRawValue(new String(bytes, StandardCharsets.UTF_8));
        } else {
            json.writeStringField(name, Base64.getEncoder().encodeToString(bytes));
        }
    }

    /** @return whether the bytes are exactly one JSON value (surrounding whitespace allowed). */
    public static boolean isJsonValue(final byte[] data) {
        try (JsonParser parser = JSON.createParser(data)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    private static String md5(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException("MD5 is not available", e));
        }
    }
}
