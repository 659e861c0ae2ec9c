package dev.eventrouter.persist.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.bus.EntryError;
import dev.eventrouter.bus.EnvelopeEncoder;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.EventIdSource;
import dev.eventrouter.bus.IngestLimits;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.persist.archive.EventTimes;
import dev.eventrouter.persist.replay.ReplayNames;
import dev.eventrouter.persist.replay.ReplayState;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import dev.eventrouter.source.AsyncBatchHandler;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.EventPath;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One router node's membership in a bus that scales out over Kafka (the {@code distributed} bus kind,
 * docs/scale-out.md). PutEvents on any node encodes and validates the events as the local bus would, appends them to
 * the bus's events topic (keyed by event id, or by a JSON path into the event) and answers once Kafka acknowledged
 * them: that is "accepted". Every node is a member of the bus's consumer group: it reads the partitions it owns
 * ({@link KafkaSource}) and publishes their events into its local bus of the same name, where its rules match and
 * its targets deliver them through the ordinary pipeline; a batch's offsets are committed only when every delivery of
 * its events has ended ({@link Router#afterEnded}), so a node that dies loses nothing acknowledged: its partitions
 * move to the other nodes, which deliver again what it had not finished (at most a batch per partition).
 *
 * <p>Rules live in the bus's control topic (compacted, one partition, key = rule name, value = the rule with its
 * targets; a deleted rule is a tombstone). Every node applies the topic in order: a node reads it to its end before
 * it joins the events group, then follows it. Targets are reproduced on each node, so they are named, not passed as
 * objects: a handler bound under a name on every node, another bus (name or ARN), or a Kafka topic.
 *
 * <p>Threads: one duty-cycle thread per node ({@code eventrouter-distributed-BUS}) reads the control topic and runs
 * the events mapping; what it throws is counted ({@link #errors()}) and it carries on. PutEvents and rule changes are
 * called from any thread. {@link #close} stops the thread, commits what has ended, and leaves the group.
 */
public final class DistributedBus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventPath ID = EventPath.compile("$.id");
    private static final EventPath REPLAY_NAME = EventPath.compile("$.replay-name");
    /** The header of a replayed record naming the rules it is for (FilterArns). */
    static final String REPLAY_RULES = "eventrouter-replay-rules";

    /**
     * A distributed bus as a node joins it.
     *
     * @param bootstrapServers comma-separated {@code host:port}.
     * @param busName          the bus (a name: each node holds a local bus of this name).
     * @param eventsTopic      where events are appended; created with {@code partitions} partitions when missing.
     * @param controlTopic     where rules are kept; created compacted with one partition when missing.
     * @param groupId          the consumer group the nodes form.
     * @param partitions       the events topic's partitions when this node creates it (at most that many nodes
     *                         share the work).
     * @param partitionKeyPath a JSON path into the event whose value keys its record (one key: one partition, in
     *                         order), or {@code null} for the event id.
     * @param openTimeout      how long joining and each acknowledgement may take.
     * @param consumerProperties settings of the node's events consumer ({@code session.timeout.ms}: how long a dead
     *                         node's partitions wait before they move, and its replays before other nodes record
     *                         them FAILED; Kafka's default 45 s), except {@code client.id} and those
     *                         {@link KafkaSource} owns.
     */
    public record Config(String bootstrapServers, String busName, String eventsTopic, String controlTopic,
                         String groupId, int partitions, String partitionKeyPath, Duration openTimeout,
                         Map<String, String> consumerProperties) {
        /** Validates the fields, naming them. */
        public Config {
            if (busName == null || !busName.matches("[.\\-_A-Za-z0-9]{1,256}")) {
                throw new IllegalArgumentException("busName=" + busName + ": must be 1-256 letters, digits, '.', '-'"
                    + " or '_'");
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions=" + partitions + ": must be positive");
            }
            if (partitionKeyPath != null) {
                try {
                    EventPath.compile(partitionKeyPath);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("partitionKeyPath: " + e.getMessage(), e);
                }
            }
            if (openTimeout == null || openTimeout.isNegative() || openTimeout.isZero()) {
                throw new IllegalArgumentException("openTimeout: must be positive, got " + openTimeout);
            }
            consumerProperties = consumerProperties == null ? Map.of() : Map.copyOf(consumerProperties);
            if (consumerProperties.containsKey(ConsumerConfig.CLIENT_ID_CONFIG)) {
                throw new IllegalArgumentException("consumerProperties: client.id is set by the distributed bus (it"
                    + " names the node in the group, so other nodes can tell when it left)");
            }
        }

        /** A config without further consumer settings. */
        public Config(final String bootstrapServers, final String busName, final String eventsTopic,
                      final String controlTopic, final String groupId, final int partitions,
                      final String partitionKeyPath, final Duration openTimeout) {
            this(bootstrapServers, busName, eventsTopic, controlTopic, groupId, partitions, partitionKeyPath,
                openTimeout, Map.of());
        }

        /** @return a copy with these settings of the node's events consumer. */
        public Config withConsumerProperties(final Map<String, String> properties) {
            return new Config(bootstrapServers, busName, eventsTopic, controlTopic, groupId, partitions,
                partitionKeyPath, openTimeout, properties);
        }

        /**
         * @return topics {@code eventrouter.BUS.events} (6 partitions) and {@code eventrouter.BUS.control}, group
         *         {@code eventrouter.BUS}, keyed by event id, 30 s timeout.
         */
        public static Config of(final String bootstrapServers, final String busName) {
            return new Config(bootstrapServers, busName, "eventrouter." + busName + ".events",
                "eventrouter." + busName + ".control", "eventrouter." + busName, 6, null, Duration.ofSeconds(30));
        }

        /** @return a copy with this many partitions for a new events topic. */
        public Config withPartitions(final int count) {
            return new Config(bootstrapServers, busName, eventsTopic, controlTopic, groupId, count, partitionKeyPath,
                openTimeout, consumerProperties);
        }

        /** @return a copy keying events by this JSON path. */
        public Config withPartitionKeyPath(final String path) {
            return new Config(bootstrapServers, busName, eventsTopic, controlTopic, groupId, partitions, path,
                openTimeout, consumerProperties);
        }
    }

    /**
     * A target as the control topic carries it: exactly one of a handler bound by name on every node, another bus,
     * or a Kafka topic.
     *
     * @param id      the target's id on its rule.
     * @param handler the name of a handler bound on every node ({@link #join}'s {@code handlers}).
     * @param bus     another bus's name or ARN.
     * @param kafka   a Kafka topic.
     */
    public record TargetSpec(String id, String handler, String bus, KafkaTarget.Config kafka) {
        /** @return a target calling the handler bound under {@code name} on each node. */
        public static TargetSpec handler(final String id, final String name) {
            return new TargetSpec(id, name, null, null);
        }

        /** @return a target putting events on another bus. */
        public static TargetSpec bus(final String id, final String bus) {
            return new TargetSpec(id, null, bus, null);
        }

        /** @return a target sending events to a Kafka topic from each node. */
        public static TargetSpec kafka(final String id, final String bootstrapServers, final String topic,
                                       final String keyPath) {
            return new TargetSpec(id, null, null, KafkaTarget.Config.of(bootstrapServers, topic).withKeyPath(keyPath));
        }

        /** Exactly one kind. */
        public TargetSpec {
            final int kinds = (handler != null ? 1 : 0) + (bus != null ? 1 : 0) + (kafka != null ? 1 : 0);
            if (kinds != 1) {
                throw new IllegalArgumentException("target " + id + ": exactly one of handler, bus and kafka, got "
                    + kinds);
            }
        }
    }

    private final Router router;
    private final EventBus bus;
    private final Config config;
    private final TargetCodec codec;
    /** The way into the local bus's ring: the bus's own PutEvents and publishes go to the events topic. */
    private final EventBus.Ingress ingress;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> control;
    private final List<TopicPartition> controlPartitions;
    private final KafkaSource events;
    private final Poller poller = new Poller(SystemEpochClock.INSTANCE);
    private final EventSourceMapping mapping;
    private final AgentRunner runner;
    private final EventPath key;
    private final AtomicLong applied = new AtomicLong(-1);
    /**
     * Serializes the control topic's application (the node's thread) with rule calls made on this node
     * ({@link #changeRule}): a call changes the local bus, appends what changed, and the thread applies nothing
     * meanwhile (it tries the lock and reads the topic on a later duty cycle).
     */
    private final java.util.concurrent.locks.ReentrantLock controlLock = new java.util.concurrent.locks.ReentrantLock();
    /** The value of every control key as this node applied it (guarded by {@link #controlLock}). */
    private final Map<String, byte[]> appliedValues = new HashMap<>();
    /** Targets whose rule this node has not seen yet (a compacted topic can hold a target before its rule). */
    private final Map<String, Map<String, byte[]>> pendingTargets = new HashMap<>();
    /** Replays running on this node, and work handed to the node's thread. */
    private final List<Replay> replays = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final org.agrona.concurrent.ManyToOneConcurrentLinkedQueue<Runnable> tasks =
        new org.agrona.concurrent.ManyToOneConcurrentLinkedQueue<>();
    /** Filters of replayed records, by their rule list; released at close. */
    private final Map<String, dev.eventrouter.bus.ReplayFilter> replayFilters = new HashMap<>();
    private final AtomicLong applyErrors = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile String lastApplyError;
    private volatile boolean closed;

    private DistributedBus(final Router router, final EventBus bus, final Config config, final TargetCodec codec,
                           final KafkaProducer<byte[], byte[]> producer,
                           final KafkaConsumer<byte[], byte[]> control, final List<TopicPartition> controlPartitions,
                           final KafkaSource events, final String nodeId) {
        this.nodeId = nodeId;
        this.router = router;
        this.bus = bus;
        this.config = config;
        this.codec = codec;
        this.producer = producer;
        this.control = control;
        this.controlPartitions = controlPartitions;
        this.events = events;
        key = config.partitionKeyPath() == null ? null : EventPath.compile(config.partitionKeyPath());
        ingress = bus.divert(new TopicSink());   // first: a bus diverted elsewhere refuses before a thread starts
        try {
            catchUp();
        } catch (RuntimeException | Error e) {
            ingress.close();
            throw e;
        }
        mapping = poller.addAsync(MappingConfig.forStream("distributed-" + config.busName()), events, events,
            deliver());
        runner = new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 1_000_000), error -> errors.incrementAndGet(),
            null, new Node());
        AgentRunner.startOnThread(runner);
    }

    /**
     * Joins the bus: creates the topics when missing, creates the local bus when missing, applies the control topic to
     * its end, then joins the events group on its own thread.
     *
     * @param router   a router started with {@code RouterContext.trackEnds(true)}.
     * @param handlers the handlers rules name, bound on this node.
     * @throws IllegalArgumentException when the router does not track ends, or a setting is refused.
     * @throws IllegalStateException    when the cluster does not answer within the open timeout.
     */
    public static DistributedBus join(final Router router, final Config config,
                                      final Map<String, EventHandler> handlers) {
        return join(router, config, TargetCodec.of(handlers));
    }

    /**
     * Joins the bus with targets built by {@code codec} ({@code router run} and {@code router serve} pass theirs).
     * The codec is closed with the node.
     *
     * @see #join(Router, Config, Map)
     */
    public static DistributedBus join(final Router router, final Config config, final TargetCodec codec) {
        if (!router.tracksEnds()) {
            throw new IllegalArgumentException("router: a distributed bus commits only what has ended: start the "
                + "router with RouterContext.trackEnds(true)");
        }
        ensureTopics(config);
        EventBus bus;
        try {
            bus = router.eventBus(config.busName());
        } catch (dev.eventrouter.bus.NoSuchResourceException e) {
            bus = router.createEventBus(config.busName());
        }
        final Properties producerProperties = new Properties();
        producerProperties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        producerProperties.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProperties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProperties.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        producerProperties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(config.openTimeout().toMillis()));
        final KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties,
            new ByteArraySerializer(), new ByteArraySerializer());
        final Properties controlProperties = new Properties();
        controlProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        controlProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        final KafkaConsumer<byte[], byte[]> control = new KafkaConsumer<>(controlProperties,
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaSource events = null;
        try {
            final List<TopicPartition> partitions = partitionsOf(control, config.controlTopic(), config.openTimeout());
            control.assign(partitions);
            control.seekToBeginning(partitions);
            final String nodeId = java.util.UUID.randomUUID().toString();
            final Map<String, String> consumerProperties = new HashMap<>(config.consumerProperties());
            consumerProperties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientIdOf(config, nodeId));
            events = KafkaSource.open(new KafkaSource.Config(config.bootstrapServers(), config.eventsTopic(),
                config.groupId(), consumerProperties, config.openTimeout(), 1_000));
            return new DistributedBus(router, bus, config, codec, producer, control, partitions, events, nodeId);
        } catch (RuntimeException | Error e) {
            // a node that could not join leaves no client (and no client thread) behind
            if (events != null) {
                events.close();
            }
            control.close(Duration.ZERO);
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    private static void ensureTopics(final Config config) {
        final int timeout = (int) Math.min(Integer.MAX_VALUE, config.openTimeout().toMillis());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeout, 30_000)))) {
            final Set<String> existing = admin.listTopics().names().get(config.openTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
            final List<NewTopic> missing = new ArrayList<>();
            if (!existing.contains(config.eventsTopic())) {
                missing.add(new NewTopic(config.eventsTopic(), Optional.of(config.partitions()), Optional.empty()));
            }
            if (!existing.contains(config.controlTopic())) {
                missing.add(new NewTopic(config.controlTopic(), Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact")));
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(config.openTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;   // another node created it meanwhile: fine
                    }
                }
                awaitTopics(admin, config);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("bootstrapServers=" + config.bootstrapServers() + ": "
                + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("bootstrapServers=" + config.bootstrapServers() + ": no answer within "
                + config.openTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining bus " + config.busName(), e);
        }
    }

    /**
     * Waits until the brokers' metadata has the bus's new topics with a leader for each partition: a topic the
     * controller created is not known at once to every broker, and the clients joining next look it up there.
     */
    private static void awaitTopics(final Admin admin, final Config config) throws InterruptedException,
        java.util.concurrent.TimeoutException {
        final long deadline = System.nanoTime() + config.openTimeout().toNanos();
        while (true) {
            try {
                final boolean led = admin.describeTopics(List.of(config.eventsTopic(), config.controlTopic()))
                    .allTopicNames().get(config.openTimeout().toMillis(), TimeUnit.MILLISECONDS).values().stream()
                    .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led) {
                    return;
                }
            } catch (ExecutionException e) {
                // not known yet (UnknownTopicOrPartition): asked again below
            }
            if (System.nanoTime() - deadline > 0) {
                throw new java.util.concurrent.TimeoutException("topics " + config.eventsTopic() + " and "
                    + config.controlTopic() + " have no leaders");
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
    }

    // ---- events ------------------------------------------------------------------------------------------------

    /**
     * PutEvents on the distributed bus, as the router's own PutEvents on the bus (this node's local bus is diverted
     * to the events topic): validates and encodes each entry, appends the accepted ones to the events topic and
     * returns when Kafka acknowledged them. An entry naming another bus is refused; an entry Kafka did not acknowledge
     * within the open timeout is refused as {@code InternalFailure} (retryable).
     */
    public PutEventsResult putEvents(final List<PutEventsEntry> entries) {
        if (entries.isEmpty() || entries.size() > 10) {
            throw new IllegalArgumentException("entries: 1 to 10, got " + entries.size());
        }
        final List<PutEventsResult.Entry> results = new ArrayList<>(entries.size());
        final List<PutEventsEntry> ours = new ArrayList<>(entries.size());
        for (PutEventsEntry entry : entries) {
            final String named = entry.eventBusName();
            if (named != null && !named.equals(bus.name()) && !named.equals(bus.arn())) {
                results.add(new PutEventsResult.Entry(null, new EntryError("ValidationException",
                    "EventBusName " + named + " is not the distributed bus " + bus.name())));
            } else {
                results.add(null);
                ours.add(entry.withEventBusName(bus.arn()));
            }
        }
        int failed = entries.size() - ours.size();
        if (!ours.isEmpty()) {
            final PutEventsResult put = router.putEvents(ours);
            failed += put.failedEntryCount();
            int next = 0;
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i) == null) {
                    results.set(i, put.entries().get(next++));
                }
            }
        }
        return new PutEventsResult(failed, results);
    }

    /**
     * Publishes a complete event (an envelope with its {@code id}, as {@code EventBus.publish} takes one) to the bus:
     * checks that it is one JSON object within the ingest limits, appends it to the events topic (keyed by its
     * {@code id}, or by the partition key path) and returns when Kafka acknowledged it.
     *
     * @throws dev.eventrouter.event.MalformedEventException when the bytes are not an acceptable event, with the byte
     *                                                       offset.
     * @throws IllegalStateException                         when Kafka did not acknowledge it within the open timeout.
     */
    public void publish(final byte[] event) {
        bus.publish(event);   // diverted: validated, appended to the events topic, acknowledged (or it throws)
    }

    /** The local bus's diversion: what the router accepts for the bus is appended to the events topic. */
    private final class TopicSink implements dev.eventrouter.bus.IngestSink {
        @Override
        public CompletableFuture<?> append(final EventBus to, final String eventId, final byte[] bytes,
                                           final int offset, final int length) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("this node left distributed bus "
                    + config.busName()));
            }
            final byte[] envelope = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            final CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
            producer.send(new ProducerRecord<>(config.eventsTopic(), keyOf(eventId != null ? eventId
                : eventIdOf(envelope), envelope), envelope),
                (metadata, error) -> {
                    if (error != null) {
                        acked.completeExceptionally(error);
                    } else {
                        acked.complete(metadata);
                    }
                });
            return acked;
        }

        @Override
        public Duration ackTimeout() {
            return config.openTimeout();
        }

        @Override
        public String toString() {
            return "Kafka topic " + config.eventsTopic();
        }
    }

    /** @return the record key: what the partition key path reaches, else the event id. */
    private byte[] keyOf(final String eventId, final byte[] envelope) {
        final byte[] value = key == null ? null : KafkaTarget.valueAt(key, envelope);
        return value != null ? value : eventId.getBytes(StandardCharsets.UTF_8);
    }

    /** Publishes a batch of the node's partitions into the local bus; completes when its events have ended. */
    private AsyncBatchHandler deliver() {
        return (partition, records) -> {
            for (SourceRecord record : records) {
                try {
                    final dev.eventrouter.bus.ReplayFilter filter = replayFilterOf(record);
                    final boolean accepted = filter == null ? ingress.publish(record.data(), 0, record.data().length)
                        : ingress.publishReplay(record.data(), 0, record.data().length, filter);
                    if (!accepted) {
                        return CompletableFuture.failedFuture(new IllegalStateException("the router stayed full"));
                    }
                } catch (MalformedEventException e) {
                    malformed.incrementAndGet();   // not an event: no rule can take it (counted, skipped)
                } catch (IllegalStateException e) {
                    return CompletableFuture.failedFuture(e);   // closed, or the bus refuses events: retried
                }
            }
            final CompletableFuture<List<Long>> ended = new CompletableFuture<>();
            router.afterEnded(ok -> {
                if (ok) {
                    ended.complete(null);
                } else {
                    ended.completeExceptionally(new IllegalStateException("the router closed first"));
                }
            });
            return ended;
        };
    }

    /** @return the filter of a replayed record that names its rules (FilterArns), or null. */
    private dev.eventrouter.bus.ReplayFilter replayFilterOf(final SourceRecord record) {
        if (!(record.metadata() instanceof dev.eventrouter.source.KafkaMetadata kafka)) {
            return null;
        }
        for (dev.eventrouter.source.KafkaMetadata.Header header : kafka.headers()) {
            if (REPLAY_RULES.equals(header.key()) && header.value() != null) {
                final String rules = new String(header.value(), StandardCharsets.UTF_8);
                return replayFilters.computeIfAbsent(rules,
                    names -> router.replayFilter(List.of(names.split(","))));
            }
        }
        return null;
    }

    // ---- replays -----------------------------------------------------------------------------------------------

    /**
     * One replay of the bus's events topic (the bus's archive: its retention is the archive's): the events whose
     * {@code time} is in {@code [from, to)}, except replayed ones, appended again with {@code replay-name}, so the
     * node owning each one's partition delivers it, to the rules named ({@code FilterArns}) or to every rule. Stepped
     * on the node's thread; it goes RUNNING → COMPLETED (every event appended and acknowledged), or → CANCELLED, or
     * → FAILED (Kafka refused an append or a read).
     */
    public final class Replay {
        private final String name;
        private final long from;
        private final long to;
        private final String rules;
        /** The archive's pattern (only the events it matches are replayed), or {@code null}. */
        private final dev.eventrouter.match.EventMatcher archivePattern;
        /** The replay as recorded in the control topic, or {@code null} for a replay made without one. */
        private final ReplayRecord record;
        /** Records appended before this (the archive's creation) are not in the archive. */
        private final long since;
        /** {@code {"replay-name":"NAME",}: what each replayed event starts with. */
        private final byte[] prefix;
        private final KafkaConsumer<byte[], byte[]> reader;
        private final Map<TopicPartition, Long> ends;
        private final AtomicLong appended = new AtomicLong();
        private final AtomicLong acknowledged = new AtomicLong();
        private volatile ReplayState state = ReplayState.RUNNING;
        private volatile String failure;
        private volatile long lastReplayedTime = -1;
        private volatile boolean reading = true;

        private Replay(final String name, final long from, final long to, final String rules,
                       final String archivePattern, final long since, final ReplayRecord record) {
            this.name = name;
            this.since = since;
            this.from = from;
            this.to = to;
            this.rules = rules;
            this.record = record;
            this.archivePattern = archivePattern == null ? null : new dev.eventrouter.match.EventMatcher(
                new dev.eventrouter.match.RuleCompiler(PatternLimits.DEFAULT).compile(List.of(
                    new dev.eventrouter.match.RuleCompiler.Rule("archive", new PatternParser(PatternLimits.DEFAULT)
                        .parse(archivePattern)))));
            prefix = ReplayNames.prefix(name);
            final Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            reader = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            try {
                final List<TopicPartition> partitions = partitionsOf(reader, config.eventsTopic(),
                    config.openTimeout());
                reader.assign(partitions);
                ends = reader.endOffsets(partitions, config.openTimeout());   // what was appended before the start
                final Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(tp -> at.put(tp, from));
                reader.offsetsForTimes(at, config.openTimeout()).forEach((tp, found) ->
                    reader.seek(tp, found != null ? found.offset() : ends.get(tp)));
            } catch (RuntimeException e) {
                reader.close(Duration.ZERO);   // a replay that could not start leaves no client behind
                throw e;
            }
        }

        /** Node thread: reads a chunk, appends what is in range. @return records read. */
        int step() {
            if (state != ReplayState.RUNNING) {
                return 0;
            }
            if (!reading) {
                if (acknowledged.get() == appended.get()) {
                    finish(ReplayState.COMPLETED, null);
                }
                return 0;
            }
            int read = 0;
            try {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ZERO)) {
                    final TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= ends.get(tp)) {
                        continue;   // appended after the replay started (its own appends among them)
                    }
                    read++;
                    if (record.timestamp() >= since) {
                        replay(record.value());   // appended after the archive was created: in the archive
                    }
                }
                boolean done = true;
                for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                    if (reader.position(end.getKey(), config.openTimeout()) < end.getValue()) {
                        done = false;
                    } else {
                        reader.pause(List.of(end.getKey()));
                    }
                }
                if (done) {
                    reading = false;
                    reader.close(Duration.ZERO);
                }
            } catch (KafkaException e) {
                finish(ReplayState.FAILED, e.toString());
            }
            return read;
        }

        private void replay(final byte[] event) {
            final long at = EventTimes.find(event, 0, event.length);
            if (at == EventTimes.NONE || at < from || at >= to
                || REPLAY_NAME.evaluate(event, 0, event.length) != null) {
                return;   // out of range, not an event of this bus's, or a replayed one: never replayed again
            }
            try {
                if (archivePattern != null && archivePattern.match(event, rule -> { }) == 0) {
                    return;   // not in the archive (its pattern)
                }
            } catch (MalformedEventException e) {
                return;
            }
            final byte[] marked = new byte[prefix.length + event.length];
            final int length = ReplayNames.inject(prefix, event, event.length, marked);
            final byte[] copy = length == marked.length ? marked : java.util.Arrays.copyOf(marked, length);
            final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(config.eventsTopic(),
                keyOf(eventIdOf(copy), copy), copy);
            if (rules != null) {
                record.headers().add(REPLAY_RULES, rules.getBytes(StandardCharsets.UTF_8));
            }
            appended.incrementAndGet();
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    finish(ReplayState.FAILED, "append: " + error);
                }
                acknowledged.incrementAndGet();
            });
            lastReplayedTime = Math.max(lastReplayedTime, at);
        }

        private synchronized void finish(final ReplayState end, final String why) {
            if (state == ReplayState.RUNNING) {
                state = end;
                failure = why;
                if (reading) {
                    reading = false;
                    node(() -> reader.close(Duration.ZERO));
                }
            }
        }

        /** Stops the replay (CancelReplay): what was appended is delivered, nothing more is read. */
        public void cancel() {
            node(() -> finish(ReplayState.CANCELLED, null));
        }

        /** @return its name. */
        public String name() {
            return name;
        }

        /** @return its state. */
        public ReplayState state() {
            return state;
        }

        /** @return why it failed, or {@code null}. */
        public String failure() {
            return failure;
        }

        /** @return events appended again so far. */
        public long replayed() {
            return appended.get();
        }

        /** @return the latest event time replayed so far (EventLastReplayedTime), or -1. */
        public long lastReplayedTime() {
            return lastReplayedTime;
        }
    }

    /**
     * StartReplay on the bus's archive (its events topic): replays the events whose {@code time} is in
     * {@code [from, to)} that the topic still holds, to the named rules or to all of them. Runs on the node's thread;
     * the events are delivered by whichever node owns their partitions, each once more per replay.
     *
     * @param ruleNames FilterArns as rule names, or empty for every rule.
     * @throws IllegalArgumentException when the range is empty or the name is not 1-64 characters.
     */
    public Replay startReplay(final String name, final java.time.Instant from, final java.time.Instant to,
                              final List<String> ruleNames) {
        ReplayNames.requireValid(name);
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("EventStartTime must be before EventEndTime, got " + from + " and "
                + to);
        }
        final CompletableFuture<Replay> started = new CompletableFuture<>();
        node(() -> {
            try {
                final Replay replay = new Replay(name, from.toEpochMilli(), to.toEpochMilli(),
                    ruleNames == null || ruleNames.isEmpty() ? null : String.join(",", ruleNames), null, 0, null);
                replays.add(replay);
                started.complete(replay);
            } catch (RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        try {
            return started.get(config.openTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("replay " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            throw new IllegalStateException("replay " + name + ": the node did not start it", e);
        }
    }

    private static List<TopicPartition> partitionsOf(final KafkaConsumer<byte[], byte[]> consumer, final String topic,
                                                     final Duration timeout) {
        final List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic, timeout).forEach(info -> partitions.add(new TopicPartition(topic,
            info.partition())));
        return partitions;
    }

    /** Runs {@code task} on the node's thread (its next duty cycle). */
    private void node(final Runnable task) {
        tasks.offer(task);
    }

    private static String eventIdOf(final byte[] event) {
        final byte[] id = KafkaTarget.valueAt(ID, event);
        return id == null ? "" : new String(id, StandardCharsets.UTF_8);
    }

    // ---- rules -------------------------------------------------------------------------------------------------
    //
    // The control topic holds one record per rule ("rule/NAME": the rule as stored) and one per target
    // ("target/RULE/ID": the target's spec, TargetCodec); a tombstone deletes. Every node applies the records in topic
    // order; a node that joins reads the topic to its end first. Compaction keeps each key's last record, so a
    // target's record can come before its rule's: it waits (pendingTargets) until the rule is there.

    private static final String RULE = "rule/";
    private static final String TARGET = "target/";

    private static String ruleKey(final String rule) {
        return RULE + rule;
    }

    private static String targetKey(final String rule, final String id) {
        return TARGET + rule + "/" + id;
    }

    /**
     * Puts a rule (and its targets) on every node: validates it, appends it to the control topic and returns the
     * record's offset once Kafka acknowledged it; each node applies it when it reads it ({@link #awaitApplied}).
     *
     * @throws IllegalArgumentException when the pattern is invalid or a target cannot be built on this node.
     */
    public long putRule(final String name, final String eventPattern, final RuleState state,
                        final List<TargetSpec> targets) {
        final List<JsonNode> specs = new ArrayList<>(targets.size());
        targets.forEach(t -> specs.add(TargetCodec.specOf(t)));
        return putRule(new Rule(name, bus.name(), eventPattern, state == null ? RuleState.ENABLED : state, null),
            specs);
    }

    /**
     * Puts a rule with exactly these targets (specs the node's {@link TargetCodec} reads; the rule's other targets
     * are removed) on every node.
     *
     * @return the offset of the last record appended (for {@link #awaitApplied}).
     * @throws IllegalArgumentException when the pattern is invalid, a target cannot be built on this node, or two
     *                                  targets share an id.
     * @throws IllegalStateException    when Kafka did not acknowledge the records within the open timeout.
     */
    public long putRule(final Rule rule, final List<? extends JsonNode> targets) {
        if (rule.eventPattern() == null) {
            throw new IllegalArgumentException("rule " + rule.name() + ": a distributed bus's rules need an event "
                + "pattern (schedules run on the default bus)");
        }
        new PatternParser(PatternLimits.DEFAULT).parse(rule.eventPattern());
        final Map<String, byte[]> records = new LinkedHashMap<>();
        records.put(ruleKey(rule.name()), ruleRecord(rule.onBus(bus.name())));
        for (JsonNode spec : targets) {
            final Target built = codec.decode(spec);   // refuses what this node could not build (no other would)
            if (records.put(targetKey(rule.name(), built.id()), bytes(spec)) != null) {
                throw new IllegalArgumentException("rule " + rule.name() + ": two targets with id " + built.id());
            }
        }
        return controlled(() -> {
            for (String key : appliedValues.keySet()) {
                if (key.startsWith(TARGET + rule.name() + "/") && !records.containsKey(key)) {
                    records.put(key, null);   // the rule's other targets go
                }
            }
            return append(records);
        });
    }

    /**
     * Deletes a rule and its targets on every node (tombstones in the control topic).
     *
     * @return the offset of the last record appended.
     */
    public long deleteRule(final String name) {
        return controlled(() -> {
            final Map<String, byte[]> records = new LinkedHashMap<>();
            for (String key : appliedValues.keySet()) {
                if (key.startsWith(TARGET + name + "/")) {
                    records.put(key, null);
                }
            }
            records.put(ruleKey(name), null);
            return append(records);
        });
    }

    /**
     * Makes a rule call on this node's local bus and gives its outcome to every node: the call runs as it would on
     * a local bus (a {@link dev.eventrouter.bus.Caller}'s authorization, validation, errors), then what it changed
     * in the rule (the rule as stored, each target as the codec encodes it) is appended to the control topic. When
     * Kafka refuses the append, the local change is undone and the call fails. {@code router serve} runs PutRule,
     * PutTargets, RemoveTargets, DeleteRule, EnableRule and DisableRule on a distributed bus through it.
     *
     * <p>Calls on one node are serialized; calls on different nodes are ordered by the topic (the last appended
     * wins), each checked against the state its node had read when it ran: the node first reads the topic to its
     * current end, so a call sees every change acknowledged before it started.
     *
     * @param rule   the rule the call changes.
     * @param change the call (on this node's router or a caller of it).
     * @return what the call returned.
     * @throws IllegalArgumentException when a target the call put cannot be rebuilt on other nodes (undone).
     * @throws IllegalStateException    when the control topic did not acknowledge the change (undone).
     */
    public <T> T changeRule(final String rule, final java.util.function.Supplier<T> change) {
        return controlled(() -> {
            final Map<String, byte[]> before = new HashMap<>();
            appliedValues.forEach((key, value) -> {
                if (key.equals(ruleKey(rule)) || key.startsWith(TARGET + rule + "/")) {
                    before.put(key, value);
                }
            });
            final T result = change.get();
            final Map<String, byte[]> after;
            try {
                after = localState(rule);
            } catch (RuntimeException e) {
                restore(rule, before);
                throw e;
            }
            final Map<String, byte[]> records = new LinkedHashMap<>();
            if (after.containsKey(ruleKey(rule)) && !java.util.Arrays.equals(after.get(ruleKey(rule)),
                before.get(ruleKey(rule)))) {
                records.put(ruleKey(rule), after.get(ruleKey(rule)));   // a rule first: its targets need it
            }
            after.forEach((key, value) -> {
                if (key.startsWith(TARGET) && !java.util.Arrays.equals(value, before.get(key))) {
                    records.put(key, value);
                }
            });
            before.keySet().forEach(key -> {
                if (key.startsWith(TARGET) && !after.containsKey(key)) {
                    records.put(key, null);
                }
            });
            if (before.containsKey(ruleKey(rule)) && !after.containsKey(ruleKey(rule))) {
                records.put(ruleKey(rule), null);   // a rule last: its targets go first
            }
            if (records.isEmpty()) {
                return result;
            }
            try {
                append(records);
            } catch (RuntimeException e) {
                restore(rule, before);
                throw e;
            }
            records.forEach(this::remember);   // applied here already: reading them back changes nothing
            return result;
        });
    }

    /**
     * Runs a control-plane change: reads the control topic to its end first (the change sees every change acknowledged
     * before it), then holds the control lock (the node's thread applies nothing meanwhile).
     */
    private <T> T controlled(final java.util.function.Supplier<T> change) {
        sync();
        controlLock.lock();
        try {
            return change.get();
        } finally {
            controlLock.unlock();
        }
    }

    /** @return the rule and its targets on the local bus, as control records (nothing when the rule is absent). */
    private Map<String, byte[]> localState(final String name) {
        final Map<String, byte[]> state = new LinkedHashMap<>();
        final Rule rule = router.listRules(bus.name()).stream().filter(r -> r.name().equals(name)).findFirst()
            .orElse(null);
        if (rule == null) {
            return state;
        }
        state.put(ruleKey(name), ruleRecord(rule));
        for (Target target : router.listTargetsByRule(bus.name(), name)) {
            final JsonNode spec = codec.encode(target);
            if (spec == null) {
                throw new IllegalArgumentException("target " + target.id() + " of rule " + name + ": other nodes of "
                    + "distributed bus " + bus.name() + " could not rebuild it");
            }
            state.put(targetKey(name, target.id()), bytes(spec));
        }
        return state;
    }

    /** Puts the rule back as this node last applied it from the topic (a change Kafka refused). */
    private void restore(final String rule, final Map<String, byte[]> before) {
        final Set<String> now = new java.util.HashSet<>();
        if (router.listRules(bus.name()).stream().anyMatch(r -> r.name().equals(rule))) {
            now.add(ruleKey(rule));
            router.listTargetsByRule(bus.name(), rule).forEach(t -> now.add(targetKey(rule, t.id())));
        }
        final byte[] ruleBefore = before.get(ruleKey(rule));
        if (ruleBefore != null) {
            apply(ruleKey(rule), ruleBefore, true);
        }
        for (String key : now) {
            if (key.startsWith(TARGET) && !before.containsKey(key)) {
                apply(key, null, true);
            }
        }
        before.forEach((key, value) -> {
            if (key.startsWith(TARGET)) {
                apply(key, value, true);
            }
        });
        if (ruleBefore == null && now.contains(ruleKey(rule))) {
            apply(ruleKey(rule), null, true);
        }
    }

    private void remember(final String key, final byte[] value) {
        if (value == null) {
            appliedValues.remove(key);
        } else {
            appliedValues.put(key, value);
        }
    }

    private static byte[] ruleRecord(final Rule rule) {
        final ObjectNode record = JSON.createObjectNode().put("name", rule.name())
            .put("eventPattern", rule.eventPattern()).put("state", rule.state().name());
        if (rule.description() != null) {
            record.put("description", rule.description());
        }
        if (rule.createdBy() != null) {
            record.put("createdBy", rule.createdBy());
        }
        return bytes(record);
    }

    private static byte[] bytes(final JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Appends the records in order and waits for every acknowledgement.
     *
     * @return the offset of the last.
     * @throws IllegalStateException when one was not acknowledged within the open timeout.
     */
    private long append(final Map<String, byte[]> records) {
        final List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
        records.forEach((key, value) -> sends.add(producer.send(new ProducerRecord<>(config.controlTopic(), 0,
            key.getBytes(StandardCharsets.UTF_8), value))));
        final long deadline = System.nanoTime() + config.openTimeout().toNanos();
        long last = -1;
        try {
            for (Future<RecordMetadata> send : sends) {
                last = send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).offset();
            }
            return last;
        } catch (ExecutionException e) {
            throw new IllegalStateException("control topic " + config.controlTopic() + ": " + e.getCause(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("control topic " + config.controlTopic() + ": not acknowledged within "
                + config.openTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Waits until this node has applied the control topic through {@code offset} (what {@link #putRule} returned).
     *
     * @return whether it did within the open timeout.
     */
    public boolean awaitApplied(final long offset) throws InterruptedException {
        final long deadline = System.nanoTime() + config.openTimeout().toNanos();
        synchronized (applied) {
            while (applied.get() < offset && !closed) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                applied.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return applied.get() >= offset;
        }
    }

    /**
     * Reads the control topic up to its current end (what every node had appended when the call started), so that
     * what follows sees it: read-your-writes across nodes for rule calls and their reads.
     *
     * @throws IllegalStateException when the topic's end is not known or not read within the open timeout.
     */
    public void sync() {
        if (closed) {
            throw new IllegalStateException("this node left distributed bus " + config.busName());
        }
        final CompletableFuture<Long> end = new CompletableFuture<>();
        node(() -> {
            try {
                end.complete(control.endOffsets(List.of(controlPartitions.get(0)), config.openTimeout())
                    .get(controlPartitions.get(0)));
            } catch (RuntimeException e) {
                end.completeExceptionally(e);
            }
        });
        try {
            final long last = end.get(config.openTimeout().toMillis() * 2, TimeUnit.MILLISECONDS) - 1;
            if (!awaitApplied(last)) {
                throw new IllegalStateException("control topic " + config.controlTopic() + ": not read up to offset "
                    + last + " within " + config.openTimeout().toMillis() + " ms");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("control topic " + config.controlTopic() + ": " + e.getCause(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("control topic " + config.controlTopic() + ": its end is not known "
                + "within " + config.openTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Reads the control topic to its end (before joining the events group). */
    private void catchUp() {
        final Map<TopicPartition, Long> ends = control.endOffsets(controlPartitions, config.openTimeout());
        final long deadline = System.nanoTime() + config.openTimeout().toNanos();
        while (true) {
            boolean done = true;
            for (TopicPartition tp : controlPartitions) {
                if (control.position(tp, config.openTimeout()) < ends.get(tp)) {
                    done = false;
                }
            }
            if (done) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("control topic " + config.controlTopic() + ": not read to its end "
                    + "within " + config.openTimeout().toMillis() + " ms");
            }
            readControl(Duration.ofMillis(100));
        }
    }

    /** Reads and applies what the control topic has; nothing while a rule call on this node holds the lock. */
    private int readControl(final Duration wait) {
        if (!controlLock.tryLock()) {
            return 0;
        }
        try {
            int count = 0;
            for (ConsumerRecord<byte[], byte[]> record : control.poll(wait)) {
                apply(new String(record.key(), StandardCharsets.UTF_8), record.value(), false);
                count++;
            }
            final long position = control.position(controlPartitions.get(0));
            synchronized (applied) {
                if (position - 1 > applied.get()) {
                    applied.set(position - 1);
                    applied.notifyAll();
                }
            }
            return count;
        } finally {
            controlLock.unlock();
        }
    }

    /**
     * Applies one control record to the local bus (holding the control lock). A failure is counted and kept; the
     * next records still apply.
     *
     * @param force apply even when this node already holds this value (undoing a refused change).
     */
    private void apply(final String key, final byte[] value, final boolean force) {
        if (!force && value != null && java.util.Arrays.equals(value, appliedValues.get(key))) {
            return;   // a change made on this node, read back
        }
        try {
            final String busName = bus.name();
            if (key.startsWith(RULE)) {
                final String name = key.substring(RULE.length());
                if (value == null) {
                    pendingTargets.remove(name);
                    if (router.listRules(busName).stream().anyMatch(r -> r.name().equals(name))) {
                        final List<String> ids = new ArrayList<>();
                        router.listTargetsByRule(busName, name).forEach(t -> ids.add(t.id()));
                        if (!ids.isEmpty()) {
                            router.removeTargets(busName, name, ids);
                        }
                        router.deleteRule(busName, name);
                    }
                } else {
                    final JsonNode rule = JSON.readTree(value);
                    router.putRule(new Rule(name, busName, rule.path("eventPattern").asText(),
                        RuleState.valueOf(rule.path("state").asText("ENABLED")), rule.path("description")
                        .asText(null), rule.path("createdBy").asText(null), null));
                    final Map<String, byte[]> waiting = pendingTargets.remove(name);
                    if (waiting != null) {
                        remember(key, value);
                        waiting.forEach((id, spec) -> apply(targetKey(name, id), spec, true));
                    }
                }
            } else if (key.startsWith(TARGET)) {
                final String rest = key.substring(TARGET.length());
                final int slash = rest.lastIndexOf('/');
                final String rule = rest.substring(0, slash);
                final String id = rest.substring(slash + 1);
                final boolean ruleExists = router.listRules(busName).stream().anyMatch(r -> r.name().equals(rule));
                if (value == null) {
                    final Map<String, byte[]> waiting = pendingTargets.get(rule);
                    if (waiting != null) {
                        waiting.remove(id);
                    }
                    if (ruleExists && router.listTargetsByRule(busName, rule).stream()
                        .anyMatch(t -> t.id().equals(id))) {
                        router.removeTargets(busName, rule, List.of(id));
                    }
                } else if (!ruleExists) {
                    pendingTargets.computeIfAbsent(rule, r -> new LinkedHashMap<>()).put(id, value);
                } else {
                    final Target target = codec.decode(JSON.readTree(value));
                    if (!target.id().equals(id)) {
                        throw new IllegalArgumentException("the spec's id " + target.id() + " is not the key's " + id);
                    }
                    router.putTargets(busName, rule, List.of(target));
                }
            } else if (key.startsWith(ARCHIVE)) {
                final String name = key.substring(ARCHIVE.length());
                if (value == null) {
                    archives.remove(name);
                } else {
                    final JsonNode a = JSON.readTree(value);
                    archives.put(name, new Archive(name, a.path("eventPattern").asText(null),
                        a.path("description").asText(null), a.path("retentionDays").asInt(0),
                        a.path("creationTime").asLong()));
                }
            } else if (key.startsWith(REPLAY)) {
                final String name = key.substring(REPLAY.length());
                if (value == null) {
                    replayRecords.remove(name);
                } else {
                    final ReplayRecord record = ReplayRecord.parse(JSON.readTree(value));
                    replayRecords.put(name, record);
                    if (nodeId.equals(record.node())) {
                        for (Replay running : replays) {
                            if (!running.name().equals(name)) {
                                continue;
                            }
                            if (record.state() == ReplayState.CANCELLING) {
                                running.cancel();   // asked on another node: this node runs it
                            } else if (record.state() == ReplayState.FAILED) {
                                // another node found this one gone from the group (a pause longer than the session
                                // timeout): the replay's partitions may be another's now, so it stops as recorded
                                node(() -> running.finish(ReplayState.FAILED, record.stateReason()));
                            }
                        }
                    }
                }
            } else {
                throw new IllegalArgumentException("not a rule, target, archive or replay record");
            }
            remember(key, value);
        } catch (Exception e) {
            applyErrors.incrementAndGet();
            lastApplyError = key + ": " + e.getMessage();
        }
    }

    /** The node's duty cycle: the control topic first (rule changes apply before later events), then the events. */
    private final class Node implements Agent {
        @Override
        public int doWork() {
            int work = 0;
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
                work++;
            }
            work += readControl(Duration.ZERO) + poller.doWork();
            for (int i = 0; i < replays.size(); i++) {
                final Replay replay = replays.get(i);
                work += replay.step();
                if (replay.state() != ReplayState.RUNNING) {
                    replays.remove(i--);
                    recordEnd(replay);
                }
            }
            return work;
        }

        @Override
        public String roleName() {
            return "eventrouter-distributed-" + config.busName();
        }
    }

    // ---- archives and replays in the control topic ---------------------------------------------------------------
    //
    // An archive of a distributed bus is a view of its events topic (the events its pattern matches, within its
    // retention and the topic's): "archive/NAME" records, so every node knows every archive. A replay is recorded as
    // "replay/NAME" by the node that runs it (RUNNING, then its end), so DescribeReplay and ListReplays answer the same
    // on every node; CancelReplay on another node records CANCELLING, which the running node reads and obeys.

    private static final String ARCHIVE = "archive/";
    private static final String REPLAY = "replay/";
    private static final java.util.regex.Pattern ARCHIVE_NAME = java.util.regex.Pattern.compile("[.\\-_A-Za-z0-9]{1,48}");
    /** This node, as replay records name the node running a replay (its events consumer's client id ends with it). */
    private final String nodeId;
    /** Reads the group's members for {@link #failOrphanedReplays}; made when first needed, closed with the node. */
    private Admin groupReader;
    /** Guards {@link #groupReader}, {@link #checkedOrphans} and {@link #lastOrphanCheck}. */
    private final Object orphanLock = new Object();
    private boolean checkedOrphans;
    private long lastOrphanCheck;
    /** How often reads of replays may look for replays whose node left the group. */
    private static final long ORPHAN_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final String NODE_LEFT = "The node running the replay left the bus.";
    static final String NODE_CLOSED = "The node running the replay closed before it ended.";

    /** @return the events consumer's client id of node {@code nodeId}: how the group's members name it. */
    private static String clientIdOf(final Config config, final String nodeId) {
        return "eventrouter-" + config.groupId() + "-" + nodeId;
    }

    /** @return this node's id, as replay records name it. */
    String nodeId() {
        return nodeId;
    }
    private final Map<String, Archive> archives = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, ReplayRecord> replayRecords = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * An archive of the bus, as every node knows it.
     *
     * @param eventPattern  the events it holds, or {@code null} for all of them.
     * @param retentionDays 0 (as long as the events topic keeps them) or how many days of events it replays.
     * @param creationTime  epoch milliseconds.
     */
    public record Archive(String name, String eventPattern, String description, int retentionDays,
                          long creationTime) {
    }

    /**
     * A replay of the bus, as every node knows it.
     *
     * @param archive   the archive replayed, or {@code null} (the whole events topic).
     * @param rules     FilterArns as rule names (empty: every rule).
     * @param node      the node that runs it.
     * @param endTime   when it ended (epoch ms), or 0.
     * @param lastReplayedTime the latest event time replayed (EventLastReplayedTime), or -1.
     */
    public record ReplayRecord(String name, String archive, long from, long to, List<String> rules,
                               String description, ReplayState state, String stateReason, long startTime,
                               long endTime, long lastReplayedTime, String node) {
        /** Copies the rule list. */
        public ReplayRecord {
            rules = List.copyOf(rules);
        }

        byte[] toBytes() {
            final ObjectNode r = JSON.createObjectNode().put("name", name).put("archive", archive).put("from", from)
                .put("to", to).put("description", description).put("state", state.name())
                .put("stateReason", stateReason).put("startTime", startTime).put("endTime", endTime)
                .put("lastReplayedTime", lastReplayedTime).put("node", node);
            final ArrayNode list = r.putArray("rules");
            rules.forEach(list::add);
            return bytes(r);
        }

        static ReplayRecord parse(final JsonNode r) {
            final List<String> rules = new ArrayList<>();
            r.path("rules").forEach(x -> rules.add(x.asText()));
            return new ReplayRecord(r.path("name").asText(), r.path("archive").asText(null), r.path("from").asLong(),
                r.path("to").asLong(), rules, r.path("description").asText(null),
                ReplayState.valueOf(r.path("state").asText("RUNNING")), r.path("stateReason").asText(null),
                r.path("startTime").asLong(), r.path("endTime").asLong(), r.path("lastReplayedTime").asLong(-1),
                r.path("node").asText(null));
        }

        ReplayRecord with(final ReplayState newState, final String reason, final long ended, final long last) {
            return new ReplayRecord(name, archive, from, to, rules, description, newState, reason, startTime, ended,
                last, node);
        }
    }

    /**
     * CreateArchive on the bus: an archive every node knows (a view of the events topic).
     *
     * @throws dev.eventrouter.bus.ResourceExistsException when the bus has an archive of that name.
     * @throws IllegalArgumentException naming what is wrong with the name, pattern or retention.
     * @throws IllegalStateException    when the control topic did not acknowledge it.
     */
    public Archive createArchive(final String name, final String eventPattern, final String description,
                                 final int retentionDays) {
        final Archive archive = checked(new Archive(name, eventPattern, description, retentionDays,
            System.currentTimeMillis()));
        return controlled(() -> {
            if (archives.containsKey(name)) {
                throw new dev.eventrouter.bus.ResourceExistsException("Archive " + name + " already exists.");
            }
            putArchive(archive);
            return archive;
        });
    }

    /**
     * UpdateArchive: a new pattern, description or retention ({@code null}: unchanged).
     *
     * @throws dev.eventrouter.bus.NoSuchResourceException when there is no such archive.
     */
    public Archive updateArchive(final String name, final String eventPattern, final String description,
                                 final Integer retentionDays) {
        return controlled(() -> {
            final Archive was = archive(name);
            final Archive now = checked(new Archive(name, eventPattern != null ? eventPattern : was.eventPattern(),
                description != null ? description : was.description(),
                retentionDays != null ? retentionDays : was.retentionDays(), was.creationTime()));
            putArchive(now);
            return now;
        });
    }

    /** DeleteArchive (the events topic keeps its events). @throws NoSuchResourceException when absent. */
    public void deleteArchive(final String name) {
        controlled(() -> {
            archive(name);
            final Map<String, byte[]> records = new LinkedHashMap<>();
            records.put(ARCHIVE + name, null);
            append(records);
            apply(ARCHIVE + name, null, true);
            return null;
        });
    }

    /** @return the archive. @throws dev.eventrouter.bus.NoSuchResourceException when absent. */
    public Archive archive(final String name) {
        final Archive archive = archives.get(name);
        if (archive == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("Archive " + name + " does not exist.");
        }
        return archive;
    }

    /** @return the bus's archives, by name. */
    public List<Archive> archives() {
        final List<Archive> list = new ArrayList<>(archives.values());
        list.sort(java.util.Comparator.comparing(Archive::name));
        return list;
    }

    private static Archive checked(final Archive archive) {
        if (archive.name() == null || !ARCHIVE_NAME.matcher(archive.name()).matches()) {
            throw new IllegalArgumentException("ArchiveName " + archive.name() + ": 1-48 letters, digits, '.', '-' "
                + "or '_'");
        }
        if (archive.eventPattern() != null) {
            new PatternParser(PatternLimits.DEFAULT).parse(archive.eventPattern());
        }
        if (archive.retentionDays() < 0) {
            throw new IllegalArgumentException("RetentionDays must be 0 (indefinite) or more, got "
                + archive.retentionDays());
        }
        return archive;
    }

    /** Holding the control lock: appends the archive's record and applies it here. */
    private void putArchive(final Archive archive) {
        final ObjectNode a = JSON.createObjectNode().put("name", archive.name())
            .put("eventPattern", archive.eventPattern()).put("description", archive.description())
            .put("retentionDays", archive.retentionDays()).put("creationTime", archive.creationTime());
        final Map<String, byte[]> records = new LinkedHashMap<>();
        records.put(ARCHIVE + archive.name(), bytes(a));
        append(records);
        records.forEach((key, value) -> apply(key, value, true));
    }

    /**
     * StartReplay of an archive: its events (those its pattern matches, within its retention) whose {@code time} is in
     * {@code [from, to)}, to the named rules or to all of them; runs on this node and is recorded for every node.
     *
     * @throws dev.eventrouter.bus.ResourceExistsException when a replay of that name exists.
     * @throws dev.eventrouter.bus.NoSuchResourceException when there is no such archive.
     * @throws IllegalArgumentException when the name or range is invalid.
     */
    public ReplayRecord startReplay(final String name, final String archiveName, final java.time.Instant from,
                                    final java.time.Instant to, final List<String> ruleNames,
                                    final String description) {
        ReplayNames.requireValid(name);
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("EventStartTime must be before EventEndTime, got " + from + " and "
                + to);
        }
        return controlled(() -> {
            if (replayRecords.containsKey(name)) {
                throw new dev.eventrouter.bus.ResourceExistsException("Replay " + name + " already exists.");
            }
            final Archive archive = archive(archiveName);
            final long now = System.currentTimeMillis();
            long start = from.toEpochMilli();
            if (archive.retentionDays() > 0) {
                start = Math.max(start, now - archive.retentionDays() * 86_400_000L);
            }
            final List<String> rules = ruleNames == null ? List.of() : ruleNames;
            final ReplayRecord record = new ReplayRecord(name, archiveName, from.toEpochMilli(), to.toEpochMilli(),
                rules, description, ReplayState.RUNNING, null, now, 0, -1, nodeId);
            final Map<String, byte[]> records = new LinkedHashMap<>();
            records.put(REPLAY + name, record.toBytes());
            append(records);   // recorded before it runs: its end is recorded after this
            records.forEach((key, value) -> apply(key, value, true));
            final long startAt = Math.min(start, to.toEpochMilli());
            final CompletableFuture<Replay> started = new CompletableFuture<>();
            node(() -> {
                try {
                    final Replay replay = new Replay(name, startAt, to.toEpochMilli(),
                        rules.isEmpty() ? null : String.join(",", rules), archive.eventPattern(),
                        archive.creationTime(), record);
                    replays.add(replay);
                    started.complete(replay);
                } catch (RuntimeException e) {
                    started.completeExceptionally(e);
                    recordEnd(record.with(ReplayState.FAILED, "the replay could not start: " + e.getMessage(),
                        System.currentTimeMillis(), -1));
                }
            });
            try {
                started.get(config.openTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("replay " + name + ": " + e.getCause().getMessage(), e.getCause());
            } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
                throw new IllegalStateException("replay " + name + ": the node did not start it", e);
            }
            return replay(name);
        });
    }

    /**
     * CancelReplay: stops it where it runs (this node, or the node that reads the CANCELLING record).
     *
     * @return CANCELLING.
     * @throws dev.eventrouter.bus.NoSuchResourceException when there is no such replay.
     * @throws IllegalStateException when it has ended.
     */
    public ReplayState cancelReplay(final String name) {
        return controlled(() -> {
            final ReplayRecord record = recorded(name);
            if (record.state().isFinal()) {
                throw new IllegalStateException("Replay " + name + " is " + record.state() + " and cannot be "
                    + "cancelled.");
            }
            final Map<String, byte[]> records = new LinkedHashMap<>();
            records.put(REPLAY + name, record.with(ReplayState.CANCELLING, null, 0, record.lastReplayedTime())
                .toBytes());
            append(records);
            records.forEach((key, value) -> apply(key, value, true));   // cancels it here when it runs here
            return ReplayState.CANCELLING;
        });
    }

    /**
     * @return the replay as recorded (its latest replayed time live when it runs on this node).
     * @throws dev.eventrouter.bus.NoSuchResourceException when there is no such replay.
     */
    public ReplayRecord replay(final String name) {
        failOrphanedReplays();
        return recorded(name);
    }

    private ReplayRecord recorded(final String name) {
        final ReplayRecord record = replayRecords.get(name);
        if (record == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("Replay " + name + " does not exist.");
        }
        for (Replay running : new ArrayList<>(replays)) {
            if (running.record != null && running.name().equals(name) && !record.state().isFinal()) {
                return record.with(record.state(), record.stateReason(), record.endTime(),
                    Math.max(record.lastReplayedTime(), running.lastReplayedTime()));
            }
        }
        return record;
    }

    /** @return whether the bus has a replay of this name (as recorded; no look for replays whose node left). */
    public boolean hasReplay(final String name) {
        return replayRecords.containsKey(name);
    }

    /** @return every replay of the bus, by name. */
    public List<ReplayRecord> replayRecords() {
        failOrphanedReplays();
        final List<ReplayRecord> list = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(replayRecords.keySet())) {
            list.add(recorded(name));
        }
        return list;
    }

    /**
     * Records FAILED ({@link #NODE_LEFT}) each replay recorded as running on another node that is no longer a member of
     * the bus's group while the group is stable: a node that died (its session timed out) or closed without recording
     * the end. At most once a second; a group that cannot be read is left for the next read.
     */
    private void failOrphanedReplays() {
        final List<ReplayRecord> elsewhere = new ArrayList<>();
        replayRecords.values().forEach(r -> {
            if (!r.state().isFinal() && r.node() != null && !nodeId.equals(r.node())) {
                elsewhere.add(r);
            }
        });
        if (elsewhere.isEmpty() || closed) {
            return;
        }
        synchronized (orphanLock) {
            final long now = System.nanoTime();
            if (checkedOrphans && now - lastOrphanCheck < ORPHAN_CHECK_NANOS) {
                return;
            }
            checkedOrphans = true;
            lastOrphanCheck = now;
            if (groupReader == null) {
                final int timeout = (int) Math.min(30_000, config.openTimeout().toMillis());
                groupReader = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout));
            }
        }
        final java.util.Set<String> members = new java.util.HashSet<>();
        try {
            final org.apache.kafka.clients.admin.ConsumerGroupDescription group = groupReader.describeConsumerGroups(
                List.of(config.groupId())).describedGroups().get(config.groupId())
                .get(config.openTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (group.groupState() != org.apache.kafka.common.GroupState.STABLE) {
                return;   // members joining or leaving: decide on a settled group
            }
            group.members().forEach(m -> members.add(m.clientId()));
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (ReplayRecord orphan : elsewhere) {
            if (members.contains(clientIdOf(config, orphan.node()))) {
                continue;
            }
            controlled(() -> {
                final ReplayRecord current = replayRecords.get(orphan.name());
                if (current != null && !current.state().isFinal() && orphan.node().equals(current.node())) {
                    final Map<String, byte[]> records = new LinkedHashMap<>();
                    records.put(REPLAY + orphan.name(), current.with(ReplayState.FAILED, NODE_LEFT,
                        System.currentTimeMillis(), current.lastReplayedTime()).toBytes());
                    append(records);
                    records.forEach((key, value) -> apply(key, value, true));
                }
                return null;
            });
        }
    }

    /** Node thread: records how a recorded replay ended (asynchronously: a refusal is counted). */
    private void recordEnd(final Replay replay) {
        if (replay.record != null) {
            recordEnd(replay.record.with(replay.state(), replay.failure(), System.currentTimeMillis(),
                replay.lastReplayedTime()));
        }
    }

    private void recordEnd(final ReplayRecord ended) {
        producer.send(new ProducerRecord<>(config.controlTopic(), 0, (REPLAY + ended.name())
            .getBytes(StandardCharsets.UTF_8), ended.toBytes()), (metadata, error) -> {
                if (error != null) {
                    errors.incrementAndGet();
                    lastApplyError = REPLAY + ended.name() + ": its end was not recorded: " + error;
                }
            });
    }

    // ---- state -------------------------------------------------------------------------------------------------

    /**
     * @return the codec this node builds targets with: a target a {@link #changeRule} call puts must come from it
     *         (other nodes rebuild it from its spec).
     */
    public TargetCodec codec() {
        return codec;
    }

    /** @return the local bus this node delivers the bus's events through. */
    public EventBus localBus() {
        return bus;
    }

    /** @return the events this node took from its partitions and published into its local bus. */
    public long received() {
        return mapping.records();
    }

    /** @return records of the events topic that were not events (counted and skipped). */
    public long malformed() {
        return malformed.get();
    }

    /** @return control records this node could not apply ({@link #lastApplyError()} says why). */
    public long applyErrors() {
        return applyErrors.get();
    }

    /** @return why the last control record failed to apply, or {@code null}. */
    public String lastApplyError() {
        return lastApplyError;
    }

    /** @return errors thrown by the node's duty cycle (it carries on). */
    public long errors() {
        return errors.get();
    }

    /** @return the events topic's partitions this node owns now. */
    public Set<Integer> ownedPartitions() {
        return events.ownedPartitions();
    }

    /**
     * Leaves the bus: stops the node's thread, commits what has ended, leaves the group (its partitions move to the
     * other nodes) and closes its clients. The router is the caller's, and stays open.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        runner.close();
        for (Replay replay : replays) {
            replay.finish(ReplayState.FAILED, NODE_CLOSED);
            recordEnd(replay);   // sent before the producer closes, which waits for it
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();   // the node's thread has stopped: its last tasks (closing replay readers) run here
        }
        replayFilters.values().forEach(router::releaseReplayFilter);
        synchronized (orphanLock) {
            if (groupReader != null) {
                groupReader.close(Duration.ZERO);
            }
        }
        try {
            events.close();
        } finally {
            control.close(Duration.ofSeconds(5));
            producer.close(config.openTimeout());
            codec.close();
        }
    }
}
