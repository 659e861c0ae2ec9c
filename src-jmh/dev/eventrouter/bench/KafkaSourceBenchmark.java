package dev.eventrouter.bench;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.persist.kafka.KafkaBroker;
import dev.eventrouter.persist.kafka.KafkaSource;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: how many records per second does a Kafka event-source mapping move from a topic through batching
 * (BatchSize 100, window 0, commits after each batch) into a no-op handler, against a bare {@code KafkaConsumer}
 * reading the same records (no batching, no commits) in the same run? One invocation drains the whole topic from
 * the start in a new consumer group (the group's join included in both); the poller idles between empty duty cycles
 * as {@code router poll} does (a spinning reader would take a core from the broker). The broker is real (KRaft, one node, a
 * child JVM on this machine: it shares the two cores with the reader), the records 100,000 CityLots events (about
 * 780 bytes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class KafkaSourceBenchmark {
    static final int RECORDS = 100_000;

    /** The topic's partitions (all read by the one member). */
    @Param({"1", "4"})
    public int partitions;

    private KafkaBroker broker;
    private String topic;

    @Setup(Level.Trial)
    public void start() throws Exception {
        broker = KafkaBroker.startTemporary("kafka-bench");
        topic = "bench-" + partitions;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        final CityLots lots = new CityLots(2026);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "5",
            ProducerConfig.BATCH_SIZE_CONFIG, "262144"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, lots.nextBytes()));
            }
            producer.flush();
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        broker.close();   // and its temporary directory
    }

    /** The mapping: KafkaSource in a new group, batches of up to 100 into a no-op handler, commits per batch. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long mapping() {
        final Poller poller = new Poller(SystemEpochClock.INSTANCE);
        try (KafkaSource source = KafkaSource.open(KafkaSource.Config.of(broker.bootstrapServers(), topic,
            "m-" + UUID.randomUUID()))) {
            final EventSourceMapping mapping = poller.add(MappingConfig.forStream("bench"), source, source,
                (partition, records) -> null);
            final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);   // as router poll runs it
            while (mapping.records() < RECORDS) {
                idle.idle(poller.doWork());
            }
            return mapping.batches();
        }
    }

    /** The baseline: a bare consumer in a new group polling until it has seen every record. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long rawConsumer() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
            "r-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long seen = 0;
            long bytes = 0;
            while (seen < RECORDS) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    seen++;
                    bytes += record.value().length;
                }
            }
            return bytes;
        }
    }
}
