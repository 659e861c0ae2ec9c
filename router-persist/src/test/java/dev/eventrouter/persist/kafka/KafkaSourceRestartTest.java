package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.ManualClock;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mapping over a topic whose broker is killed (SIGKILL) and restarted while the mapping runs. */
class KafkaSourceRestartTest {
    @TempDir
    Path dir;

    @Test
    void aMappingCarriesOnAcrossABrokerCrashAndLosesNothingAcknowledged() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"))) {
            final String topic = "restart";
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            send(broker, topic, 0, 60);
            final List<Long> delivered = new ArrayList<>();
            final Poller poller = new Poller(new ManualClock());
            try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic,
                "restart-group"))) {
                final EventSourceMapping mapping = poller.add(MappingConfig.forStream("m").withBatchSize(10), source,
                    source, (partition, records) -> {
                        for (SourceRecord record : records) {
                            delivered.add(Long.parseLong(record.dataAsString()));
                        }
                        return null;
                    });
                drive(poller, () -> delivered.size() >= 20, "some records delivered");
                broker.kill();
                for (int i = 0; i < 200; i++) {
                    poller.doWork();   // the mapping runs on while the broker is down
                }
                broker.restart();
                send(broker, topic, 60, 120);
                drive(poller, () -> new TreeSet<>(delivered).size() == 120, "every acknowledged record delivered");
                assertTrue(delivered.size() - 120 <= 2 * 10, "duplicates at most a batch per partition: "
                    + (delivered.size() - 120));
                assertTrue(mapping.records() >= 120);
            }
        }
    }

    /** Sends records {@code from} to {@code to} (exclusive) with acks=all, alternating partitions. */
    private static void send(final KafkaBroker broker, final String topic, final int from, final int to)
        throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
            new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int n = from; n < to; n++) {
                producer.send(new ProducerRecord<>(topic, n % 2, null,
                    Integer.toString(n).getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static void drive(final Poller poller, final BooleanSupplier done, final String what) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not reached within 120 s: " + what);
            }
            poller.doWork();
            Thread.yield();
        }
    }
}
