package dev.eventrouter.persist.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.eventrouter.source.AwsRecords;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.KafkaMetadata;
import dev.eventrouter.source.PartitionedSource;
import dev.eventrouter.source.RecordFilter;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.source.StartingPosition;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One Apache Kafka topic as the source of an event-source mapping or a pipe, read as a member of a consumer group:
 * the group assigns this reader some of the topic's partitions and moves them when members come and go. It is both
 * the mapping's {@link PartitionedSource} and its {@link CheckpointStore}: a checkpoint is a commit of the offset to
 * Kafka (made after the batches before it succeeded, as Lambda commits: at least once), sent asynchronously on the
 * next duty cycle and synchronously when a partition is revoked or the source closes.
 *
 * <p>Rebalances run inside the consumer's poll, on the poller's thread: a revoked partition's finished work is
 * committed, and what the mapping read of it and did not finish is abandoned (a batch in flight included); its next
 * owner delivers that again from the commit. An assigned partition resumes from its committed offset, or, with none,
 * from the mapping's starting position (TRIM_HORIZON: the earliest offset; LATEST: the end; AT_TIMESTAMP: the first
 * offset at or after the time, else the end). An offset that retention has deleted since it was committed restarts
 * at the earliest offset still kept. Records wait in a buffer per partition; a partition whose buffer is full is
 * paused at the consumer, so a slow handler never stops the consumer from polling (and being kept in its group).
 *
 * <p>Records reach the mapping with their value as data (a null value as empty data, flagged), their offset as
 * position, their timestamp, and {@link KafkaMetadata} (topic, partition, timestamp type, key, headers); filters read
 * {@code value}; pipes get them in the Pipes shape for self-managed Apache Kafka.
 *
 * <p>Threads: open it on any thread; after that one thread at a time (the poller's) uses it. {@link #close} on the
 * poller's thread or after the poller stopped.
 */
public final class KafkaSource implements PartitionedSource, CheckpointStore, AutoCloseable {
    /** SelfManagedEventSource.Endpoints: host:port (Lambda API pattern). */
    private static final Pattern SERVER = Pattern.compile(
        "(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])"
            + ":[0-9]{1,5}");
    /** CreateEventSourceMapping Topics: 1-249 characters. */
    private static final Pattern TOPIC = Pattern.compile("[^.]([a-zA-Z0-9\\-_.]+)");
    /** SelfManagedKafkaEventSourceConfig.ConsumerGroupId: 1-200 characters. */
    private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9\\-/*:_+=.@]{1,200}");
    /** Client settings this source owns: a client property may not change them. */
    private static final Set<String> OWNED = Set.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG);

    /**
     * What to read and how.
     *
     * @param bootstrapServers comma-separated {@code host:port}, 1-10 of them (KAFKA_BOOTSTRAP_SERVERS).
     * @param topic            the topic (Topics; it must exist: this source never creates one).
     * @param consumerGroupId  the consumer group (ConsumerGroupId); members of one group share the partitions.
     * @param clientProperties further consumer settings ({@code security.protocol}, {@code isolation.level}, ...),
     *                         except those this source owns (servers, group, commits, deserializers, topic creation).
     * @param openTimeout      how long {@link #open} waits for the topic's partitions.
     * @param bufferedRecords  records kept per partition before it is paused at the consumer.
     */
    public record Config(String bootstrapServers, String topic, String consumerGroupId,
                         Map<String, String> clientProperties, Duration openTimeout, int bufferedRecords) {
        /** Validates every field, naming it. */
        public Config {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("KAFKA_BOOTSTRAP_SERVERS: is required");
            }
            final String[] servers = bootstrapServers.split(",", -1);
            if (servers.length > 10) {
                throw new IllegalArgumentException("KAFKA_BOOTSTRAP_SERVERS: " + servers.length
                    + " servers exceed the limit of 10");
            }
            for (String server : servers) {
                if (!SERVER.matcher(server).matches() || server.length() > 300) {
                    throw new IllegalArgumentException("KAFKA_BOOTSTRAP_SERVERS: '" + server
                        + "' is not host:port");
                }
            }
            if (topic == null || topic.length() > 249 || !TOPIC.matcher(topic).matches()) {
                throw new IllegalArgumentException("Topics: '" + topic + "' must be 2-249 letters, digits, '.', '_' "
                    + "or '-', not starting with '.'");
            }
            if (consumerGroupId == null || !GROUP.matcher(consumerGroupId).matches()) {
                throw new IllegalArgumentException("ConsumerGroupId: '" + consumerGroupId
                    + "' must be 1-200 letters, digits or -/*:_+=.@");
            }
            clientProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
            for (String key : clientProperties.keySet()) {
                if (OWNED.contains(key)) {
                    throw new IllegalArgumentException("clientProperties: " + key + " is set by the source");
                }
            }
            if (openTimeout == null || openTimeout.isNegative() || openTimeout.isZero()) {
                throw new IllegalArgumentException("openTimeout: must be positive, got " + openTimeout);
            }
            if (bufferedRecords < 1) {
                throw new IllegalArgumentException("bufferedRecords: must be positive, got " + bufferedRecords);
            }
        }

        /** @return a config with no further client settings, a 30 s open timeout and 1,000 records per partition. */
        public static Config of(final String bootstrapServers, final String topic, final String consumerGroupId) {
            return new Config(bootstrapServers, topic, consumerGroupId, Map.of(), Duration.ofSeconds(30), 1_000);
        }

        /** @return a copy with this open timeout. */
        public Config withOpenTimeout(final Duration timeout) {
            return new Config(bootstrapServers, topic, consumerGroupId, clientProperties, timeout, bufferedRecords);
        }

        /** @return a copy with these further client settings. */
        public Config withClientProperties(final Map<String, String> properties) {
            return new Config(bootstrapServers, topic, consumerGroupId, properties, openTimeout, bufferedRecords);
        }

        /** @return a copy keeping at most this many records per partition before pausing it. */
        public Config withBufferedRecords(final int records) {
            return new Config(bootstrapServers, topic, consumerGroupId, clientProperties, openTimeout, records);
        }
    }

    private final Config config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition[] partitions;
    private final ArrayDeque<SourceRecord>[] buffers;
    /** The offset after the last record handed to the mapping, per partition; -1 until the mapping asks. */
    private final long[] expected;
    private final boolean[] owned;
    private final Set<TopicPartition> paused = new HashSet<>();
    /** Checkpoints saved and not yet sent to Kafka. */
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    /** Committed offsets read when partitions were assigned (-1: none), for the mapping's checkpoint loads. */
    private final Map<TopicPartition, Long> committedAtAssignment = new HashMap<>();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong commitFailures = new AtomicLong();
    private final AtomicLong rebalances = new AtomicLong();
    private Ownership ownership;
    private boolean subscribed;
    private boolean closed;

    @SuppressWarnings("unchecked")
    private KafkaSource(final Config config, final KafkaConsumer<byte[], byte[]> consumer, final int count) {
        this.config = config;
        this.consumer = consumer;
        partitions = new TopicPartition[count];
        buffers = new ArrayDeque[count];
        expected = new long[count];
        owned = new boolean[count];
        for (int p = 0; p < count; p++) {
            partitions[p] = new TopicPartition(config.topic(), p);
            buffers[p] = new ArrayDeque<>();
            expected[p] = -1;
        }
    }

    /**
     * Connects and reads the topic's partitions (it joins the group on the mapping's first duty cycle).
     *
     * @throws IllegalArgumentException when the topic does not exist.
     * @throws IllegalStateException    when no broker answers within the open timeout, or the cluster refuses.
     */
    public static KafkaSource open(final Config config) {
        final Properties properties = new Properties();
        properties.putAll(config.clientProperties());
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumerGroupId());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        properties.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "eventrouter-" + config.consumerGroupId());
        final KafkaConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw new IllegalArgumentException("clientProperties: " + e.getMessage(), e);
        }
        final List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(config.topic(), config.openTimeout());
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS=" + config.bootstrapServers()
                + ": no broker answered within " + config.openTimeout().toMillis() + " ms", e);
        } catch (KafkaException e) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS=" + config.bootstrapServers() + ": "
                + e.getMessage(), e);
        }
        if (infos == null || infos.isEmpty()) {
            consumer.close(Duration.ZERO);
            throw new IllegalArgumentException("Topics: topic '" + config.topic() + "' does not exist at "
                + config.bootstrapServers());
        }
        return new KafkaSource(config, consumer, infos.size());
    }

    /** @return the settings. */
    public Config config() {
        return config;
    }

    @Override
    public int partitions() {
        return partitions.length;
    }

    @Override
    public boolean assignsPartitions() {
        return true;
    }

    @Override
    public RecordFilter.Key filterKey() {
        return RecordFilter.Key.VALUE;
    }

    @Override
    public String arn() {
        return "kafka://" + config.bootstrapServers() + "/" + config.topic();
    }

    @Override
    public void writePipeRecord(final JsonGenerator json, final AwsRecords.Origin origin, final int partition,
                                final SourceRecord record, final boolean decoded) throws IOException {
        AwsRecords.kafka(json, config.bootstrapServers(), record, true, decoded);
    }

    /** @throws IllegalStateException when a second mapping tries to read this source. */
    @Override
    public void listen(final Ownership listener) {
        if (ownership != null) {
            throw new IllegalStateException("topic " + config.topic() + ": this source already feeds a mapping (open "
                + "one source per mapping; mappings of one group share the partitions)");
        }
        ownership = listener;
    }

    /**
     * Sends the checkpoints saved since the last turn, then polls the consumer without waiting (which runs the
     * group's rebalances, calling the mapping back), and buffers what it returned. A failure Kafka calls retriable
     * (a broker away, a coordinator moving) is counted and tried again next turn; any other stops the poller's turn
     * with an {@link IllegalStateException}.
     */
    @Override
    public int doWork() {
        if (closed) {
            return 0;
        }
        if (!subscribed) {
            consumer.subscribe(List.of(config.topic()), new Rebalance());
            subscribed = true;
        }
        flushCommits();
        final ConsumerRecords<byte[], byte[]> polled;
        try {
            polled = consumer.poll(Duration.ZERO);
        } catch (RetriableException e) {
            return 0;
        } catch (KafkaException e) {
            throw new IllegalStateException("topic " + config.topic() + " at " + config.bootstrapServers() + ": "
                + e.getMessage(), e);
        }
        if (polled.isEmpty()) {
            return 0;
        }
        for (TopicPartition tp : polled.partitions()) {
            final int p = tp.partition();
            if (p >= partitions.length || !owned[p]) {
                continue;   // a partition added after open is not read until a restart
            }
            final ArrayDeque<SourceRecord> buffer = buffers[p];
            for (ConsumerRecord<byte[], byte[]> record : polled.records(tp)) {
                buffer.addLast(convert(record));
            }
            if (buffer.size() >= config.bufferedRecords() && paused.add(tp)) {
                consumer.pause(List.of(tp));
            }
        }
        return polled.count();
    }

    private static SourceRecord convert(final ConsumerRecord<byte[], byte[]> record) {
        final Header[] array = record.headers().toArray();
        final List<KafkaMetadata.Header> headers;
        if (array.length == 0) {
            headers = List.of();
        } else {
            headers = new ArrayList<>(array.length);
            for (Header header : array) {
                headers.add(new KafkaMetadata.Header(header.key(), header.value()));
            }
        }
        final byte[] value = record.value();
        return new SourceRecord(null, record.timestamp(), record.offset(), value == null ? new byte[0] : value,
            new KafkaMetadata(record.topic(), record.partition(), record.timestampType().name(), record.key(),
                value == null, headers));
    }

    /**
     * The mapping is disabled: commits what is pending and leaves the group (the revocation abandons what the mapping
     * holds), so the other members take the partitions instead of waiting for this one to time out of the group.
     */
    @Override
    public void stopped() {
        if (closed || !subscribed) {
            return;
        }
        commitNow(List.of(partitions));
        consumer.unsubscribe();   // runs the revocation callback
        subscribed = false;
    }

    /**
     * Hands over buffered records of the partition from {@code fromPosition}; when the mapping asks for another
     * offset than the one after what it was last given (its first read after an assignment), seeks there first.
     */
    @Override
    public int poll(final int partition, final long fromPosition, final int maxRecords,
                    final List<SourceRecord> into) {
        if (!owned[partition] || closed) {
            return 0;
        }
        final ArrayDeque<SourceRecord> buffer = buffers[partition];
        if (expected[partition] != fromPosition) {
            consumer.seek(partitions[partition], fromPosition);
            buffer.clear();
            expected[partition] = fromPosition;
            resume(partitions[partition]);
            return 0;
        }
        int added = 0;
        while (added < maxRecords && !buffer.isEmpty()) {
            final SourceRecord record = buffer.pollFirst();
            into.add(record);
            expected[partition] = record.position() + 1;
            added++;
        }
        if (buffer.size() < config.bufferedRecords() / 2) {
            resume(partitions[partition]);
        }
        return added;
    }

    private void resume(final TopicPartition tp) {
        if (paused.remove(tp)) {
            consumer.resume(List.of(tp));
        }
    }

    /**
     * The start of a partition without a committed offset: a request to the cluster (on the poller's thread, while
     * the partition is being assigned).
     */
    @Override
    public long startPosition(final int partition, final StartingPosition start, final long timestampMillis) {
        final TopicPartition tp = partitions[partition];
        final Duration timeout = config.openTimeout();
        return switch (start) {
            case TRIM_HORIZON -> consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            case LATEST -> consumer.endOffsets(List.of(tp), timeout).get(tp);
            case AT_TIMESTAMP -> {
                final OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, timestampMillis), timeout)
                    .get(tp);
                yield found != null ? found.offset() : consumer.endOffsets(List.of(tp), timeout).get(tp);
            }
        };
    }

    /** @return the offset the group committed for the partition (or the one about to be), -1 when none. */
    @Override
    public long load(final String mapping, final int partition) {
        final TopicPartition tp = partitions[partition];
        final OffsetAndMetadata saved = pending.get(tp);
        if (saved != null) {
            return saved.offset();
        }
        final Long atAssignment = committedAtAssignment.remove(tp);
        if (atAssignment != null) {
            return atAssignment;
        }
        final OffsetAndMetadata committed = consumer.committed(Set.of(tp), config.openTimeout()).get(tp);
        return committed == null ? -1 : committed.offset();
    }

    /** Queues the commit of {@code position} (the next offset to read) for the next turn. */
    @Override
    public void save(final String mapping, final int partition, final long position) {
        pending.put(partitions[partition], new OffsetAndMetadata(position));
    }

    private void flushCommits() {
        if (pending.isEmpty()) {
            return;
        }
        final Map<TopicPartition, OffsetAndMetadata> sending = new HashMap<>(pending);
        pending.clear();
        consumer.commitAsync(sending, (offsets, error) -> {
            if (error == null) {
                commits.incrementAndGet();
                return;
            }
            commitFailures.incrementAndGet();
            // send again next turn, unless a newer checkpoint or another owner took the partition's place
            for (Map.Entry<TopicPartition, OffsetAndMetadata> sent : sending.entrySet()) {
                if (owned[sent.getKey().partition()]) {
                    pending.putIfAbsent(sent.getKey(), sent.getValue());
                }
            }
        });
    }

    /** Commits what is pending for these partitions now; a failure is counted (their next owner reads more again). */
    private void commitNow(final Collection<TopicPartition> revoked) {
        final Map<TopicPartition, OffsetAndMetadata> sending = new HashMap<>();
        for (TopicPartition tp : revoked) {
            final OffsetAndMetadata offset = pending.remove(tp);
            if (offset != null) {
                sending.put(tp, offset);
            }
        }
        if (sending.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(sending, config.openTimeout());
            commits.incrementAndGet();
        } catch (KafkaException e) {
            commitFailures.incrementAndGet();
        }
    }

    /** The group's changes, called inside the consumer's poll on the poller's thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> revoked) {
            give(revoked);
            commitNow(revoked);
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> lost) {
            give(lost);
            for (TopicPartition tp : lost) {
                pending.remove(tp);   // no longer ours to commit
            }
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> assigned) {
            rebalances.incrementAndGet();
            final Set<TopicPartition> ours = new HashSet<>();
            for (TopicPartition tp : assigned) {
                if (tp.partition() < partitions.length) {
                    ours.add(tp);
                }
            }
            if (ours.isEmpty()) {
                return;
            }
            final Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(ours, config.openTimeout());
            for (TopicPartition tp : ours) {
                final OffsetAndMetadata offset = committed.get(tp);
                committedAtAssignment.put(tp, offset == null ? -1L : offset.offset());
                owned[tp.partition()] = true;
                expected[tp.partition()] = -1;
                if (ownership != null) {
                    ownership.assigned(tp.partition());
                }
            }
        }

        private void give(final Collection<TopicPartition> gone) {
            for (TopicPartition tp : gone) {
                final int p = tp.partition();
                if (p >= partitions.length || !owned[p]) {
                    continue;
                }
                if (ownership != null) {
                    ownership.revoked(p);   // the mapping abandons what it read and did not finish
                }
                owned[p] = false;
                buffers[p].clear();
                expected[p] = -1;
                paused.remove(tp);
                committedAtAssignment.remove(tp);
            }
        }
    }

    /** @return batches of commits Kafka acknowledged. */
    public long commits() {
        return commits.get();
    }

    /** @return commits that failed (sent again, or left to the partition's next owner). */
    public long commitFailures() {
        return commitFailures.get();
    }

    /** @return times partitions were assigned to this reader (its first join included). */
    public long rebalances() {
        return rebalances.get();
    }

    /**
     * Poller thread: @return whether this reader owns partitions and has handed the mapping every record of them up
     * to their end offsets (asked of the cluster now: what a command that stops when drained waits for).
     */
    public boolean caughtUp() {
        final List<TopicPartition> ours = new ArrayList<>();
        for (int p = 0; p < owned.length; p++) {
            if (owned[p]) {
                if (!buffers[p].isEmpty() || expected[p] < 0) {
                    return false;
                }
                ours.add(partitions[p]);
            }
        }
        if (ours.isEmpty()) {
            return false;
        }
        final Map<TopicPartition, Long> ends = consumer.endOffsets(ours, config.openTimeout());
        for (TopicPartition tp : ours) {
            if (expected[tp.partition()] < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }

    /** @return the partitions this reader owns now (poller thread). */
    public Set<Integer> ownedPartitions() {
        final Set<Integer> result = new HashSet<>();
        for (int p = 0; p < owned.length; p++) {
            if (owned[p]) {
                result.add(p);
            }
        }
        return result;
    }

    /**
     * Commits what is pending, then leaves the group (its partitions go to the other members) and closes the
     * consumer, waiting up to the open timeout.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            final List<TopicPartition> all = List.of(partitions);
            commitNow(all);
        } finally {
            closed = true;
            consumer.close(config.openTimeout());
        }
    }
}
