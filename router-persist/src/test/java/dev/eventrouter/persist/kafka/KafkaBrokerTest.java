package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test broker is a real one: records acknowledged with acks=all before a SIGKILL are all read back, in order,
 * after a restart on the same data.
 */
@Timeout(300)
class KafkaBrokerTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepAcknowledgedRecordsAcrossAKillAndARestart() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("events", 2, (short) 1))).all().get();
            }
            final Properties producerConfig = new Properties();
            producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
            producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new StringSerializer())) {
                for (int i = 0; i < 200; i++) {
                    producer.send(new ProducerRecord<>("events", i % 2, "k" + i, "{\"n\":" + i + "}")).get();
                }
            }
            broker.kill();
            broker.restart();

            final Properties consumerConfig = new Properties();
            consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "check");
            consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            final List<String> partition0 = new ArrayList<>();
            final List<String> partition1 = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig,
                new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("events"));
                while (partition0.size() + partition1.size() < 200) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                        (record.partition() == 0 ? partition0 : partition1).add(record.value());
                    }
                }
            }
            final List<String> expected0 = new ArrayList<>();
            final List<String> expected1 = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                (i % 2 == 0 ? expected0 : expected1).add("{\"n\":" + i + "}");
            }
            assertEquals(expected0, partition0, "partition 0 in order");
            assertEquals(expected1, partition1, "partition 1 in order");
        }
    }
}
