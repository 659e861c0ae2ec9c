package dev.eventrouter.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetInput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pipes: filter, enrichment, transformer and target, with retries through the whole pipe, on a manual clock. */
@Timeout(60)
class PipeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final InMemorySource source = new InMemorySource(1);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> delivered = new ArrayList<>();
    private final PipeTarget collect = events -> events.forEach(e -> delivered.add(new String(e, StandardCharsets.UTF_8)));

    private void append(final String... records) {
        for (String record : records) {
            source.append(0, null, clock.get(), record.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    /**
     * A stream record as Pipes hands it on: the Pipes user guide's example event for a Kinesis source ("Amazon
     * Kinesis stream as a source"), flat, {@code data} base64, in that order of members.
     */
    private static String kinesisRecord(final long sequence, final String data) {
        return "{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"\",\"sequenceNumber\":\"" + sequence + "\","
            + "\"data\":\"" + Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)) + "\","
            + "\"approximateArrivalTimestamp\":1700000000.000,\"eventSource\":\"aws:kinesis\",\"eventVersion\":\"1.0\","
            + "\"eventID\":\"shardId-000000000000:" + sequence + "\",\"eventName\":\"aws:kinesis:record\","
            + "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/pipe-role\",\"awsRegion\":\"us-east-1\","
            + "\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/orders\"}";
    }

    /** @return the decoded {@code data} of a record the target received. */
    private static String data(final String record) {
        try {
            return new String(Base64.getDecoder().decode(JSON.readTree(record).get("data").asText()),
                StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new AssertionError(record, e);
        }
    }

    @Test
    void shouldFilterEnrichTransformAndDeliverInOrderWithRecordsInTheKinesisShape() {
        final Poller poller = new Poller(clock::get);
        final List<String> enrichmentInputs = new ArrayList<>();
        final Pipe pipe = Pipe.builder("orders-pipe")
            .source(MappingConfig.of("ignored", 10, 0).withFilters(List.of("{\"data\":{\"kind\":[\"order\"]}}")))
            .arns("arn:aws:kinesis:us-east-1:123456789012:stream/orders", null, null)
            .roleArn("arn:aws:iam::123456789012:role/pipe-role")
            .enrichment(batch -> {
                // a Lambda enrichment as one is written for AWS: decode each record's data, answer the new events
                final String text = new String(batch, StandardCharsets.UTF_8);
                enrichmentInputs.add(text);
                final List<String> enriched = new ArrayList<>();
                for (JsonNode record : JSON.readTree(text)) {
                    enriched.add(data(record.toString()).replace("}", ",\"vip\":true}"));
                }
                return ("[" + String.join(",", enriched) + "]").getBytes(StandardCharsets.UTF_8);
            })
            .targetInput(TargetInput.transformer(Map.of("id", "$.id", "vip", "$.vip"),
                "{\"order\": <id>, \"vip\": <vip>, \"pipe\": <aws.events.rule-name>}"))
            .target(collect)
            .clock(clock::get)
            .build()
            .start(poller, source, checkpoints);
        append("{\"kind\":\"order\",\"id\":1}", "{\"kind\":\"refund\",\"id\":2}", "{\"kind\":\"order\",\"id\":3}");
        cycles(poller, 2);
        assertEquals(List.of("[" + kinesisRecord(0, "{\"kind\":\"order\",\"id\":1}") + ","
            + kinesisRecord(2, "{\"kind\":\"order\",\"id\":3}") + "]"), enrichmentInputs,
            "the enrichment gets the filtered batch as an array of Kinesis records");
        assertEquals(List.of("{\"order\": 1, \"vip\": true, \"pipe\": \"orders-pipe\"}",
            "{\"order\": 3, \"vip\": true, \"pipe\": \"orders-pipe\"}"), delivered);
        assertEquals(2, pipe.delivered());
        assertEquals(3, checkpoints.load("orders-pipe", 0), "checkpoints are kept under the pipe's name");
    }

    /**
     * Without an enrichment the target gets each record; a transform reads it decoded ("implicit body data parsing":
     * {@code <$.data.id>}), {@code <aws.pipes.event>} is the record as received and {@code <aws.pipes.event.json>}
     * the record decoded; data that is not JSON stays base64 (Pipes user guide, input transformation).
     */
    @Test
    void shouldHandTheTargetEachRecordAndLetTransformsReadTheDataDecoded() {
        final Poller poller = new Poller(clock::get);
        final List<String> transformed = new ArrayList<>();
        Pipe.builder("whole").source(MappingConfig.of("whole", 10, 0)).target(collect).build()
            .start(poller, source, checkpoints);
        Pipe.builder("shaped").source(MappingConfig.of("shaped", 10, 0))
            .inputTemplate("{\"id\": <$.data.id>, \"data\": <$.data>, \"asJson\": <aws.pipes.event.json>, "
                + "\"received\": <aws.pipes.event>}")
            .target(events -> events.forEach(e -> transformed.add(new String(e, StandardCharsets.UTF_8))))
            .build().start(poller, source, CheckpointStore.inMemory());
        append("{\"id\":7}", "plain");
        cycles(poller, 2);
        assertEquals(List.of(kinesisRecord(0, "{\"id\":7}").replace("\"invokeIdentityArn\":\"arn:aws:iam::123456789012:"
                + "role/pipe-role\",", "").replace("arn:aws:kinesis:us-east-1:123456789012:stream/orders",
                "eventrouter:source:InMemorySource"),
            kinesisRecord(1, "plain").replace("\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/pipe-role\",", "")
                .replace("arn:aws:kinesis:us-east-1:123456789012:stream/orders", "eventrouter:source:InMemorySource")),
            delivered);
        final String received = delivered.get(0);
        final String decoded = received.replace("\"data\":\"eyJpZCI6N30=\"", "\"data\":{\"id\":7}");
        assertEquals("{\"id\": 7, \"data\": {\"id\":7}, \"asJson\": " + decoded + ", \"received\": " + received + "}",
            transformed.get(0));
        assertEquals("{\"id\": null, \"data\": \"cGxhaW4=\", \"asJson\": " + delivered.get(1) + ", \"received\": "
            + delivered.get(1) + "}", transformed.get(1));
    }

    @Test
    void shouldSkipTheTargetWhenTheEnrichmentReturnsNothingAndSendAnEmptyObjectForAnArrayOfOne() {
        final Poller poller = new Poller(clock::get);
        final String[] answer = {"[]"};
        final Pipe pipe = Pipe.builder("p").source(MappingConfig.of("p", 1, 0))
            .enrichment(batch -> answer[0].getBytes(StandardCharsets.UTF_8)).target(collect).build()
            .start(poller, source, checkpoints);
        for (String reply : List.of("[]", "{}", "", "\"\"", "[{}]", "{\"one\":1}", "[1, \"two\", {\"x\":[3]}]")) {
            answer[0] = reply;
            append("{}");
            cycles(poller, 1);
        }
        assertEquals(List.of("{}", "{\"one\":1}", "1", "\"two\"", "{\"x\":[3]}"), delivered);
        assertEquals(4, pipe.enrichedAway());
        assertEquals(7, checkpoints.load("p", 0), "batches the enrichment dropped are committed");
    }

    @Test
    void shouldRetryAFailedTargetThroughTheWholePipeAndGiveUpToTheDeadLetterDestination() {
        final Poller poller = new Poller(clock::get);
        final List<FailurePolicy.FailedBatch> dead = new ArrayList<>();
        final int[] enrichments = {0};
        final Pipe pipe = Pipe.builder("p")
            .source(MappingConfig.of("p", 10, 0).withFailurePolicy(new FailurePolicy(2, -1, false, false, dead::add)))
            .enrichment(batch -> {
                enrichments[0]++;
                return batch;
            })
            .target(events -> {
                throw new IllegalStateException("target down");
            })
            .build().start(poller, source, checkpoints);
        append("{\"a\":1}", "not json");
        for (int i = 0; i < 4; i++) {
            cycles(poller, 2);
            clock.addAndGet(1_000);
        }
        assertEquals(3, enrichments[0], "every attempt goes through the enrichment again");
        assertEquals(3, pipe.failed());
        assertEquals(List.of(new FailurePolicy.FailedBatch("p", 0, 0, 1, 2, "RetryAttemptsExhausted",
            "java.lang.IllegalStateException: target down", 3, 1_700_000_000_000L, 1_700_000_000_000L,
            "eventrouter:source:InMemorySource")), dead);
    }

    @Test
    void shouldPutEventsOnABusAsTheirDetail() {
        final Poller poller = new Poller(clock::get);
        final List<String> onBus = new CopyOnWriteArrayList<>();
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("sink");
            router.putRule(Rule.of("all", "{\"source\":[\"pipe.orders\"]}").onBus("sink"));
            router.putTargets("sink", "all", List.of(Target.handler("t", d -> onBus.add(d.payloadAsString()))));
            Pipe.builder("to-bus").source(MappingConfig.of("to-bus", 10, 0))
                .target(PipeTarget.bus(router, "sink", "pipe.orders", "Order")).build().start(poller, source,
                    checkpoints);
            Pipe.builder("data-to-bus").source(MappingConfig.of("data-to-bus", 10, 0)).inputTemplate("<$.data>")
                .target(PipeTarget.bus(router, "sink", "pipe.orders", "Order")).build().start(poller, source,
                    checkpoints);
            append("{\"id\":1}", "\"plain text\"");
            cycles(poller, 1);
            Await.until(() -> onBus.size() == 3, "the two records, and the first record's data");
            final List<String> details = onBus.stream()
                .map(e -> e.replaceAll(".*\"detail\":(\\{.*\\})}$", "$1")).sorted().toList();
            assertEquals(List.of(kinesisRecord(0, "{\"id\":1}"), kinesisRecord(1, "\"plain text\""), "{\"id\":1}")
                    .stream().map(r -> r.replace("\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/pipe-role\",", "")
                        .replace("arn:aws:kinesis:us-east-1:123456789012:stream/orders",
                            "eventrouter:source:InMemorySource")).sorted().toList(), details,
                "a record is its event's detail; a transform can send its data instead");
            assertEquals(2, checkpoints.load("to-bus", 0), "both records were put: committed");
            assertEquals(-1, checkpoints.load("data-to-bus", 0),
                "a string detail is refused and fails the batch: nothing committed");
        }
    }

    @Test
    void shouldSendEachEventToAQueueAndNameBadSettings() {
        final Poller poller = new Poller(clock::get);
        final List<String> queue = new ArrayList<>();
        Pipe.builder("to-queue").source(MappingConfig.of("x", 10, 0))
            .target(PipeTarget.queue(body -> {
                queue.add(new String(body, StandardCharsets.UTF_8));
                return queue.size();
            })).build().start(poller, source, checkpoints);
        final Pipe pipe = Pipe.builder("stoppable").source(MappingConfig.of("x", 10, 0)).target(collect).build()
            .start(poller, source, CheckpointStore.inMemory());
        pipe.running(false);
        append("{\"a\":1}", "plain");
        cycles(poller, 1);
        assertEquals(List.of("{\"a\":1}", "plain"), queue.stream().map(PipeTest::data).toList(),
            "each record is one message");
        assertEquals(List.of(), delivered, "a stopped pipe does not poll");
        pipe.running(true);
        cycles(poller, 1);
        assertEquals(List.of("{\"a\":1}", "plain"), delivered.stream().map(PipeTest::data).toList());
        assertEquals("pipe stoppable is started already", assertThrows(IllegalStateException.class,
            () -> pipe.start(poller, source, checkpoints)).getMessage());
        assertEquals("Name=a b: must be 1-64 characters of letters, digits, '.', '-' and '_'",
            assertThrows(IllegalArgumentException.class, () -> Pipe.builder("a b")).getMessage());
        assertEquals("pipe p: Target is required", assertThrows(IllegalArgumentException.class,
            () -> Pipe.builder("p").source(MappingConfig.of("p", 1, 0)).build()).getMessage());
        assertEquals("pipe p: Source parameters are required", assertThrows(IllegalArgumentException.class,
            () -> Pipe.builder("p").target(collect).build()).getMessage());
    }

    /**
     * The Pipes API reference's DesiredState and CurrentState: created (not started yet), running, stopped; a pipe
     * may be created stopped. The source may not batch more than its target takes (Pipes user guide, "batching": 10
     * for a bus or SQS target).
     */
    @Test
    void shouldReportStatesAndRefuseABatchLargerThanTheTargetTakes() {
        final Poller poller = new Poller(clock::get);
        final Pipe pipe = Pipe.builder("p").source(MappingConfig.of("p", 10, 0)).target(collect)
            .desiredState(PipeState.STOPPED).build();
        assertEquals(PipeState.CREATING, pipe.currentState());
        assertEquals(PipeState.STOPPED, pipe.desiredState());
        pipe.start(poller, source, checkpoints);
        assertEquals(PipeState.STOPPED, pipe.currentState());
        append("{\"a\":1}");
        cycles(poller, 1);
        assertEquals(List.of(), delivered, "created stopped: it does not poll");
        pipe.running(true);
        assertEquals(PipeState.RUNNING, pipe.currentState());
        cycles(poller, 1);
        assertEquals(List.of("{\"a\":1}"), delivered.stream().map(PipeTest::data).toList());
        assertEquals("pipe p: DesiredState must be RUNNING or STOPPED, got CREATING", assertThrows(
            IllegalArgumentException.class, () -> Pipe.builder("p").desiredState(PipeState.CREATING)).getMessage());
        assertEquals("pipe big: the source's BatchSize 11 exceeds the 10 events its target takes at a time",
            assertThrows(IllegalArgumentException.class, () -> Pipe.builder("big")
                .source(MappingConfig.of("big", 11, 1_000)).target(PipeTarget.queue(body -> 1)).build()).getMessage());
        Pipe.builder("lambda-like").source(MappingConfig.of("l", 100, 1_000)).target(collect).build();
    }

    @Test
    void shouldFailTheBatchWhenTheEnrichmentAnswersInvalidJson() throws Exception {
        assertEquals("enrichment returned invalid JSON: Unexpected close marker '}': expected ']' at char 3",
            assertThrows(IllegalStateException.class,
                () -> Pipe.split("[{}}]".getBytes(StandardCharsets.UTF_8))).getMessage().replace("\n", ""));
    }
}
