package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Kafka as a rule target and a pipe target, against the broker the Kafka tests share. */
class KafkaTargetTest {
    private static KafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.shared();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
    }

    @Test
    void sendsMatchedEventsKeyedByTheirPathWithHeadersInOrderPerKey() throws Exception {
        final String topic = topic("target-orders", 3);
        final Router router = Router.start(new RouterContext());
        try (KafkaTarget kafka = KafkaTarget.open(KafkaTarget.Config.of(broker.bootstrapServers(), topic)
            .withKeyPath("$.detail.customer").withHeaders(Map.of("source", "$.source", "n", "$.detail.n",
                "absent", "$.detail.none")))) {
            router.putRule(Rule.of("orders", "{\"source\":[\"shop\"]}"));
            router.putTargets("default", "orders", List.of(kafka.target("kafka")));
            final List<PutEventsEntry> entries = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                entries.add(new PutEventsEntry("shop", "Order", "{\"customer\":\"c" + i % 4 + "\",\"n\":" + i + "}",
                    null, List.of(), null));
                if (entries.size() == 10) {
                    assertEquals(0, router.putEvents(entries).failedEntryCount());
                    entries.clear();
                }
            }
            Await.until(() -> router.targetMetrics("default", "orders", "kafka").delivered() == 40, "40 sent");
            assertEquals(40, kafka.sent());
        } finally {
            router.close(Duration.ofSeconds(10));
        }
        final List<ConsumerRecord<byte[], byte[]>> records = read(topic, 40);
        final Map<String, Integer> partitionOfKey = new HashMap<>();
        final Map<String, Integer> lastOfKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            final String key = new String(record.key(), StandardCharsets.UTF_8);
            final String value = new String(record.value(), StandardCharsets.UTF_8);
            final int n = Integer.parseInt(new String(record.headers().lastHeader("n").value(),
                StandardCharsets.UTF_8));
            assertEquals("c" + n % 4, key);
            assertTrue(value.contains("\"source\":\"shop\"") && value.contains("\"detail\":{\"customer\":\"" + key
                + "\",\"n\":" + n + "}"), value);
            assertEquals("shop", new String(record.headers().lastHeader("source").value(), StandardCharsets.UTF_8));
            assertEquals(null, record.headers().lastHeader("absent"), "a path that reaches nothing: no header");
            assertEquals(partitionOfKey.computeIfAbsent(key, k -> record.partition()), record.partition(),
                "one key, one partition");
            assertTrue(lastOfKey.getOrDefault(key, -1) < n, "in order per key");
            lastOfKey.put(key, n);
        }
        assertEquals(4, partitionOfKey.size());
    }

    @Test
    void aRecordKafkaRefusesIsDeadLetteredWithItsError() throws Exception {
        final String topic = topic("target-large", 1);
        final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
        final Router router = Router.start(new RouterContext());
        try (KafkaTarget kafka = KafkaTarget.open(KafkaTarget.Config.of(broker.bootstrapServers(), topic)
            .withClientProperties(Map.of("max.request.size", "2000")))) {
            router.putRule(Rule.of("all", "{\"source\":[\"shop\"]}"));
            router.putTargets("default", "all", List.of(kafka.target("kafka")
                .withRetryPolicy(new RetryPolicy(3, 60)).withDeadLetter(deadLetters::add)));
            assertEquals(0, router.putEvents(List.of(new PutEventsEntry("shop", "Big", "{\"text\":\"" + "x".repeat(3_000)
                + "\"}", null, List.of(), null), new PutEventsEntry("shop", "Small", "{}", null, List.of(), null)))
                .failedEntryCount());
            Await.until(() -> deadLetters.size() == 1 && kafka.sent() == 1, "one dead letter, one record sent");
            assertEquals("RECORD_TOO_LARGE", deadLetters.get(0).errorCode());
            assertTrue(deadLetters.get(0).errorMessage().startsWith("RecordTooLargeException: "),
                deadLetters.get(0).errorMessage());
            assertEquals(kafka.arn(), deadLetters.get(0).targetArn());
            assertEquals(0, router.targetMetrics("default", "all", "kafka").retried(), "not retryable: not retried");
        } finally {
            router.close(Duration.ofSeconds(10));
        }
    }

    @Test
    void aPipeTargetReturnsWhenKafkaAcknowledgedTheBatch() throws Exception {
        final String topic = topic("target-pipe", 1);
        try (KafkaTarget kafka = KafkaTarget.open(KafkaTarget.Config.of(broker.bootstrapServers(), topic)
            .withKeyPath("$.id"))) {
            kafka.pipeTarget().deliver(List.of("{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8),
                "{\"id\":7}".getBytes(StandardCharsets.UTF_8), "plain".getBytes(StandardCharsets.UTF_8)));
            assertEquals(3, kafka.sent(), "acknowledged before deliver returned");
        }
        final List<ConsumerRecord<byte[], byte[]>> records = read(topic, 3);
        assertEquals("a", new String(records.get(0).key(), StandardCharsets.UTF_8));
        assertEquals("7", new String(records.get(1).key(), StandardCharsets.UTF_8), "a number key is its JSON");
        assertEquals(null, records.get(2).key(), "not JSON: no key");
        assertEquals("plain", new String(records.get(2).value(), StandardCharsets.UTF_8));
    }

    @Test
    void refusesWhatItCannotSendTo() {
        final IllegalStateException missing = assertThrows(IllegalStateException.class, () -> KafkaTarget.open(
            KafkaTarget.Config.of(broker.bootstrapServers(), "no-such-topic").withOpenTimeout(Duration.ofSeconds(2))));
        assertEquals("bootstrapServers=" + broker.bootstrapServers() + ": the metadata of topic 'no-such-topic' did "
            + "not come within 2000 ms (no broker answered, or the topic does not exist)", missing.getMessage());
        assertEquals("keyPath: path detail.id: must start with '$'", assertThrows(IllegalArgumentException.class,
            () -> KafkaTarget.Config.of("h:1", "t").withKeyPath("detail.id")).getMessage());
        assertEquals("clientProperties: key.serializer is set by the target", assertThrows(
            IllegalArgumentException.class, () -> KafkaTarget.Config.of("h:1", "t")
                .withClientProperties(Map.of("key.serializer", "x"))).getMessage());
    }

    private static String topic(final String prefix, final int partitions) throws Exception {
        final String name = prefix + "-" + System.nanoTime() % 100_000;
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        return name;
    }

    /** @return the topic's records from the start, partition by partition in offset order. */
    private static List<ConsumerRecord<byte[], byte[]>> read(final String topic, final int count) {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
            "reader-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < count && System.nanoTime() - deadline < 0) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertEquals(count, records.size(), "records in " + topic);
        return records;
    }
}
