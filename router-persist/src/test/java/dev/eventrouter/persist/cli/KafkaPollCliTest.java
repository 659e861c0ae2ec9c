package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.persist.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code router poll --source kafka:BOOTSTRAP/TOPIC} against the real broker the Kafka tests share. */
@Timeout(180)
class KafkaPollCliTest {
    @Test
    void shouldPollATopicInBatchesCommitToTheGroupAndResumeThere() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final String topic = "cli-poll";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                 broker.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                 ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new ByteArraySerializer(),
                 new ByteArraySerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            for (int n = 1; n <= 5; n++) {
                producer.send(new ProducerRecord<>(topic, ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            }
            final String source = "kafka:" + broker.bootstrapServers() + "/" + topic;
            // a window longer than the run: batches are released because they are full, whatever the fetches hold
            assertEquals(new CliRun(0, "{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n",
                    "done: 2 batches, 4 records, mean batch size 2.0, 1 filtered, 0 failed\n"),
                CliRun.of("poll", "--source", source, "--group", "cli", "--batch-size", "2", "--window", "60s",
                    "--filter", "{\"value\":{\"n\":[{\"numeric\":[\">\",1]}]}}"));
            assertEquals(new CliRun(0, "", "done: 0 batches, 0 records, mean batch size 0.0, 0 filtered, 0 failed\n"),
                CliRun.of("poll", "--source", source, "--group", "cli"), "the group's commits: nothing left");
            producer.send(new ProducerRecord<>(topic, "plain text".getBytes(StandardCharsets.UTF_8)))
                .get(30, TimeUnit.SECONDS);
            assertEquals(new CliRun(0, "plain text\n",
                    "done: 1 batches, 1 records, mean batch size 1.0, 0 filtered, 0 failed\n"),
                CliRun.of("poll", "--source", source, "--group", "cli"), "from the group's commit");
            assertEquals(new CliRun(0, "{\"n\":5}\nplain text\n",
                    "done: 1 batches, 2 records, mean batch size 2.0, 4 filtered, 0 failed\n"),
                CliRun.of("poll", "--source", source, "--name", "other", "--start", "trim-horizon", "--filter",
                    "{\"value\":[{\"anything-but\":[\"x\"]}]}", "--filter", "{\"value\":{\"n\":[5]}}"),
                "another group (the name) from the start; a string pattern matches a plain-text value, never an object");
            assertEquals(new CliRun(2, "", "router: --source: Topics: topic 'missing' does not exist at "
                    + broker.bootstrapServers() + "\n"),
                CliRun.of("poll", "--source", "kafka:" + broker.bootstrapServers() + "/missing"));
            assertEquals(new CliRun(2, "", "router: --source: must be kafka:HOST:PORT[,HOST:PORT...]/TOPIC, got "
                    + "kafka:" + broker.bootstrapServers() + "\n"),
                CliRun.of("poll", "--source", "kafka:" + broker.bootstrapServers()));
            assertEquals(new CliRun(2, "", "router: --checkpoints: a Kafka source commits its offsets to the consumer "
                    + "group (--group)\n"),
                CliRun.of("poll", "--source", source, "--checkpoints", "c.dat"));
            assertEquals(new CliRun(2, "", "router: --group: only for kafka: sources\n"),
                CliRun.of("poll", "--source", "file:x.ndjson", "--group", "g"));
        }
    }
}
