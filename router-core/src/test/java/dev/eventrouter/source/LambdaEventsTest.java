package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Code written for Lambda, run unchanged. The event's shape is the Lambda developer guide's example Kinesis record
 * event ("Using Lambda with Kinesis": kinesisSchemaVersion, partitionKey, sequenceNumber, base64 data,
 * approximateArrivalTimestamp in seconds, eventSource aws:kinesis, eventVersion 1.0, eventID
 * shardId-000000000006:SEQUENCE, eventName aws:kinesis:record, invokeIdentityArn, awsRegion, eventSourceARN), filled
 * with this test's records; the answer is read as "Reporting batch item failures" describes.
 */
class LambdaEventsTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/lambda-role";
    private static final String STREAM = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream";
    private final AtomicLong clock = new AtomicLong(1_545_084_650_987L);
    private final InMemorySource source = new InMemorySource(7);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> events = new ArrayList<>();

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    @Test
    void shouldSendTheKinesisEventLambdaSendsAndReadTheAnswerAsLambdaReadsIt() {
        final Poller poller = new Poller(clock::get);
        final String[] answers = {"{\"batchItemFailures\":[{\"itemIdentifier\":\"1\"}]}", "", "null"};
        final int[] call = {0};
        poller.add(MappingConfig.forStream("m").withBatchSize(3)
                .withFailurePolicy(new FailurePolicy(-1, -1, false, true, null)), source, checkpoints,
            LambdaEvents.kinesis(new LambdaEvents.Context(STREAM, "us-east-2", ROLE), event -> {
                events.add(new String(event, StandardCharsets.UTF_8));
                return answers[call[0]++].getBytes(StandardCharsets.UTF_8);
            }));
        source.append(6, "1", clock.get(), "Hello, this is a test.".getBytes(StandardCharsets.UTF_8));
        source.append(6, "2", clock.get() + 13, "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
        cycles(poller, 2);
        assertEquals(1, events.size());
        assertEquals("{\"Records\":[" + record("1", 0, "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==", "1545084650.987") + ","
            + record("2", 1, Base64.getEncoder().encodeToString("{\"n\":2}".getBytes(StandardCharsets.UTF_8)),
                "1545084651.000") + "]}", events.get(0));
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 2);
        assertEquals(2, events.size(), "the record named by its sequenceNumber is sent again, alone");
        assertEquals("{\"Records\":[" + record("2", 1, "eyJuIjoyfQ==", "1545084651.000") + "]}", events.get(1));
        assertEquals(2, checkpoints.load("m", 6), "an empty answer is a success");
    }

    private static String record(final String key, final long sequence, final String data, final String arrival) {
        return "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"" + key + "\",\"sequenceNumber\":\""
            + sequence + "\",\"data\":\"" + data + "\",\"approximateArrivalTimestamp\":" + arrival + "},"
            + "\"eventSource\":\"aws:kinesis\",\"eventVersion\":\"1.0\",\"eventID\":\"shardId-000000000006:" + sequence
            + "\",\"eventName\":\"aws:kinesis:record\",\"invokeIdentityArn\":\"" + ROLE + "\",\"awsRegion\":"
            + "\"us-east-2\",\"eventSourceARN\":\"" + STREAM + "\"}";
    }

    /** "If the batchItemFailures array contains an itemIdentifier that is not in the batch": the whole batch fails. */
    @Test
    void shouldFailTheWholeBatchForAnIdentifierNotInIt() {
        final Poller poller = new Poller(clock::get);
        final int[] call = {0};
        final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withBatchSize(2)
                .withFailurePolicy(new FailurePolicy(-1, -1, false, true, null)), source, checkpoints,
            LambdaEvents.kinesis(new LambdaEvents.Context(STREAM, "us-east-2", null), event -> {
                events.add(new String(event, StandardCharsets.UTF_8));
                return (call[0]++ == 0 ? "{\"batchItemFailures\":[{\"itemIdentifier\":\"99\"}]}"
                    : "{\"batchItemFailures\":[]}").getBytes(StandardCharsets.UTF_8);
            }));
        source.append(0, "a", clock.get(), "{}".getBytes(StandardCharsets.UTF_8));
        source.append(0, "b", clock.get(), "{}".getBytes(StandardCharsets.UTF_8));
        cycles(poller, 2);
        assertEquals(1, mapping.failedBatches());
        assertEquals(-1, checkpoints.load("m", 0), "nothing committed");
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 2);
        assertEquals(2, events.size());
        assertEquals(events.get(0), events.get(1), "the whole batch again");
        assertEquals(2, checkpoints.load("m", 0));
        assertEquals("eventSourceArn=stream: must be an ARN", assertThrows(IllegalArgumentException.class,
            () -> new LambdaEvents.Context("stream", "us-east-2", null)).getMessage());
        assertEquals("awsRegion: is required", assertThrows(IllegalArgumentException.class,
            () -> new LambdaEvents.Context(STREAM, "", null)).getMessage());
    }

    /**
     * The self-managed Kafka event (Lambda developer guide, with-kafka: its example record, with these values) and
     * Lambda's reading of the composite item identifiers: one naming another partition, an offset outside the
     * batch, or a string offset fails the whole batch.
     */
    @Test
    void shouldSendKafkaRecordsAsLambdaDoesAndReadItsItemIdentifiers() throws Exception {
        final List<SourceRecord> records = List.of(kafka(15, "recordKey", "headerValue"), kafka(16, null, null));
        final List<String> events = new ArrayList<>();
        final String[] answer = {null};
        final BatchHandler handler = LambdaEvents.kafka("b-1:9092,b-2:9092", event -> {
            events.add(new String(event, StandardCharsets.UTF_8));
            return answer[0] == null ? null : answer[0].getBytes(StandardCharsets.UTF_8);
        });
        assertEquals(null, handler.onBatch(0, records));
        assertEquals("{\"eventSource\":\"SelfManagedKafka\",\"bootstrapServers\":\"b-1:9092,b-2:9092\","
            + "\"records\":{\"mytopic-0\":[{\"topic\":\"mytopic\",\"partition\":0,\"offset\":15,"
            + "\"timestamp\":1545084650987,\"timestampType\":\"CREATE_TIME\",\"key\":\"cmVjb3JkS2V5\","
            + "\"value\":\"eyJrZXkiOiJ2YWx1ZSJ9\",\"headers\":[{\"headerKey\":[104,101,97,100,101,114,86,97,108,117,"
            + "101]}]},{\"topic\":\"mytopic\",\"partition\":0,\"offset\":16,\"timestamp\":1545084650987,"
            + "\"timestampType\":\"CREATE_TIME\",\"value\":\"eyJrZXkiOiJ2YWx1ZSJ9\",\"headers\":[]}]}}", events.get(0));
        answer[0] = "{\"batchItemFailures\":[{\"itemIdentifier\":{\"partition\":\"mytopic-0\",\"offset\":16}}]}";
        assertEquals(List.of(16L), handler.onBatch(0, records));
        answer[0] = "{\"batchItemFailures\":[{\"itemIdentifier\":{\"partition\":\"mytopic-1\",\"offset\":16}},"
            + "{\"itemIdentifier\":{\"partition\":\"mytopic-0\",\"offset\":99}},"
            + "{\"itemIdentifier\":{\"partition\":\"mytopic-0\",\"offset\":\"16\"}},{\"itemIdentifier\":\"16\"}]}";
        assertEquals(List.of(Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE),
            handler.onBatch(0, records), "none of these names a record of the batch");
        assertEquals("a Kafka event needs Kafka records (KafkaMetadata)", assertThrows(IllegalArgumentException.class,
            () -> handler.onBatch(0, List.of(new SourceRecord(null, 0, 1, new byte[0])))).getMessage());
    }

    private static SourceRecord kafka(final long offset, final String key, final String header) {
        return new SourceRecord(null, 1_545_084_650_987L, offset, "{\"key\":\"value\"}".getBytes(StandardCharsets.UTF_8),
            new KafkaMetadata("mytopic", 0, "CREATE_TIME", key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                false, header == null ? List.of() : List.of(new KafkaMetadata.Header("headerKey",
                header.getBytes(StandardCharsets.UTF_8)))));
    }
}
