package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutTargetsResponse;

/**
 * A Kafka topic as a target put over HTTP: the config's {@code kafkaTopics} binds an ARN to a topic, and PutTargets
 * (the AWS SDK, signed, against a {@code router serve} child JVM) naming that ARN produces matched events there,
 * shaped by the target's InputPath.
 */
@Timeout(180)
class KafkaServeTest {
    private static final String ARN = "arn:aws:kafka:us-east-1:111111111111:topic/local/serve-orders";

    @TempDir
    Path dir;

    @Test
    void putTargetsNamingABoundKafkaTopicProducesMatchedEventsToIt() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final String topic = "serve-orders-" + System.nanoTime() % 100_000;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        final Path config = Files.writeString(dir.resolve("router.json"), """
            {"account": "111111111111", "eventBuses": ["orders"],
             "kafkaTopics": [{"arn": "%s", "kafka": {"bootstrapServers": "%s", "topic": "%s",
                                                     "keyPath": "$.detail.n"}}]}
            """.formatted(ARN, broker.bootstrapServers(), topic));
        final Path creds = Files.writeString(dir.resolve("creds.json"), "{\"AKIASERVETEST0000001\": "
            + "{\"secretAccessKey\": \"s3cret\", \"principal\": \"111111111111\"}}");
        final ServeProcessTest.Served served = ServeProcessTest.serve(config, creds);
        try (EventBridgeClient client = served.client()) {
            client.putRule(r -> r.name("all").eventBusName("orders").eventPattern("{\"source\":[\"shop\"]}"));
            final PutTargetsResponse put = client.putTargets(r -> r.rule("all").eventBusName("orders").targets(t -> t
                .id("topic").arn(ARN).inputPath("$.detail")));
            assertEquals(0, put.failedEntryCount());
            assertEquals(ARN, client.listTargetsByRule(r -> r.rule("all").eventBusName("orders")).targets().get(0)
                .arn());
            final List<PutEventsRequestEntry> entries = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                entries.add(PutEventsRequestEntry.builder().source("shop").detailType("Order")
                    .detail("{\"n\":" + n + "}").eventBusName("orders").build());
            }
            assertEquals(0, client.putEvents(r -> r.entries(entries)).failedEntryCount());
        }
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
            broker.bootstrapServers(), "group.id", "reader", "auto.offset.reset", "earliest"),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < 3 && System.nanoTime() - deadline < 0) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        served.stop();
        assertEquals(3, records.size());
        for (int n = 0; n < 3; n++) {
            assertEquals(Integer.toString(n), new String(records.get(n).key(), StandardCharsets.UTF_8));
            assertEquals("{\"n\":" + n + "}", new String(records.get(n).value(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aKafkaTopicEntryNamesWhatIsWrong() throws Exception {
        final Path config = Files.writeString(dir.resolve("router.json"), """
            {"kafkaTopics": [{"arn": "arn:aws:events:us-east-1:111111111111:event-bus/orders",
                              "kafka": {"bootstrapServers": "127.0.0.1:1", "topic": "t"}}]}
            """);
        final CliRun run = CliRun.of("run", "--config", config.toString(), "--events", Files.writeString(
            dir.resolve("e.ndjson"), "").toString());
        assertEquals(2, run.code(), run.err());
        assertEquals("router: " + config + ": kafkaTopics[0].arn: an event bus or API destination ARN already names "
            + "its target\n", run.err());
    }
}
