package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.source.AsyncBatchHandler;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.LambdaEvents;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.source.StartingPosition;
import dev.eventrouter.bus.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Event-source mappings over a real Kafka broker (KRaft, child JVM, shared by the Kafka test classes). */
class KafkaSourceTest {
    private static KafkaBroker broker;
    private static Admin admin;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.shared();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        admin.close();
    }

    @Test
    void deliversEveryPartitionInOrderAndCommitsWhatSucceeded() throws Exception {
        final String topic = topic(3);
        for (int i = 0; i < 300; i++) {
            send(topic, i % 3, null, "{\"n\":" + i + "}", null);
        }
        final Map<Integer, List<Long>> delivered = new TreeMap<>();
        final Poller poller = new Poller(new ManualClock());
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g1"))) {
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withBatchSize(25), source,
                source, (partition, records) -> {
                    for (SourceRecord record : records) {
                        delivered.computeIfAbsent(partition, p -> new ArrayList<>()).add(record.position());
                    }
                    return null;
                });
            drive(poller, () -> mapping.records() == 300, "300 records delivered");
            assertEquals(Set.of(0, 1, 2), delivered.keySet());
            for (List<Long> offsets : delivered.values()) {
                assertEquals(range(0, 100), offsets, "each partition in order, once");
            }
            assertTrue(mapping.batches() >= 12, "batches of at most 25: " + mapping.batches());
            drive(poller, () -> committed(topic, "g1").equals(Map.of(0, 100L, 1, 100L, 2, 100L)),
                "offsets committed");
        }
    }

    @Test
    void commitsOnlyAfterTheBatchSucceeds() throws Exception {
        final String topic = topic(1);
        for (int i = 0; i < 10; i++) {
            send(topic, 0, null, "{\"n\":" + i + "}", null);
        }
        final ManualClock clock = new ManualClock();
        final Poller poller = new Poller(clock);
        final AtomicInteger calls = new AtomicInteger();
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g2"))) {
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withBatchSize(10), source,
                source, (partition, records) -> {
                    if (calls.incrementAndGet() <= 2) {
                        throw new IllegalStateException("failure " + calls.get());
                    }
                    assertEquals(10, records.size());
                    return null;
                });
            drive(poller, () -> calls.get() == 1, "the first attempt");
            for (int i = 0; i < 50; i++) {
                poller.doWork();
            }
            assertEquals(Map.of(), committed(topic, "g2"), "nothing committed after a failure");
            clock.advance(1_000);
            drive(poller, () -> calls.get() == 2, "the first retry");
            assertEquals(Map.of(), committed(topic, "g2"), "nothing committed after a failed retry");
            clock.advance(1_000);
            drive(poller, () -> mapping.records() == 10, "the second retry succeeds");
            drive(poller, () -> committed(topic, "g2").equals(Map.of(0, 10L)), "committed after the success");
            assertEquals(2, mapping.failedBatches());
        }
    }

    @Test
    void aGivenUpBatchGoesToAKafkaTopicDestinationRecordByRecordAsLambdaWritesIt() throws Exception {
        final String topic = topic(1);
        final String dlt = topic(1);
        send(topic, 0, 1_000L, "{\"n\":0}", "k1");
        send(topic, 0, 2_000L, "plain", null);
        final ManualClock clock = new ManualClock();
        clock.update(5_000);
        final Poller poller = new Poller(clock);
        final KafkaSource.Config config = KafkaSource.Config.of(broker.bootstrapServers(), topic, "g-dlt");
        assertEquals("Destination=kafka://" + topic + ": the source's own topic (the failed records would come back to "
            + "the mapping)", assertThrows(IllegalArgumentException.class,
                () -> KafkaFailureDestination.open(config, "kafka://" + topic, clock)).getMessage());
        assertEquals("Destination=sqs://q: a Kafka on-failure destination is kafka://TOPIC (a topic of the source's "
            + "cluster)", assertThrows(IllegalArgumentException.class,
                () -> KafkaFailureDestination.open(config, "sqs://q", clock)).getMessage());
        final AtomicInteger calls = new AtomicInteger();
        try (KafkaSource source = KafkaSource.open(config);
             KafkaFailureDestination destination = KafkaFailureDestination.open(config, "kafka://" + dlt, clock)) {
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withBatchSize(10)
                .withFailurePolicy(new FailurePolicy(1, -1, false, false, destination)), source, source,
                (partition, records) -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("boom");
                });
            drive(poller, () -> calls.get() == 1, "the first attempt");
            clock.advance(1_000);
            drive(poller, () -> mapping.discarded() == 2, "the batch given up after its retry");
            drive(poller, () -> committed(topic, "g-dlt").equals(Map.of(0, 2L)), "committed past the given-up batch");
        }
        final List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                 new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of("bootstrap.servers",
                     broker.bootstrapServers()), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            final TopicPartition tp = new TopicPartition(dlt, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            drive(() -> consumer.poll(java.time.Duration.ofMillis(100)).forEach(out::add), () -> out.size() >= 2,
                "the two records on the destination topic");
        }
        assertEquals(2, out.size());
        assertEquals("k1", new String(out.get(0).key(), StandardCharsets.UTF_8), "keyed by the record's own key");
        assertEquals(null, out.get(1).key());
        final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        final com.fasterxml.jackson.databind.JsonNode first = json.readTree(out.get(0).value());
        final List<String> fields = new ArrayList<>();
        first.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("requestContext", "responseContext", "version", "timestamp", "KafkaBatchInfo", "payload"),
            fields);
        assertEquals("RetryAttemptsExhausted", first.at("/requestContext/condition").asText());
        assertEquals(2, first.at("/requestContext/approximateInvokeCount").asInt());
        assertEquals("java.lang.IllegalStateException: boom", first.at("/responseContext/errorMessage").asText());
        assertEquals("1970-01-01T00:00:06.000Z", first.at("/timestamp").asText());
        assertEquals(1, first.at("/KafkaBatchInfo/batchSize").asInt());
        assertEquals(broker.bootstrapServers(), first.at("/KafkaBatchInfo/bootstrapServers").asText());
        assertEquals("0", first.at("/KafkaBatchInfo/recordInfo/offset").asText());
        assertEquals("1970-01-01T00:00:01.000Z", first.at("/KafkaBatchInfo/recordInfo/timestamp").asText());
        assertEquals(first.get("payload").toString().length(), first.at("/KafkaBatchInfo/payloadSize").asInt());
        assertEquals("SelfManagedKafka", first.at("/payload/eventSource").asText());
        final com.fasterxml.jackson.databind.JsonNode record = first.at("/payload/records/" + topic + "-0/0");
        assertEquals("{\"n\":0}", new String(java.util.Base64.getDecoder().decode(record.get("value").asText()),
            StandardCharsets.UTF_8));
        assertEquals("k1", new String(java.util.Base64.getDecoder().decode(record.get("key").asText()),
            StandardCharsets.UTF_8));
        final com.fasterxml.jackson.databind.JsonNode second = json.readTree(out.get(1).value());
        assertEquals("1", second.at("/KafkaBatchInfo/recordInfo/offset").asText());
        assertEquals("plain", new String(java.util.Base64.getDecoder().decode(second.at("/payload/records/" + topic
            + "-0/0/value").asText()), StandardCharsets.UTF_8));
    }

    @Test
    void aRebalanceAbandonsTheBatchesInFlightAndTheirRecordsAreDeliveredAgain() throws Exception {
        final String topic = topic(2);
        for (int i = 0; i < 40; i++) {
            send(topic, i % 2, null, "{\"n\":" + i + "}", null);
        }
        final List<CompletableFuture<List<Long>>> held = new ArrayList<>();
        final Map<String, List<Long>> deliveredA = new TreeMap<>();
        final Map<String, List<Long>> deliveredB = new TreeMap<>();
        final boolean[] hold = {true};
        final AsyncBatchHandler handlerA = (partition, records) -> {
            record(deliveredA, partition, records);
            final CompletableFuture<List<Long>> answer = new CompletableFuture<>();
            if (hold[0]) {
                held.add(answer);   // in flight until the test answers
            } else {
                answer.complete(null);
            }
            return answer;
        };
        final Poller pollerA = new Poller(new ManualClock());
        final Poller pollerB = new Poller(new ManualClock());
        final MappingConfig config = MappingConfig.forStream("m").withBatchSize(20);
        try (KafkaSource a = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g3"));
             KafkaSource b = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g3"))) {
            final EventSourceMapping mappingA = pollerA.addAsync(config, a, a, handlerA);
            drive(pollerA, () -> held.size() == 2, "a batch of each partition in flight on A");
            final EventSourceMapping mappingB = pollerB.add(config, b, b, (partition, records) -> {
                record(deliveredB, partition, records);
                return null;
            });
            final Runnable both = () -> {
                pollerA.doWork();
                pollerB.doWork();
            };
            drive(both, () -> !b.ownedPartitions().isEmpty() && mappingA.abandoned() > 0 && held.size() == 3,
                "B joins; A abandons what it read, and reads its partition again into a new batch in flight");
            held.get(0).complete(null);   // late answers for the abandoned batches: ignored
            held.get(1).complete(null);
            final int partitionOfB = b.ownedPartitions().iterator().next();
            drive(both, () -> committed(topic, "g3").containsKey(partitionOfB), "B's partition committed");
            for (int i = 0; i < 50; i++) {
                both.run();
            }
            assertEquals(0, mappingA.records(), "a late answer finishes nothing");
            assertEquals(Set.of(partitionOfB), committed(topic, "g3").keySet(),
                "A's partition is not committed while its new batch is in flight");
            hold[0] = false;
            held.get(2).complete(null);
            drive(both, () -> committed(topic, "g3").equals(Map.of(0, 20L, 1, 20L)),
                "both partitions committed to the end");
            assertEquals(Set.of(partitionOfB), b.ownedPartitions());
            assertEquals(range(0, 20), deliveredB.get("p" + partitionOfB), "B delivers its partition from 0");
            final List<Long> again = deliveredA.get("p" + (1 - partitionOfB));
            assertEquals(range(0, 20), again.subList(again.size() - 20, again.size()),
                "A delivers its partition again from 0 after the abandoned batch");
            assertEquals(20, mappingB.records());
            assertEquals(20, mappingA.records(), "the late answers for the abandoned batches counted nothing");
        }
    }

    @Test
    void aDisabledMappingLeavesItsGroupSoTheOtherMembersReadItsPartitions() throws Exception {
        final String topic = topic(2);
        final Poller pollerA = new Poller(new ManualClock());
        final Poller pollerB = new Poller(new ManualClock());
        final List<Long> byB = new ArrayList<>();
        try (KafkaSource a = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g9"));
             KafkaSource b = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g9"))) {
            final EventSourceMapping mappingA = pollerA.add(MappingConfig.forStream("m"), a, a,
                (partition, records) -> null);
            pollerB.add(MappingConfig.forStream("m"), b, b, (partition, records) -> {
                records.forEach(record -> byB.add(record.position()));
                return null;
            });
            final Runnable both = () -> {
                pollerA.doWork();
                pollerB.doWork();
            };
            drive(both, () -> a.ownedPartitions().size() == 1 && b.ownedPartitions().size() == 1, "one each");
            mappingA.enabled(false);
            drive(both, () -> a.ownedPartitions().isEmpty() && b.ownedPartitions().equals(Set.of(0, 1)),
                "B reads both partitions while A is disabled");
            for (int i = 0; i < 10; i++) {
                send(topic, i % 2, null, "{\"n\":" + i + "}", null);
            }
            drive(both, () -> byB.size() == 10, "B delivers the records of both partitions");
            mappingA.enabled(true);
            drive(both, () -> a.ownedPartitions().size() == 1 && b.ownedPartitions().size() == 1,
                "A takes its share again");
        }
    }

    @Test
    void startsWhereTheStartingPositionSays() throws Exception {
        final String topic = topic(1);
        for (int i = 0; i < 10; i++) {
            send(topic, 0, 1_000L + i, "{\"n\":" + i + "}", null);
        }
        assertEquals(range(0, 10), deliver(topic, "g4", StartingPosition.TRIM_HORIZON, 0, 10));
        assertEquals(range(5, 10), deliver(topic, "g5", StartingPosition.AT_TIMESTAMP, 1_005, 5));
        assertEquals(range(10, 12), deliver(topic, "g6", StartingPosition.LATEST, 0, 2));
        // a committed offset wins over the starting position
        assertEquals(range(10, 12), deliver(topic, "g4", StartingPosition.TRIM_HORIZON, 0, 2));
    }

    /** Starts a mapping in a new group; with LATEST, sends two records once it owns the partition. */
    private List<Long> deliver(final String topic, final String group, final StartingPosition start,
                               final long timestamp, final int expected) throws Exception {
        final List<Long> offsets = new ArrayList<>();
        final Poller poller = new Poller(new ManualClock());
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, group))) {
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").startingAt(start, timestamp),
                source, source, (partition, records) -> {
                    records.forEach(record -> offsets.add(record.position()));
                    return null;
                });
            if (start == StartingPosition.LATEST) {
                drive(poller, () -> !source.ownedPartitions().isEmpty(), "the partition assigned");
                for (int i = 0; i < 20; i++) {
                    poller.doWork();   // the mapping reads the end offset
                }
                send(topic, 0, null, "{\"late\":1}", null);
                send(topic, 0, null, "{\"late\":2}", null);
            }
            drive(poller, () -> mapping.records() == expected, expected + " records");
            drive(poller, () -> committed(topic, group).size() == 1, "committed");
        }
        return offsets;
    }

    @Test
    void handsBatchesToAFunctionAsLambdaDoesForKafka() throws Exception {
        final String topic = topic(1);
        send(topic, 0, 1_545_084_650_987L, "{\"device_ID\":\"AB1234\"}", "recordKey");
        for (int i = 1; i < 6; i++) {
            send(topic, 0, 1_545_084_650_987L + i, "{\"n\":" + i + "}", null);
        }
        final List<String> events = new ArrayList<>();
        final ManualClock clock = new ManualClock();
        final Poller poller = new Poller(clock);
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g7"))) {
            final LambdaEvents.Function function = event -> {
                events.add(new String(event, StandardCharsets.UTF_8));
                return events.size() == 1
                    ? ("{\"batchItemFailures\":[{\"itemIdentifier\":{\"partition\":\"" + topic
                        + "-0\",\"offset\":3}}]}").getBytes(StandardCharsets.UTF_8)
                    : null;
            };
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withBatchSize(6)
                    .withFailurePolicy(new FailurePolicy(-1, -1, false, true, null)), source, source,
                LambdaEvents.kafka(broker.bootstrapServers(), function));
            drive(poller, () -> events.size() == 1, "the first call");
            // the AWS example event (Lambda developer guide, with-kafka), with this record's values
            final String first = "{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":0,"
                + "\"timestamp\":1545084650987,\"timestampType\":\"CREATE_TIME\",\"key\":\"cmVjb3JkS2V5\","
                + "\"value\":\"eyJkZXZpY2VfSUQiOiJBQjEyMzQifQ==\",\"headers\":[{\"headerKey\":[104,101,97,100,101,114,"
                + "86,97,108,117,101]}]}";
            assertTrue(events.get(0).startsWith("{\"eventSource\":\"SelfManagedKafka\",\"bootstrapServers\":\""
                + broker.bootstrapServers() + "\",\"records\":{\"" + topic + "-0\":[" + first + ","), events.get(0));
            clock.advance(1_000);
            drive(poller, () -> events.size() == 2, "the retry from the failed offset");
            assertTrue(events.get(1).contains("\"records\":{\"" + topic + "-0\":[{\"topic\":\"" + topic
                + "\",\"partition\":0,\"offset\":3,"), events.get(1));
            assertEquals(3, count(events.get(1), "\"offset\":"), "offsets 3-5 only");
            drive(poller, () -> committed(topic, "g7").equals(Map.of(0, 6L)), "committed");
            assertEquals(6, mapping.records());
        }
    }

    @Test
    void filtersOnTheValueAsLambdaDoesForKafka() throws Exception {
        final String topic = topic(1);
        send(topic, 0, null, "{\"device_ID\":\"AB1234\"}", null);
        send(topic, 0, null, "{\"device_ID\":\"XY1234\"}", null);
        send(topic, 0, null, "error", null);
        send(topic, 0, null, "hello", null);
        final List<String> values = new ArrayList<>();
        final Poller poller = new Poller(new ManualClock());
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g8"))) {
            // the two patterns of the Lambda developer guide's kafka-filtering page
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withFilters(List.of(
                    "{\"value\":{\"device_ID\":[{\"prefix\":\"AB\"}]}}", "{\"value\":[{\"anything-but\":[\"error\"]}]}")),
                source, source, (partition, records) -> {
                    records.forEach(record -> values.add(record.dataAsString()));
                    return null;
                });
            drive(poller, () -> mapping.records() + mapping.filtered() == 4, "4 records read");
            assertEquals(List.of("{\"device_ID\":\"AB1234\"}", "hello"), values);
            assertEquals(2, mapping.filtered());
            drive(poller, () -> committed(topic, "g8").equals(Map.of(0, 4L)), "filtered records committed too");
        }
    }

    @Test
    void aPipeHandsRecordsOnInThePipesKafkaShape() throws Exception {
        final String topic = topic(1);
        send(topic, 0, 1_000L, "{\"n\":1}", null);
        send(topic, 0, 1_001L, "{\"n\":2}", null);
        final List<String> raw = new ArrayList<>();
        final List<String> shaped = new ArrayList<>();
        final Poller poller = new Poller(new ManualClock());
        try (KafkaSource a = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "p1"));
             KafkaSource b = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "p2"))) {
            dev.eventrouter.pipe.Pipe.builder("raw").source(MappingConfig.forStream("raw")
                    .withFilters(List.of("{\"value\":{\"n\":[2]}}")))
                .target(events -> events.forEach(e -> raw.add(new String(e, StandardCharsets.UTF_8)))).build()
                .start(poller, a, a);
            dev.eventrouter.pipe.Pipe.builder("shaped").source(MappingConfig.forStream("shaped"))
                .inputTemplate("{\"n\": <$.value.n>, \"from\": \"<$.eventSourceKey>\"}")
                .target(events -> events.forEach(e -> shaped.add(new String(e, StandardCharsets.UTF_8)))).build()
                .start(poller, b, b);
            drive(poller, () -> raw.size() == 1 && shaped.size() == 2, "both pipes delivered");
        }
        // the Pipes sample event for self-managed Apache Kafka (EventBridge user guide, eb-pipes-kafka), these values
        assertEquals(List.of("{\"eventSource\":\"SelfManagedKafka\",\"bootstrapServers\":\"" + broker.bootstrapServers()
            + "\",\"eventSourceKey\":\"" + topic + "-0\",\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":1,"
            + "\"timestamp\":1001,\"timestampType\":\"CREATE_TIME\",\"value\":\"eyJuIjoyfQ==\",\"headers\":[]}"), raw);
        assertEquals(List.of("{\"n\": 1, \"from\": \"" + topic + "-0\"}", "{\"n\": 2, \"from\": \"" + topic + "-0\"}"),
            shaped, "a template reads the value decoded");
    }

    @Test
    void refusesWhatItCannotRead() throws Exception {
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), "no-such-topic", "g")));
        assertEquals("Topics: topic 'no-such-topic' does not exist at " + broker.bootstrapServers(),
            missing.getMessage());
        final int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        final IllegalStateException unreachable = assertThrows(IllegalStateException.class,
            () -> KafkaSource.open(KafkaSource.Config.of("127.0.0.1:" + closedPort, "t1", "g")
                .withOpenTimeout(Duration.ofSeconds(2))));
        assertEquals("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:" + closedPort + ": no broker answered within 2000 ms",
            unreachable.getMessage());
        assertEquals("KAFKA_BOOTSTRAP_SERVERS: 'localhost' is not host:port", assertThrows(
            IllegalArgumentException.class, () -> KafkaSource.Config.of("localhost", "t1", "g")).getMessage());
        assertEquals("ConsumerGroupId: 'a b' must be 1-200 letters, digits or -/*:_+=.@", assertThrows(
            IllegalArgumentException.class, () -> KafkaSource.Config.of("h:1", "t1", "a b")).getMessage());
        assertEquals("clientProperties: enable.auto.commit is set by the source", assertThrows(
            IllegalArgumentException.class, () -> KafkaSource.Config.of("h:1", "t1", "g")
                .withClientProperties(Map.of("enable.auto.commit", "true"))).getMessage());
        final String topic = topic(1);
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic, "g"))) {
            final Poller poller = new Poller(new ManualClock());
            assertEquals("ParallelizationFactor=2: not for a source whose partitions are assigned by a consumer group "
                + "(Lambda takes it for Kinesis and DynamoDB only)", assertThrows(IllegalArgumentException.class,
                () -> poller.add(MappingConfig.forStream("m").withParallelizationFactor(2), source, source,
                    (partition, records) -> null)).getMessage());
            poller.add(MappingConfig.forStream("m"), source, source, (partition, records) -> null);
            assertFalse(source.ownedPartitions().contains(0), "nothing is owned before the first duty cycle");
            assertThrows(IllegalStateException.class, () -> poller.add(MappingConfig.forStream("m2"), source, source,
                (partition, records) -> null));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static String topic(final int partitions) throws Exception {
        final String name = "t" + TOPICS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        return name;
    }

    private static void send(final String topic, final int partition, final Long timestamp, final String value,
                             final String key) throws Exception {
        final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, timestamp,
            key == null ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        if (key != null) {
            record.headers().add("headerKey", "headerValue".getBytes(StandardCharsets.UTF_8));
        }
        producer.send(record).get(30, TimeUnit.SECONDS);
    }

    private static Map<Integer, Long> committed(final String topic, final String group) {
        try {
            final Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            final Map<Integer, Long> result = new TreeMap<>();
            offsets.forEach((tp, offset) -> {
                if (tp.topic().equals(topic) && offset != null) {
                    result.put(tp.partition(), offset.offset());
                }
            });
            return result;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void record(final Map<String, List<Long>> into, final int partition,
                               final List<SourceRecord> records) {
        for (SourceRecord record : records) {
            into.computeIfAbsent("p" + partition, p -> new ArrayList<>()).add(record.position());
        }
    }

    private static List<Long> range(final long from, final long to) {
        final List<Long> result = new ArrayList<>();
        for (long i = from; i < to; i++) {
            result.add(i);
        }
        return result;
    }

    private static int count(final String text, final String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static void drive(final Poller poller, final BooleanSupplier done, final String what) {
        drive(poller::doWork, done, what);
    }

    /** Runs duty cycles until {@code done}; the bound only stops a broken test from hanging. */
    private static void drive(final Runnable cycle, final BooleanSupplier done, final String what) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not reached within 60 s: " + what);
            }
            cycle.run();
            Thread.yield();
        }
    }
}
