package dev.eventrouter.persist.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.pipe.Pipe;
import dev.eventrouter.pipe.PipeTarget;
import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.QueueMapping;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.target.TargetInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queue mappings over a real durable queue: deletes, partial failures, redrive, filters, windows. */
class QueueMappingTest {
    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final List<String> batches = new ArrayList<>();

    private void send(final DurableQueue queue, final String... bodies) {
        for (String body : bodies) {
            queue.send(("{\"v\":\"" + body + "\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String value(final SourceRecord record) {
        return record.dataAsString().replaceAll(".*:\"|\"}", "");
    }

    private String record(final List<SourceRecord> records) {
        final StringBuilder batch = new StringBuilder();
        records.forEach(r -> batch.append(batch.length() == 0 ? "" : " ").append(value(r)));
        batches.add(batch.toString());
        return batch.toString();
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    @Test
    void shouldDeleteDeliveredBatchesAndLetOnlyReportedFailuresComeBack() {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), new QueueConfig(5_000, null), clock::get)) {
            final Poller poller = new Poller(clock::get);
            final int[] calls = {0};
            final QueueMapping mapping = poller.add(MappingConfig.of("m", 4, 0).withFailurePolicy(
                new FailurePolicy(-1, -1, false, true, null)), queue, (partition, records) -> {
                    record(records);
                    if (calls[0]++ == 0) {
                        return List.of(records.get(1).position(), records.get(3).position());
                    }
                    return null;
                });
            send(queue, "a", "b", "c", "d");
            cycles(poller, 3);
            assertEquals(List.of("a b c d"), batches);
            assertEquals(2, queue.inFlight(), "a and c deleted; b and d hidden");
            clock.addAndGet(5_000);
            cycles(poller, 3);
            assertEquals(List.of("a b c d", "b d"), batches, "only the failed items came back");
            assertEquals(0, queue.inFlight());
            assertEquals(4, mapping.records());
            assertEquals(2, mapping.failedRecords());
        }
    }

    @Test
    void shouldLeaveAFailedBatchToComeBackAndRedriveItAfterMaxReceiveCount() {
        try (DurableQueue dlq = DurableQueue.open(dir.resolve("dlq"), QueueConfig.DEFAULT, clock::get);
             DurableQueue queue = DurableQueue.open(dir.resolve("q"), new QueueConfig(1_000, null).withRedrive(dlq, 3),
                 clock::get)) {
            final Poller poller = new Poller(clock::get);
            final QueueMapping mapping = poller.add(MappingConfig.of("m", 10, 0), queue, (partition, records) -> {
                record(records);
                if (records.stream().anyMatch(r -> value(r).equals("poison"))) {
                    throw new IllegalStateException("poisoned batch");
                }
                return null;
            });
            send(queue, "poison");
            for (int i = 0; i < 5; i++) {
                cycles(poller, 2);
                clock.addAndGet(1_000);
            }
            assertEquals(List.of("poison", "poison", "poison"), batches, "received 3 times, then redriven");
            assertEquals(3, mapping.failedBatches());
            final List<SourceRecord> dead = new ArrayList<>();
            dlq.receive(10, dead);
            assertEquals(List.of("poison"), dead.stream().map(QueueMappingTest::value).toList());
            send(queue, "fine");
            cycles(poller, 2);
            assertEquals("fine", batches.get(batches.size() - 1));
            assertEquals(0, queue.inFlight());
        }
    }

    /**
     * Lambda code for SQS run unchanged: the event is the Lambda developer guide's example SQS event ("Using Lambda
     * with Amazon SQS": messageId, receiptHandle, body, attributes with ApproximateReceiveCount, SentTimestamp and
     * SenderId, messageAttributes, md5OfBody, eventSource aws:sqs, eventSourceARN, awsRegion) for its own body,
     * "Test message.", whose md5OfBody the guide gives as e4e68fb7bd0e697a0ae8f1bb342846b3; a message that failed
     * comes back with ApproximateReceiveCount 2.
     */
    @Test
    void shouldSendTheSqsEventLambdaSendsWithTheReceiveCount() {
        final String arn = "arn:aws:sqs:us-east-2:123456789012:my-queue";
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), QueueConfig.DEFAULT, clock::get)) {
            final Poller poller = new Poller(clock::get);
            final List<String> events = new ArrayList<>();
            poller.add(MappingConfig.forQueue("lambda"), queue, dev.eventrouter.source.LambdaEvents.sqs(
                new dev.eventrouter.source.LambdaEvents.Context(arn, "us-east-2", null), queue,
                "AIDAIENQZJOLO23YVJ4VO", event -> {
                    events.add(new String(event, StandardCharsets.UTF_8));
                    if (events.size() == 1) {
                        throw new IllegalStateException("the function failed");
                    }
                    return null;
                }));
            final long sent = clock.get();
            queue.send("Test message.".getBytes(StandardCharsets.UTF_8));
            cycles(poller, 2);
            clock.addAndGet(30_000);
            cycles(poller, 2);
            assertEquals(2, events.size());
            final String id = events.get(0).replaceAll(".*\"messageId\":\"(\\d+)\".*", "$1");
            for (int receive = 1; receive <= 2; receive++) {
                assertEquals("{\"Records\":[{\"messageId\":\"" + id + "\",\"receiptHandle\":\"" + id + "\","
                    + "\"body\":\"Test message.\",\"attributes\":{\"ApproximateReceiveCount\":\"" + receive + "\","
                    + "\"SentTimestamp\":\"" + sent + "\",\"SenderId\":\"AIDAIENQZJOLO23YVJ4VO\"},"
                    + "\"messageAttributes\":{},\"md5OfBody\":\"e4e68fb7bd0e697a0ae8f1bb342846b3\",\"eventSource\":"
                    + "\"aws:sqs\",\"eventSourceARN\":\"" + arn + "\",\"awsRegion\":\"us-east-2\"}]}",
                    events.get(receive - 1));
            }
            assertEquals(0, queue.inFlight(), "deleted after the second, successful invocation");
        }
    }

    @Test
    void shouldDeleteMessagesThatMatchNoFilterAndBatchOnTheWindow() {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), QueueConfig.DEFAULT, clock::get)) {
            final Poller poller = new Poller(clock::get);
            final QueueMapping mapping = poller.add(MappingConfig.of("m", 10, 1_000)
                .withFilters(List.of("{\"body\":{\"v\":[{\"prefix\":\"keep\"}]}}")), queue, (partition, records) -> {
                    record(records);
                    return null;
                });
            send(queue, "keep1", "drop", "keep2");
            cycles(poller, 3);
            assertEquals(List.of(), batches, "waiting for the window");
            assertEquals(1, mapping.filtered());
            clock.addAndGet(1_000);
            cycles(poller, 2);
            assertEquals(List.of("keep1 keep2"), batches);
            assertEquals(0, queue.inFlight(), "the filtered message was deleted, the batch too");
        }
    }

    /**
     * A queue pipe hands the enrichment the Amazon SQS messages of the Pipes user guide's example event ("Amazon SQS
     * queue as a source": messageId, receiptHandle, body as text, attributes, messageAttributes, md5OfBody,
     * eventSource, eventSourceARN, awsRegion); the target's transform reads what the enrichment answered.
     */
    @Test
    void shouldPipeFromOneQueueToAnotherThroughAFilterAnEnrichmentAndATransformer() throws Exception {
        final String arn = "arn:aws:sqs:us-east-2:123456789012:from";
        try (DurableQueue from = DurableQueue.open(dir.resolve("from"), QueueConfig.DEFAULT, clock::get);
             DurableQueue to = DurableQueue.open(dir.resolve("to"), QueueConfig.DEFAULT, clock::get)) {
            final Poller poller = new Poller(clock::get);
            final List<String> enrichmentInputs = new ArrayList<>();
            final Pipe pipe = Pipe.builder("q2q").source(MappingConfig.of("q2q", 10, 0)
                    .withFilters(List.of("{\"body\":{\"v\":[{\"prefix\":\"k\"}]}}")))
                .arn("arn:aws:pipes:us-east-2:123456789012:pipe/q2q").arns(arn, null, null)
                .enrichment(batch -> {
                    // as a Lambda enrichment is written for AWS: read each message's body, answer new events
                    enrichmentInputs.add(new String(batch, StandardCharsets.UTF_8));
                    final StringBuilder answer = new StringBuilder("[");
                    for (var message : new ObjectMapper().readTree(batch)) {
                        answer.append(answer.length() > 1 ? "," : "").append("{\"v\":")
                            .append(new ObjectMapper().readTree(message.get("body").asText()).get("v"))
                            .append(",\"id\":\"").append(message.get("messageId").asText()).append("\"}");
                    }
                    return answer.append("]").toString().getBytes(StandardCharsets.UTF_8);
                })
                .inputTemplate("{\"kept\": <$.v>, \"id\": <$.id>}")
                .target(PipeTarget.queue(to)).build().start(poller, from);
            final long sent = clock.get();
            send(from, "k1", "x", "k2");
            cycles(poller, 2);
            final List<SourceRecord> moved = new ArrayList<>();
            to.receive(10, moved);
            final List<String> ids = moved.stream().map(r -> r.dataAsString().replaceAll(".*\"id\": \"(\\d+)\"}", "$1"))
                .toList();
            assertEquals(List.of("{\"kept\": \"k1\", \"id\": \"" + ids.get(0) + "\"}",
                "{\"kept\": \"k2\", \"id\": \"" + ids.get(1) + "\"}"), moved.stream().map(SourceRecord::dataAsString).toList());
            final StringBuilder expected = new StringBuilder("[");
            for (int i = 0; i < 2; i++) {
                final String body = "{\"v\":\"k" + (i + 1) + "\"}";
                expected.append(i == 0 ? "" : ",").append("{\"messageId\":\"").append(ids.get(i))
                    .append("\",\"receiptHandle\":\"").append(ids.get(i)).append("\",\"body\":")
                    .append(new ObjectMapper().writeValueAsString(body)).append(",\"attributes\":{")
                    .append("\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":\"").append(sent).append("\"},")
                    .append("\"messageAttributes\":{},\"md5OfBody\":\"").append(md5(body)).append("\",")
                    .append("\"eventSource\":\"aws:sqs\",\"eventSourceARN\":\"").append(arn)
                    .append("\",\"awsRegion\":\"us-east-2\"}");
            }
            assertEquals(List.of(expected.append("]").toString()), enrichmentInputs);
            assertEquals(0, from.inFlight(), "delivered and filtered messages are deleted from the source");
            assertEquals(2, pipe.delivered());
        }
    }

    /**
     * Without an enrichment a queue pipe's transform reads the message's body decoded when it is JSON and as its text
     * otherwise (Pipes user guide, input transformation, "implicit body data parsing"); without a transform the
     * target gets the message itself.
     */
    @Test
    void shouldLetATransformReadAJsonBodyDecodedAndATextBodyAsText() {
        try (DurableQueue from = DurableQueue.open(dir.resolve("from"), QueueConfig.DEFAULT, clock::get)) {
            final Poller poller = new Poller(clock::get);
            final List<String> delivered = new ArrayList<>();
            Pipe.builder("decode").source(MappingConfig.of("decode", 10, 0))
                .inputTemplate("{\"v\": <$.body.v>, \"body\": <$.body>, \"count\": <$.attributes.ApproximateReceiveCount>}")
                .target(events -> events.forEach(e -> delivered.add(new String(e, StandardCharsets.UTF_8))))
                .build().start(poller, from);
            send(from, "k1");
            from.send("Test message.".getBytes(StandardCharsets.UTF_8));
            cycles(poller, 2);
            assertEquals(List.of("{\"v\": \"k1\", \"body\": {\"v\":\"k1\"}, \"count\": \"1\"}",
                "{\"v\": null, \"body\": \"Test message.\", \"count\": \"1\"}"), delivered);
        }
    }

    private static String md5(final String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldKeepUpToMaximumConcurrencyBatchesInFlightWithAnAsynchronousHandler() {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), new QueueConfig(5_000, null), clock::get)) {
            final Poller poller = new Poller(clock::get);
            final List<CompletableFuture<List<Long>>> inFlight = new ArrayList<>();
            final QueueMapping mapping = poller.addAsync(MappingConfig.of("m", 2, 0), queue, (partition, records) -> {
                record(records);
                final CompletableFuture<List<Long>> answer = new CompletableFuture<>();
                inFlight.add(answer);
                return answer;
            }, 3);
            send(queue, "a", "b", "c", "d", "e", "f", "g", "h");
            cycles(poller, 5);
            assertEquals(List.of("a b", "c d", "e f"), batches, "three batches in flight, no more");
            inFlight.get(1).completeExceptionally(new IllegalStateException("down"));
            inFlight.get(0).complete(null);
            cycles(poller, 3);
            assertEquals(List.of("a b", "c d", "e f", "g h"), batches, "two slots freed, one batch left to send");
            inFlight.get(2).complete(null);
            inFlight.get(3).complete(null);
            cycles(poller, 2);
            assertEquals(2, queue.inFlight(), "c and d failed: hidden until their visibility timeout");
            clock.addAndGet(5_000);
            cycles(poller, 2);
            assertEquals("c d", batches.get(batches.size() - 1));
            inFlight.get(4).complete(null);
            cycles(poller, 2);
            assertEquals(0, queue.inFlight());
            assertEquals(8, mapping.records());
            assertEquals(1, mapping.failedBatches());
            mapping.delete();
            final QueueMapping throwing = poller.addAsync(MappingConfig.of("t", 10, 0), queue, (p, r) -> {
                throw new IllegalStateException("could not even start");
            }, 2);
            send(queue, "z");
            cycles(poller, 2);
            assertEquals(1, throwing.failedBatches(), "a handler that throws instead of answering fails its batch");
            assertEquals(1, queue.inFlight(), "z comes back after its visibility timeout");
            throwing.delete();
            assertEquals("ScalingConfig.MaximumConcurrency=1: must be between 2 and 1000", assertThrows(
                IllegalArgumentException.class, () -> poller.addAsync(MappingConfig.of("x", 1, 0), queue,
                    (p, r) -> null, 1)).getMessage());
        }
    }

    @Test
    void shouldRefuseStreamSettingsForAQueue() {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), QueueConfig.DEFAULT, clock::get)) {
            final Poller poller = new Poller(clock::get);
            assertEquals("BisectBatchOnFunctionError: not supported for queue sources (retries and dead letters "
                + "come from the queue's visibility timeout and redrive policy)", assertThrows(
                    IllegalArgumentException.class, () -> poller.add(MappingConfig.of("m", 10, 0).withFailurePolicy(
                        new FailurePolicy(-1, -1, true, false, null)), queue, (p, r) -> null)).getMessage());
            assertEquals("ParallelizationFactor: not supported for queue sources (retries and dead letters "
                + "come from the queue's visibility timeout and redrive policy)", assertThrows(
                    IllegalArgumentException.class, () -> poller.add(MappingConfig.of("m", 10, 0)
                        .withParallelizationFactor(2), queue, (p, r) -> null)).getMessage());
            // SQS event source mappings: a batch over 10 needs a batching window of at least 1 s
            assertEquals("BatchSize=11: a queue source takes more than 10 records a batch only with a "
                + "MaximumBatchingWindow of at least 1 s, got 999 ms", assertThrows(IllegalArgumentException.class,
                    () -> poller.add(MappingConfig.of("m", 11, 999), queue, (p, r) -> null)).getMessage());
            poller.add(MappingConfig.of("ok", 10_000, 1_000), queue, (p, r) -> null).delete();
        }
    }
}
