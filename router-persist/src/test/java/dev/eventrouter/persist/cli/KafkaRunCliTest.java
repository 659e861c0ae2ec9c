package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code router run} with a {@code kafka} target declared in the config, against the shared broker. */
@Timeout(180)
class KafkaRunCliTest {
    @TempDir
    Path dir;

    @Test
    void shouldSendMatchedEventsToTheTopicKeyedByThePath() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final String topic = "run-big-orders";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        final Path config = Files.writeString(dir.resolve("router.json"), """
            {"eventBuses": ["orders"],
             "rules": [{"name": "big", "eventBus": "orders",
                        "eventPattern": {"detail": {"amount": [{"numeric": [">", 100]}]}},
                        "targets": [{"id": "out", "type": "kafka", "inputPath": "$.detail",
                                     "kafka": {"bootstrapServers": "%s", "topic": "%s", "keyPath": "$.detail.id",
                                               "headers": {"detail-type": "$.detail-type"}}}]}]}
            """.formatted(broker.bootstrapServers(), topic));
        final Path events = Files.writeString(dir.resolve("events.ndjson"), OrderEvents.event(1, 60) + "\n"
            + OrderEvents.event(2, 120) + "\n" + OrderEvents.event(3, 180) + "\n");
        final CliRun run = CliRun.of("run", "--config", config.toString(), "--events", events.toString(), "--bus",
            "orders");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("out                      big                                 2        0"),
            run.err());
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
            "reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < 2 && System.nanoTime() - deadline < 0) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        records.sort((a, b) -> new String(a.key(), StandardCharsets.UTF_8).compareTo(
            new String(b.key(), StandardCharsets.UTF_8)));
        assertEquals(2, records.size());
        for (int i = 0; i < 2; i++) {
            final ConsumerRecord<byte[], byte[]> record = records.get(i);
            assertEquals(Integer.toString(i + 2), new String(record.key(), StandardCharsets.UTF_8));
            assertTrue(new String(record.value(), StandardCharsets.UTF_8).startsWith("{\"id\":" + (i + 2)),
                new String(record.value(), StandardCharsets.UTF_8));
        }
        assertEquals("router: " + config + ": rules[0].targets[0].kafka: keyPath: path id: must start with '$'\n",
            CliRun.of("run", "--config", Files.writeString(config, Files.readString(config)
                .replace("$.detail.id", "id")).toString(), "--events", events.toString()).err());
    }
}
