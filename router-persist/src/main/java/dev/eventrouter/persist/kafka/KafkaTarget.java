package dev.eventrouter.persist.kafka;

import dev.eventrouter.pipe.PipeTarget;
import dev.eventrouter.target.CompletingHandler;
import dev.eventrouter.target.Completion;
import dev.eventrouter.target.Delivery;
import dev.eventrouter.target.EventPath;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka topic as a rule target ({@link #target}: a {@link CompletingHandler}, so a send never holds the match
 * thread while the broker answers) or a pipe target ({@link #pipeTarget}). Each event becomes one record: its payload
 * (the event or its shaped input) is the value, the text a JSON path reaches in the matched event is the key (so one
 * key's events go to one partition, in order), and further headers are JSON paths too. The producer is idempotent
 * with {@code acks=all} unless the client properties say otherwise (then without idempotence, which needs
 * {@code acks=all}).
 *
 * <p>A producer error is a target failure: retriable ones (a broker away, a leader moving, a timeout) are retried
 * under the target's retry policy; the others (authorization, a record too large, a topic that does not exist) go
 * to its dead-letter target. Sends do not wait for the broker; the producer blocks a sender only when its buffer is
 * full or the topic's metadata is gone, at most {@code max.block.ms} (1 s here unless set), which a target's
 * in-flight bound ({@link Target#queueCapacity()}) keeps rare. Thread-safe (the producer is); one producer per target.
 */
public final class KafkaTarget implements CompletingHandler, AutoCloseable {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();
    /**
     * Where and how to send.
     *
     * @param bootstrapServers comma-separated {@code host:port}.
     * @param topic            the topic (it must exist).
     * @param keyPath          a JSON path into the matched event whose value is the record key (a string's text
     *                         without quotes, any other value's JSON), or {@code null} for no key (the producer
     *                         spreads records over the partitions).
     * @param headers          header name to JSON path into the matched event, in order; a path that reaches
     *                         nothing leaves its header out.
     * @param clientProperties further producer settings ({@code acks}, {@code compression.type}, ...), except the
     *                         servers and serializers.
     * @param openTimeout      how long {@link #open} waits for the topic's metadata.
     */
    public record Config(String bootstrapServers, String topic, String keyPath, Map<String, String> headers,
                         Map<String, String> clientProperties, Duration openTimeout) {
        /** Validates every field, naming it. */
        public Config {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers: is required");
            }
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic: is required");
            }
            if (keyPath != null) {
                compile("keyPath", keyPath);
            }
            headers = headers == null ? Map.of() : new LinkedHashMap<>(headers);
            headers.forEach((name, path) -> compile("headers." + name, path));
            headers = java.util.Collections.unmodifiableMap(headers);
            clientProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
            for (String key : clientProperties.keySet()) {
                if (Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG).contains(key)) {
                    throw new IllegalArgumentException("clientProperties: " + key + " is set by the target");
                }
            }
            if (openTimeout == null || openTimeout.isNegative() || openTimeout.isZero()) {
                throw new IllegalArgumentException("openTimeout: must be positive, got " + openTimeout);
            }
        }

        /** @return a config without key, headers or further settings, with a 30 s open timeout. */
        public static Config of(final String bootstrapServers, final String topic) {
            return new Config(bootstrapServers, topic, null, Map.of(), Map.of(), Duration.ofSeconds(30));
        }

        /** @return a copy keyed by this JSON path. */
        public Config withKeyPath(final String path) {
            return new Config(bootstrapServers, topic, path, headers, clientProperties, openTimeout);
        }

        /** @return a copy with these headers (name to JSON path). */
        public Config withHeaders(final Map<String, String> names) {
            return new Config(bootstrapServers, topic, keyPath, names, clientProperties, openTimeout);
        }

        /** @return a copy with these further producer settings. */
        public Config withClientProperties(final Map<String, String> properties) {
            return new Config(bootstrapServers, topic, keyPath, headers, properties, openTimeout);
        }

        /** @return a copy with this open timeout. */
        public Config withOpenTimeout(final Duration timeout) {
            return new Config(bootstrapServers, topic, keyPath, headers, clientProperties, timeout);
        }

        private static EventPath compile(final String field, final String path) {
            try {
                return EventPath.compile(path);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
            }
        }
    }

    private final Config config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventPath key;
    private final List<Map.Entry<String, EventPath>> headers = new ArrayList<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private KafkaTarget(final Config config, final KafkaProducer<byte[], byte[]> producer) {
        this.config = config;
        this.producer = producer;
        key = config.keyPath() == null ? null : EventPath.compile(config.keyPath());
        config.headers().forEach((name, path) -> headers.add(Map.entry(name, EventPath.compile(path))));
    }

    /**
     * Connects and reads the topic's metadata, so that sends do not wait for it.
     *
     * @throws IllegalArgumentException when the topic does not exist or a client property is refused.
     * @throws IllegalStateException    when no broker answers within the open timeout.
     */
    public static KafkaTarget open(final Config config) {
        final Properties properties = new Properties();
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        properties.putAll(config.clientProperties());
        final String acks = properties.getProperty(ProducerConfig.ACKS_CONFIG);
        properties.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            Boolean.toString("all".equals(acks) || "-1".equals(acks)));
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        final KafkaProducer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            throw new IllegalArgumentException("clientProperties: " + e.getMessage(), e);
        }
        final long deadline = System.nanoTime() + config.openTimeout().toNanos();
        while (true) {
            try {
                if (producer.partitionsFor(config.topic()).isEmpty()) {
                    throw new UnknownTopicOrPartitionException(config.topic());
                }
                return new KafkaTarget(config, producer);
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    producer.close(Duration.ZERO);
                    throw new IllegalStateException("bootstrapServers=" + config.bootstrapServers()
                        + ": the metadata of topic '" + config.topic() + "' did not come within "
                        + config.openTimeout().toMillis() + " ms (no broker answered, or the topic does not exist)",
                        e);
                }
            } catch (UnknownTopicOrPartitionException e) {
                producer.close(Duration.ZERO);
                throw new IllegalArgumentException("topic: '" + config.topic() + "' does not exist at "
                    + config.bootstrapServers(), e);
            } catch (KafkaException e) {
                producer.close(Duration.ZERO);
                throw new IllegalStateException("bootstrapServers=" + config.bootstrapServers() + ": "
                    + e.getMessage(), e);
            }
        }
    }

    /** @return where and how it sends. */
    public Config config() {
        return config;
    }

    /** @return a rule target with this id sending through this producer ({@link Target#completing}). */
    public Target target(final String id) {
        return Target.completing(id, this).withArn(arn());
    }

    /** @return {@code kafka://BOOTSTRAP/TOPIC}: the target's ARN in its dead letters. */
    public String arn() {
        return "kafka://" + config.bootstrapServers() + "/" + config.topic();
    }

    /** Starts the send of one delivery; the completion is called from the producer's I/O thread. */
    @Override
    public void onEvent(final Delivery delivery, final Completion completion) throws TargetException {
        final ProducerRecord<byte[], byte[]> record = record(delivery.payloadCopy(),
            key == null && headers.isEmpty() ? null : eventBytes(delivery));   // the event only when paths read it
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    sent.incrementAndGet();
                    completion.succeeded();
                } else {
                    failed.incrementAndGet();
                    completion.failed(failure(error));
                }
            });
        } catch (KafkaException e) {
            failed.incrementAndGet();
            throw failure(e);
        }
    }

    private static byte[] eventBytes(final Delivery delivery) {
        final byte[] event = new byte[delivery.event().capacity()];
        delivery.event().getBytes(0, event);
        return event;
    }

    /** The record of one event: the payload as value, key and headers from the event ({@code null} without paths). */
    private ProducerRecord<byte[], byte[]> record(final byte[] payload, final byte[] event) {
        final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(config.topic(), null,
            key == null ? null : valueAt(key, event), payload);
        for (Map.Entry<String, EventPath> header : headers) {
            final byte[] value = valueAt(header.getValue(), event);
            if (value != null) {
                record.headers().add(header.getKey(), value);
            }
        }
        return record;
    }

    /**
     * @return the value a path reaches, as a record key or header takes it: a string's text (unescaped), any other
     *         value's JSON; {@code null} when it reaches nothing or the bytes are not JSON. Also the distributed bus's
     *         keys.
     */
    static byte[] valueAt(final EventPath path, final byte[] event) {
        final String json;
        try {
            json = path.evaluate(event, 0, event.length);
        } catch (IllegalArgumentException e) {
            return null;   // a payload that is not JSON has no key
        }
        if (json == null) {
            return null;
        }
        if (json.charAt(0) == '"') {
            try {
                return JSON.readValue(json, String.class).getBytes(StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a JSON string that does not parse: " + json, e);
            }
        }
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** @return how a producer error counts: retried when Kafka says a retry may succeed. */
    static TargetException failure(final Throwable error) {
        final Throwable cause = error instanceof ExecutionException && error.getCause() != null ? error.getCause()
            : error;
        final String message = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (cause instanceof AuthorizationException || cause instanceof AuthenticationException) {
            return new TargetException(TargetException.NO_PERMISSIONS, message, false);
        }
        if (cause instanceof RecordTooLargeException) {
            return new TargetException("RECORD_TOO_LARGE", message, false);
        }
        if (cause instanceof TimeoutException) {
            return new TargetException(TargetException.TIMEOUT, message, true);
        }
        if (cause instanceof RetriableException) {
            return new TargetException("KAFKA_RETRIABLE", message, true);
        }
        return new TargetException("KAFKA_ERROR", message, false);
    }

    /**
     * @return a pipe target that sends each event as a record (the key and headers from the event itself) and
     *         returns when Kafka acknowledged all of them; a failure fails the batch (the pipe retries it whole, so a
     *         retried batch may write some records twice: at least once).
     */
    public PipeTarget pipeTarget() {
        return events -> {
            final List<Future<RecordMetadata>> sends = new ArrayList<>(events.size());
            for (byte[] event : events) {
                sends.add(producer.send(record(event, event)));
            }
            final long deadline = System.nanoTime() + config.openTimeout().toNanos();
            for (Future<RecordMetadata> send : sends) {
                try {
                    send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    sent.incrementAndGet();
                } catch (ExecutionException e) {
                    failed.incrementAndGet();
                    throw failure(e);
                } catch (java.util.concurrent.TimeoutException e) {
                    failed.incrementAndGet();
                    throw new TargetException(TargetException.TIMEOUT, "no acknowledgement from "
                        + config.bootstrapServers() + " within " + config.openTimeout().toMillis() + " ms", true);
                }
            }
        };
    }

    /** @return records Kafka acknowledged. */
    public long sent() {
        return sent.get();
    }

    /** @return sends that failed. */
    public long failed() {
        return failed.get();
    }

    /** Sends what is buffered, waiting up to the open timeout, and closes the producer. */
    @Override
    public void close() {
        producer.close(config.openTimeout());
    }
}
