package dev.eventrouter.persist.kafka;

import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.KafkaMetadata;
import dev.eventrouter.source.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.EpochClock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka topic as a Kafka mapping's on-failure destination, as Lambda's {@code kafka://TOPIC} destinations work
 * ("Using a Kafka topic as an on-failure destination"): each record of a given-up batch is produced to the topic, in
 * the source's cluster, as one message holding the failure metadata and the record itself
 * ({@link FailurePolicy.FailedBatch#toKafkaDestinationJson}), keyed by the record's own key (no key: Kafka's default
 * partitioning). The messages are acknowledged ({@code acks=all}, idempotent) before the mapping moves past the batch;
 * a refusal throws, so the mapping keeps the batch and tries again later. A destination naming the source's own topic
 * is refused (no loop). Lambda applies at most 10 retries when retries are infinite and such a destination is set:
 * give the mapping's {@link FailurePolicy} its retry limit.
 */
public final class KafkaFailureDestination implements FailurePolicy.FailureDestination, AutoCloseable {
    private static final String PREFIX = "kafka://";

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EpochClock clock;
    private final Duration timeout;

    private KafkaFailureDestination(final String topic, final KafkaProducer<byte[], byte[]> producer,
                                    final EpochClock clock, final Duration timeout) {
        this.topic = topic;
        this.producer = producer;
        this.clock = clock;
        this.timeout = timeout;
    }

    /**
     * @param source      the Kafka source the mapping reads (its cluster receives the messages).
     * @param destination {@code kafka://TOPIC}, as Lambda's DestinationConfig.OnFailure.Destination.
     * @param clock       stamps the records' {@code timestamp}.
     * @throws IllegalArgumentException when the destination is not {@code kafka://TOPIC} or names the source's topic.
     */
    public static KafkaFailureDestination open(final KafkaSource.Config source, final String destination,
                                               final EpochClock clock) {
        if (destination == null || !destination.startsWith(PREFIX) || destination.length() == PREFIX.length()
            || destination.indexOf('/', PREFIX.length()) >= 0) {
            throw new IllegalArgumentException("Destination=" + destination + ": a Kafka on-failure destination is "
                + "kafka://TOPIC (a topic of the source's cluster)");
        }
        final String topic = destination.substring(PREFIX.length());
        if (topic.equals(source.topic())) {
            throw new IllegalArgumentException("Destination=" + destination + ": the source's own topic (the "
                + "failed records would come back to the mapping)");
        }
        final Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, source.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(source.openTimeout().toMillis()));
        return new KafkaFailureDestination(topic, new KafkaProducer<>(properties, new ByteArraySerializer(),
            new ByteArraySerializer()), clock, source.openTimeout());
    }

    /** A batch without its records (not what a mapping calls): its invocation record, unkeyed. */
    @Override
    public void onFailure(final FailurePolicy.FailedBatch failed) {
        send(List.of(new ProducerRecord<>(topic, null, failed.toJson(clock.time()).getBytes(StandardCharsets.UTF_8))));
    }

    @Override
    public void onFailure(final FailurePolicy.FailedBatch failed, final List<SourceRecord> records) {
        final List<String> messages = failed.toKafkaDestinationJson(clock.time(), records);
        final List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            final byte[] key = ((KafkaMetadata) records.get(i).metadata()).key();
            out.add(new ProducerRecord<>(topic, key, messages.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        send(out);
    }

    private void send(final List<ProducerRecord<byte[], byte[]>> records) {
        final List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
        records.forEach(record -> sends.add(producer.send(record)));
        final long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Future<RecordMetadata> send : sends) {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("on-failure destination kafka://" + topic + ": " + e.getCause(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("on-failure destination kafka://" + topic + ": not acknowledged within "
                + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Closes the producer (after the mapping stopped). */
    @Override
    public void close() {
        producer.close(timeout);
    }
}
