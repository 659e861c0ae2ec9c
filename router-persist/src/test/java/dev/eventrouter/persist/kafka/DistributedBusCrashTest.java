package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.persist.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three router nodes of one distributed bus, each a child JVM; one is killed with SIGKILL mid-stream. Every event
 * Kafka acknowledged must be delivered at least once by the nodes together, the dead node's partitions moving to the
 * two others, duplicates bounded by what it had read and not committed.
 */
@Timeout(300)
class DistributedBusCrashTest {
    @TempDir
    Path dir;

    @Test
    void aNodeKilledMidStreamLosesNothingAcknowledged() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final String busName = "crash-" + System.nanoTime() % 100_000;
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), busName);
        final List<Process> nodes = new ArrayList<>();
        final List<Path> outputs = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                 broker.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                 ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
                 ProducerConfig.LINGER_MS_CONFIG, "2"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 3; i++) {
                final Path out = dir.resolve("node" + i + ".txt");
                outputs.add(out);
                final Process node = i == 0
                    ? ChildJvm.start(DistributedNodeMain.class, broker.bootstrapServers(), busName, out.toString(),
                        "rule")
                    : ChildJvm.start(DistributedNodeMain.class, broker.bootstrapServers(), busName, out.toString());
                nodes.add(node);
                awaitLine(node, "joined");
            }
            awaitMembers(admin, config.groupId(), 3);
            send(producer, config.eventsTopic(), 0, 1_000);
            awaitLines(outputs, 300);
            nodes.get(1).destroyForcibly();   // SIGKILL, mid-stream
            nodes.get(1).waitFor();
            send(producer, config.eventsTopic(), 1_000, 3_000);
            until(() -> numbers(outputs, new ArrayList<>()).size() == 3_000, "3,000 events delivered", 180);
            final List<Long> all = new ArrayList<>();
            final TreeSet<Long> seen = numbers(outputs, all);
            assertEquals(3_000, seen.size(), "every acknowledged event delivered at least once");
            assertEquals(0L, seen.first());
            assertEquals(2_999L, seen.last());
            final int duplicates = all.size() - 3_000;
            // the dead node read at most one batch (100) per partition it owned (6 partitions) without committing it
            assertTrue(duplicates <= 600, duplicates + " duplicates");
            System.out.println("distributed bus crash: " + all.size() + " deliveries of 3,000 events, " + duplicates
                + " duplicates");
            awaitMembers(admin, config.groupId(), 2);
        } finally {
            for (Process node : nodes) {
                node.destroyForcibly();
                node.waitFor();
            }
        }
    }

    /** Publishes raw events numbered {@code from} to {@code to} (exclusive) and waits for Kafka's acknowledgements. */
    private static void send(final KafkaProducer<byte[], byte[]> producer, final String topic, final int from,
                             final int to) throws Exception {
        final List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (int n = from; n < to; n++) {
            final String event = "{\"version\":\"0\",\"id\":\"e" + n + "\",\"detail-type\":\"Order\",\"source\":\"shop\","
                + "\"account\":\"123456789012\",\"time\":\"2026-12-03T10:00:00Z\",\"region\":\"us-east-1\","
                + "\"resources\":[],\"detail\":{\"n\":" + n + "}}";
            sends.add(producer.send(new ProducerRecord<>(topic, ("e" + n).getBytes(StandardCharsets.UTF_8),
                event.getBytes(StandardCharsets.UTF_8))));
        }
        for (java.util.concurrent.Future<?> send : sends) {
            send.get(60, TimeUnit.SECONDS);
        }
    }

    private static void awaitLine(final Process node, final String expected) throws IOException {
        final BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(),
            StandardCharsets.UTF_8));
        final String line = lines.readLine();
        if (!expected.equals(line)) {
            throw new AssertionError("the node said " + line);
        }
    }

    private static void awaitMembers(final Admin admin, final String group, final int members) {
        until(() -> {
            final ConsumerGroupDescription description;
            try {
                description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                return false;
            }
            final long assigned = description.members().stream()
                .filter(member -> !member.assignment().topicPartitions().isEmpty()).count();
            return description.members().size() == members && assigned == members;
        }, "group " + group + " with " + members + " members holding partitions", 120);
    }

    private static void awaitLines(final List<Path> outputs, final int lines) {
        until(() -> numbers(outputs, new ArrayList<>()).size() >= lines, lines + " deliveries", 120);
    }

    /** Checks every 10 ms (the files are re-read each time); the bound only stops a broken test from hanging. */
    private static void until(final java.util.function.BooleanSupplier done, final String what, final int seconds) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not reached within " + seconds + " s: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
    }

    /** @return the distinct numbers delivered, adding every delivery (duplicates too) to {@code all}. */
    private static TreeSet<Long> numbers(final List<Path> outputs, final List<Long> all) {
        final TreeSet<Long> seen = new TreeSet<>();
        for (Path out : outputs) {
            if (!Files.exists(out)) {
                continue;
            }
            final List<String> lines;
            try {
                lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            for (String line : lines) {
                if (!line.isEmpty() && line.chars().allMatch(Character::isDigit)) {
                    seen.add(Long.parseLong(line));
                    all.add(Long.parseLong(line));
                }
            }
        }
        return seen;
    }
}
