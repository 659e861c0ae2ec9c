package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Given-up batches reach a file, a queue or a bus as invocation records; a failing destination loses nothing. */
@Timeout(60)
class FailureDestinationsTest {
    /**
     * The invocation record in the shape and key order of AWS's example for a Kinesis mapping (Lambda developer
     * guide, "Kinesis: on-failure destination" example invocation record): requestContext, responseContext, version,
     * timestamp and the batch pointer. Values that have no Lambda counterpart are ours: the mapping stands for the
     * function, responseContext.errorMessage keeps the error's text.
     */
    private static final String RECORD = "{\"requestContext\":{\"requestId\":\"2e83cc22-2c77-3ad8-8510-0a206694df18\","
        + "\"functionArn\":\"eventrouter:mapping:m\",\"condition\":\"RetryAttemptsExhausted\","
        + "\"approximateInvokeCount\":1},\"responseContext\":{\"statusCode\":200,\"executedVersion\":\"$LATEST\","
        + "\"functionError\":\"Unhandled\",\"errorMessage\":\"java.lang.IllegalStateException: \\\"down\\\"\"},"
        + "\"version\":\"1.0\",\"timestamp\":\"2023-11-14T22:13:22.000Z\",\"StreamBatchInfo\":{\"shardId\":"
        + "\"shardId-000000000000\",\"startSequenceNumber\":\"0\",\"endSequenceNumber\":\"1\","
        + "\"approximateArrivalOfFirstRecord\":\"2023-11-14T22:13:22.000Z\","
        + "\"approximateArrivalOfLastRecord\":\"2023-11-14T22:13:22.000Z\",\"batchSize\":2,"
        + "\"streamArn\":\"eventrouter:source:InMemorySource\"}}";

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L + 2_000);
    private final InMemorySource source = new InMemorySource(1);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();

    private EventSourceMapping failing(final Poller poller, final FailurePolicy.FailureDestination destination) {
        return poller.add(MappingConfig.of("m", 10, 0).withFailurePolicy(new FailurePolicy(0, -1, false, false,
            destination)), source, checkpoints, (partition, records) -> {
                throw new IllegalStateException("\"down\"");
            });
    }

    private void appendTwo() {
        source.append(0, null, clock.get(), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        source.append(0, null, clock.get(), "{\"a\":2}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldAppendTheInvocationRecordToAFileAndSendItToAQueue() throws Exception {
        final Poller poller = new Poller(clock::get);
        final Path file = dir.resolve("failed.ndjson");
        failing(poller, FailureDestinations.file(file, () -> 1_700_000_002_000L));
        appendTwo();
        poller.doWork();
        assertEquals(RECORD + "\n", Files.readString(file));
        assertEquals(2, checkpoints.load("m", 0));

        final List<String> queue = new ArrayList<>();
        final InMemorySource second = new InMemorySource(1);
        final Poller other = new Poller(clock::get);
        other.add(MappingConfig.of("m", 10, 0).withFailurePolicy(new FailurePolicy(0, -1, false, false,
            FailureDestinations.queue(body -> {
                queue.add(new String(body, StandardCharsets.UTF_8));
                return queue.size();
            }, () -> 1_700_000_002_000L))), second, CheckpointStore.inMemory(), (partition, records) -> {
                throw new IllegalStateException("\"down\"");
            });
        second.append(0, null, clock.get(), "{}".getBytes(StandardCharsets.UTF_8));
        second.append(0, null, clock.get(), "{}".getBytes(StandardCharsets.UTF_8));
        other.doWork();
        assertEquals(List.of(RECORD), queue);
    }

    @Test
    void shouldPutTheRecordOnABusAsTheDetailOfAFailureEvent() {
        final List<String> onBus = new CopyOnWriteArrayList<>();
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("failures");
            router.putRule(Rule.of("all", "{\"detail-type\":[\"Mapping Batch Failure\"]}").onBus("failures"));
            router.putTargets("failures", "all", List.of(Target.handler("t", d -> onBus.add(d.payloadAsString()))));
            final Poller poller = new Poller(clock::get);
            failing(poller, FailureDestinations.bus(router, "failures", () -> 1_700_000_002_000L));
            appendTwo();
            poller.doWork();
            Await.until(() -> onBus.size() == 1, "the failure event");
            assertEquals(RECORD, onBus.get(0).replaceAll(".*\"detail\":(\\{.*\\})}$", "$1"));
        }
    }

    @Test
    void shouldKeepAndRetryTheBatchWhileTheDestinationThrows() {
        final Poller poller = new Poller(clock::get);
        final List<FailurePolicy.FailedBatch> reported = new ArrayList<>();
        final boolean[] destinationUp = {false};
        final EventSourceMapping mapping = failing(poller, failed -> {
            if (!destinationUp[0]) {
                throw new IllegalStateException("destination down");
            }
            reported.add(failed);
        });
        appendTwo();
        for (int i = 0; i < 3; i++) {
            poller.doWork();
            clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        }
        assertEquals(3, mapping.destinationFailures());
        assertEquals(-1, checkpoints.load("m", 0), "kept: not committed");
        assertEquals(0, mapping.discarded());
        destinationUp[0] = true;
        poller.doWork();
        assertEquals(1, reported.size());
        assertEquals(2, mapping.discarded());
        assertEquals(2, checkpoints.load("m", 0));
    }

    /**
     * A Kafka source's given-up batch in Lambda's KafkaBatchInfo shape (Lambda developer guide, "Capturing discarded
     * batches for Amazon MSK and self-managed Apache Kafka event sources", example for SQS and SNS destinations: key
     * order batchSize, [eventSourceArn: MSK only], bootstrapServers, payloadSize, recordsInfo by topic-partition), and
     * one message per record for a Kafka topic ("Using a Kafka topic as an on-failure destination", record format:
     * KafkaBatchInfo with batchSize 1 and recordInfo, then payload, the event of that record).
     */
    @Test
    void aKafkaBatchIsDescribedInLambdasKafkaShapes() throws Exception {
        final List<SourceRecord> records = List.of(
            new SourceRecord(null, 1_000, 7, "{\"n\":1}".getBytes(StandardCharsets.UTF_8), new KafkaMetadata("orders", 2,
                "CREATE_TIME", "k".getBytes(StandardCharsets.UTF_8), false, List.of())),
            new SourceRecord(null, 2_000, 9, "x".getBytes(StandardCharsets.UTF_8), new KafkaMetadata("orders", 2,
                "CREATE_TIME", null, false, List.of())));
        final FailurePolicy.FailedBatch failed = new FailurePolicy.FailedBatch("m", 2, 7, 9, 2,
            "RetryAttemptsExhausted", "boom", 3, 1_000, 2_000, "kafka://b1:9092,b2:9092/orders");
        final String event = "{\"eventSource\":\"SelfManagedKafka\",\"bootstrapServers\":\"b1:9092,b2:9092\","
            + "\"records\":{\"orders-2\":[{\"topic\":\"orders\",\"partition\":2,\"offset\":7,\"timestamp\":1000,"
            + "\"timestampType\":\"CREATE_TIME\",\"key\":\"aw==\",\"value\":\"eyJuIjoxfQ==\",\"headers\":[]},"
            + "{\"topic\":\"orders\",\"partition\":2,\"offset\":9,\"timestamp\":2000,\"timestampType\":\"CREATE_TIME\","
            + "\"value\":\"eA==\",\"headers\":[]}]}}";
        final String head = "{\"requestContext\":{\"requestId\":\"" + java.util.UUID.nameUUIDFromBytes("m/2/7/9/3"
            .getBytes(StandardCharsets.UTF_8)) + "\",\"functionArn\":\"eventrouter:mapping:m\","
            + "\"condition\":\"RetryAttemptsExhausted\",\"approximateInvokeCount\":3},\"responseContext\":"
            + "{\"statusCode\":200,\"executedVersion\":\"$LATEST\",\"functionError\":\"Unhandled\","
            + "\"errorMessage\":\"boom\"},\"version\":\"1.0\",\"timestamp\":\"1970-01-01T00:00:05.000Z\",";
        assertEquals(head + "\"KafkaBatchInfo\":{\"batchSize\":2,\"bootstrapServers\":\"b1:9092,b2:9092\","
            + "\"payloadSize\":" + event.length() + ",\"recordsInfo\":{\"orders-2\":{\"firstRecordOffset\":\"7\","
            + "\"lastRecordOffset\":\"9\",\"firstRecordTimestamp\":\"1970-01-01T00:00:01.000Z\","
            + "\"lastRecordTimestamp\":\"1970-01-01T00:00:02.000Z\"}}}}", failed.toJson(5_000, records));

        final List<String> messages = failed.toKafkaDestinationJson(5_000, records);
        assertEquals(2, messages.size());
        final String one = "{\"eventSource\":\"SelfManagedKafka\",\"bootstrapServers\":\"b1:9092,b2:9092\","
            + "\"records\":{\"orders-2\":[{\"topic\":\"orders\",\"partition\":2,\"offset\":7,\"timestamp\":1000,"
            + "\"timestampType\":\"CREATE_TIME\",\"key\":\"aw==\",\"value\":\"eyJuIjoxfQ==\",\"headers\":[]}]}}";
        assertEquals("{\"requestContext\":{\"requestId\":\"" + java.util.UUID.nameUUIDFromBytes("m/2/7/7/3"
            .getBytes(StandardCharsets.UTF_8)) + "\",\"functionArn\":\"eventrouter:mapping:m\","
            + "\"condition\":\"RetryAttemptsExhausted\",\"approximateInvokeCount\":3},\"responseContext\":"
            + "{\"statusCode\":200,\"executedVersion\":\"$LATEST\",\"functionError\":\"Unhandled\","
            + "\"errorMessage\":\"boom\"},\"version\":\"1.0\",\"timestamp\":\"1970-01-01T00:00:05.000Z\","
            + "\"KafkaBatchInfo\":{\"batchSize\":1,\"bootstrapServers\":\"b1:9092,b2:9092\",\"payloadSize\":"
            + one.length() + ",\"recordInfo\":{\"offset\":\"7\",\"timestamp\":\"1970-01-01T00:00:01.000Z\"}},"
            + "\"payload\":" + one + "}", messages.get(0));
        assertEquals(true, messages.get(1).contains("\"recordInfo\":{\"offset\":\"9\",\"timestamp\":"
            + "\"1970-01-01T00:00:02.000Z\"}"), messages.get(1));
        // a non-Kafka batch keeps the stream shape
        assertEquals(failed.toJson(5_000), failed.toJson(5_000, List.of(new SourceRecord(null, 1, 1, new byte[0]))));
    }
}
