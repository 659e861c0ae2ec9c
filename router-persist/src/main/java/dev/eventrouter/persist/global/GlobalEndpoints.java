package dev.eventrouter.persist.global;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.bus.Caller;
import dev.eventrouter.bus.EntryError;
import dev.eventrouter.bus.NoSuchResourceException;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.ResourceExistsException;
import dev.eventrouter.bus.Router;
import dev.eventrouter.persist.source.RawChronicleSource;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.FileCheckpointStore;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.SourceRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;

/**
 * The global endpoints this router serves (EventBridge's failover and replication between two Regions,
 * docs/global-endpoints.md). Each of the two Regions runs a router with the same endpoints; a producer sends PutEvents
 * with the endpoint's {@code EndpointId} to either. The router routes the entries to the primary Region's bus while the
 * endpoint's {@link HealthCheck} says the primary is healthy and to the secondary's otherwise: it puts them on its own
 * bus when that Region is its own, else forwards the call to the other Region's router (signed with the access key
 * the config gives for it) and answers with that router's answer. A call it could not forward is answered
 * {@code InternalFailure} for every entry (the producer sends them again) and counts against the primary's health.
 *
 * <p>With replication enabled, each entry accepted in a Region is also appended to that Region's outbox (a Chronicle
 * Queue, before the answer) and sent from there to the other Region's bus by a replicator (an event-source mapping over
 * the outbox with a checkpoint: in order, retried until the other Region takes it, resumed after a restart), so events
 * accepted by the secondary during an outage reach the primary once it is back. A replicated event keeps its id, names
 * the endpoint's ARN in {@code resources} and its Region of origin in {@code region}, and is never replicated again.
 *
 * <p>Threads: one duty-cycle thread ({@code eventrouter-global}) probes the primary's {@code /health}, closes the
 * health checks' periods on the injected clock, and runs the replicators; what it throws is counted ({@link #errors})
 * and it carries on. PutEvents runs on the caller's thread and waits for a forwarded call's answer (up to the request
 * timeout). {@link #close} stops the thread; what an outbox holds stays there for the next start.
 */
public final class GlobalEndpoints implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
        .withZone(ZoneOffset.UTC);
    /** How long a replication batch may take (up to 100 events, published there before the answer). */
    private static final Duration REPLICATION_TIMEOUT = Duration.ofSeconds(30);
    /** The internal operation one Region's replicator calls on the other's router. */
    public static final String REPLICATE = "EventRouterReplicateEvents";

    /**
     * A Region's router as the others reach it.
     *
     * @param url             its {@code router serve} URL.
     * @param accessKeyId     the access key this router signs its calls there with ({@code null} for this router's
     *                        own Region, which it never calls).
     * @param secretAccessKey its secret.
     */
    public record Peer(String region, URI url, String accessKeyId, String secretAccessKey) {
    }

    /**
     * @param region         this router's Region.
     * @param regions        every Region's router (this one's URL is what DescribeEndpoint reports as EndpointUrl).
     * @param healthChecks   the health checks endpoints may name; an undeclared name gets the AWS template's
     *                       settings ({@link HealthCheck.Config#of}).
     * @param dataDir        where outboxes and their checkpoints live ({@code endpoints/NAME/}).
     * @param clock          drives the health checks.
     * @param requestTimeout how long a forwarded call or a probe may take.
     */
    public record Context(String region, Map<String, Peer> regions, Map<String, HealthCheck.Config> healthChecks,
                          Path dataDir, EpochClock clock, Duration requestTimeout) {
        /** Copies the maps. */
        public Context {
            regions = Map.copyOf(regions);
            healthChecks = Map.copyOf(healthChecks);
        }
    }

    /** An endpoint as this router serves it. */
    public final class Endpoint {
        private final EndpointSpec spec;
        private final HealthCheck health;
        private final long created;
        private final long modified;
        private final Outbox outbox;
        private final AtomicBoolean probing = new AtomicBoolean();
        private long nextProbe;

        private Endpoint(final EndpointSpec spec, final long created, final long now) {
            this.spec = spec;
            this.created = created;
            this.modified = now;
            health = new HealthCheck(context.healthChecks().getOrDefault(spec.healthCheck(),
                HealthCheck.Config.of(spec.healthCheck())), now);
            outbox = spec.replication() ? new Outbox(this) : null;
        }

        /** @return its spec. */
        public EndpointSpec spec() {
            return spec;
        }

        /** @return the Region its events go to now: the primary while its health check is healthy. */
        public String activeRegion() {
            return health.status() == HealthCheck.Status.HEALTHY ? spec.primaryRegion() : spec.secondaryRegion();
        }

        /** @return the primary's health check. */
        public HealthCheck health() {
            return health;
        }

        /** @return when it was created and last changed (epoch ms). */
        public long creationTime() {
            return created;
        }

        /** @return when it was last changed (epoch ms). */
        public long lastModifiedTime() {
            return modified;
        }

        /** @return events accepted here and not yet taken by the other Region (the RPO at risk), or 0. */
        public long replicationBacklog() {
            return outbox == null ? 0 : outbox.backlog();
        }

        /** @return events this Region's replicator delivered to the other Region. */
        public long replicated() {
            return outbox == null ? 0 : outbox.replicated.get();
        }

        private void closeOutbox() {
            if (outbox != null) {
                outbox.close();
            }
        }
    }

    private final Router router;
    private final Context context;
    private final Map<String, Endpoint> byName = new ConcurrentHashMap<>();
    private final HttpClient http;
    private final Map<String, PeerClient> peers = new LinkedHashMap<>();
    private final Poller poller;
    private final AgentRunner runner;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong forwardFailures = new AtomicLong();
    private volatile String lastError;

    private GlobalEndpoints(final Router router, final Context context) {
        this.router = router;
        this.context = context;
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(context.requestTimeout())
            .build();
        context.regions().forEach((region, peer) -> {
            if (!region.equals(context.region())) {
                peers.put(region, new PeerClient(peer, http, context.requestTimeout()));
            }
        });
        poller = new Poller(context.clock());
        runner = new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 1_000_000), error -> {
            errors.incrementAndGet();
            lastError = error.toString();
        }, null, new Duty());
    }

    /**
     * Starts serving the endpoints (their outboxes resume where their checkpoints say).
     *
     * @throws IllegalArgumentException when an endpoint does not cover this router's Region, or one is declared twice.
     */
    public static GlobalEndpoints start(final Router router, final Context context,
                                        final List<EndpointSpec> endpoints) {
        final GlobalEndpoints global = new GlobalEndpoints(router, context);
        try {
            for (EndpointSpec spec : endpoints) {
                global.create(spec);
            }
        } catch (RuntimeException e) {
            global.closeOutboxes();
            throw e;
        }
        AgentRunner.startOnThread(global.runner);
        return global;
    }

    // ---- endpoints ---------------------------------------------------------------------------------------------

    /**
     * CreateEndpoint on this router.
     *
     * @throws ResourceExistsException  when it has an endpoint of that name.
     * @throws IllegalArgumentException when the endpoint's Regions do not include this router's.
     */
    public Endpoint create(final EndpointSpec spec) {
        requireCovered(spec);
        synchronized (byName) {
            if (byName.containsKey(spec.name())) {
                throw new ResourceExistsException("An endpoint named " + spec.name() + " already exists.");
            }
            final long now = context.clock().time();
            final Endpoint endpoint = new Endpoint(spec, now, now);
            byName.put(spec.name(), endpoint);
            return endpoint;
        }
    }

    /**
     * UpdateEndpoint: the same name with a new spec (its health check starts over; its outbox is kept when
     * replication stays on).
     *
     * @throws NoSuchResourceException when there is no such endpoint.
     */
    public Endpoint update(final EndpointSpec spec) {
        requireCovered(spec);
        synchronized (byName) {
            final Endpoint was = endpoint(spec.name());
            was.closeOutbox();
            final Endpoint now = new Endpoint(spec, was.created, context.clock().time());
            byName.put(spec.name(), now);
            return now;
        }
    }

    /** DeleteEndpoint. @throws NoSuchResourceException when there is no such endpoint. */
    public void delete(final String name) {
        synchronized (byName) {
            endpoint(name).closeOutbox();
            byName.remove(name);
        }
    }

    /** @return the endpoint. @throws NoSuchResourceException when absent. */
    public Endpoint endpoint(final String name) {
        final Endpoint endpoint = byName.get(name);
        if (endpoint == null) {
            throw new NoSuchResourceException("Endpoint " + name + " does not exist.");
        }
        return endpoint;
    }

    /** @return the endpoint with this {@code EndpointId}. @throws NoSuchResourceException when none has it. */
    public Endpoint byId(final String endpointId) {
        for (Endpoint endpoint : byName.values()) {
            if (endpoint.spec.endpointId().equals(endpointId)) {
                return endpoint;
            }
        }
        throw new NoSuchResourceException("No endpoint has the EndpointId " + endpointId + ".");
    }

    /** @return the endpoints, by name. */
    public List<Endpoint> endpoints() {
        final List<Endpoint> list = new ArrayList<>(byName.values());
        list.sort(java.util.Comparator.comparing(e -> e.spec.name()));
        return list;
    }

    /** @return this router's Region. */
    public String region() {
        return context.region();
    }

    /** @return the URL this router's Region is reached at, or {@code null}. */
    public URI url() {
        final Peer own = context.regions().get(context.region());
        return own == null ? null : own.url();
    }

    private void requireCovered(final EndpointSpec spec) {
        if (!spec.covers(context.region())) {
            throw new IllegalArgumentException("endpoint " + spec.name() + " joins " + spec.primaryRegion() + " and "
                + spec.secondaryRegion() + ", not this router's Region " + context.region());
        }
        final String other = spec.otherRegion(context.region());
        if (!peers.containsKey(other)) {
            throw new IllegalArgumentException("endpoint " + spec.name() + ": no router is configured for Region "
                + other + " (globalEndpoints.regions." + other + ")");
        }
    }

    // ---- PutEvents ---------------------------------------------------------------------------------------------

    /**
     * PutEvents with an {@code EndpointId}: to the active Region's bus (this router's, or the other router's).
     *
     * @param forwardedFrom the Region of the router that forwarded the call here (it decided the route), or
     *                      {@code null} for a producer's call.
     * @throws NoSuchResourceException when no endpoint has the id.
     */
    public PutEventsResult putEvents(final Caller caller, final String endpointId, final List<PutEventsEntry> entries,
                                     final String forwardedFrom) {
        final Endpoint endpoint = byId(endpointId);
        final EndpointSpec spec = endpoint.spec;
        final String target = forwardedFrom != null ? context.region() : endpoint.activeRegion();
        final List<PutEventsResult.Entry> results = new ArrayList<>(entries.size());
        final List<PutEventsEntry> routed = new ArrayList<>(entries.size());
        for (PutEventsEntry entry : entries) {
            final String bus = entry.eventBusName();
            if (bus != null && !bus.equals(spec.busName()) && !spec.eventBusArns().contains(bus)) {
                results.add(new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT,
                    "EventBusName " + bus + " is not the event bus of endpoint " + spec.name() + " ("
                        + spec.busName() + ")")));
            } else {
                results.add(null);
                routed.add(entry.withEventBusName(spec.busArn(target)));
            }
        }
        if (routed.isEmpty()) {
            return new PutEventsResult(entries.size(), results);
        }
        final PutEventsResult answer = target.equals(context.region()) ? local(endpoint, caller, routed)
            : forward(endpoint, target, routed);
        int failed = entries.size() - routed.size() + answer.failedEntryCount();
        int next = 0;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) == null) {
                results.set(i, answer.entries().get(next++));
            }
        }
        return new PutEventsResult(failed, results);
    }

    private PutEventsResult local(final Endpoint endpoint, final Caller caller, final List<PutEventsEntry> entries) {
        final PutEventsResult result = caller.putEvents(entries);
        if (endpoint.spec.primaryRegion().equals(context.region())) {
            boolean ok = true;
            for (PutEventsResult.Entry entry : result.entries()) {
                if (!entry.isAccepted() && entry.error().isRetryable()) {
                    ok = false;   // the primary's own refusals count against its health
                }
            }
            endpoint.health.call(ok);
        }
        if (endpoint.outbox == null) {
            return result;
        }
        final List<PutEventsResult.Entry> out = new ArrayList<>(result.entries());
        int failed = result.failedEntryCount();
        final long now = context.clock().time();
        for (int i = 0; i < out.size(); i++) {
            final PutEventsResult.Entry accepted = out.get(i);
            if (accepted.isAccepted()) {
                try {
                    endpoint.outbox.append(replica(endpoint, entries.get(i), accepted.eventId(), now));
                } catch (RuntimeException e) {
                    // accepted here but not kept for the other Region: the producer sends it again (at least once)
                    out.set(i, new PutEventsResult.Entry(null, new EntryError(EntryError.INTERNAL_FAILURE,
                        "accepted in " + context.region() + " but not kept for replication: " + e.getMessage())));
                    failed++;
                }
            }
        }
        return new PutEventsResult(failed, out);
    }

    /** @return the event as the other Region receives it: same id, the endpoint's ARN in resources, this Region. */
    private byte[] replica(final Endpoint endpoint, final PutEventsEntry entry, final String eventId, final long now) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256 + entry.detail().length());
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("version", "0");
            json.writeStringField("id", eventId);
            json.writeStringField("detail-type", entry.detailType());
            json.writeStringField("source", entry.source());
            json.writeStringField("account", endpoint.spec.account());
            json.writeStringField("time", TIME.format(entry.time() != null ? entry.time() : Instant.ofEpochMilli(now)));
            json.writeStringField("region", context.region());
            json.writeArrayFieldStart("resources");
            for (String resource : entry.resources()) {
                json.writeString(resource);
            }
            json.writeString(endpoint.spec.arn());
            json.writeEndArray();
            json.writeFieldName("detail");
            json.writeRawValue(entry.detail());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private PutEventsResult forward(final Endpoint endpoint, final String target, final List<PutEventsEntry> entries) {
        final PeerClient peer = peers.get(target);
        final boolean toPrimary = target.equals(endpoint.spec.primaryRegion());
        final byte[] body = forwardBody(endpoint, entries);
        try {
            final var response = peer.call("PutEvents", body, context.requestTimeout()).get(
                context.requestTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
            }
            final PutEventsResult result = parseResult(JSON.readTree(response.body()), entries.size());
            if (toPrimary) {
                endpoint.health.call(true);
            }
            return result;
        } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
            forwardFailures.incrementAndGet();
            if (toPrimary) {
                endpoint.health.call(false);
            }
            final Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            final List<PutEventsResult.Entry> failed = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                failed.add(new PutEventsResult.Entry(null, new EntryError(EntryError.INTERNAL_FAILURE,
                    "endpoint " + endpoint.spec.name() + ": the router of " + target + " did not take the events: "
                        + cause)));
            }
            return new PutEventsResult(entries.size(), failed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private byte[] forwardBody(final Endpoint endpoint, final List<PutEventsEntry> entries) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512 * entries.size());
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("Entries");
            for (PutEventsEntry entry : entries) {
                json.writeStartObject();
                json.writeStringField("Source", entry.source());
                json.writeStringField("DetailType", entry.detailType());
                json.writeStringField("Detail", entry.detail());
                if (entry.time() != null) {
                    json.writeNumberField("Time", entry.time().toEpochMilli() / 1000.0);
                }
                if (!entry.resources().isEmpty()) {
                    json.writeArrayFieldStart("Resources");
                    for (String resource : entry.resources()) {
                        json.writeString(resource);
                    }
                    json.writeEndArray();
                }
                json.writeStringField("EventBusName", entry.eventBusName());
                if (entry.traceHeader() != null) {
                    json.writeStringField("TraceHeader", entry.traceHeader());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeStringField("EndpointId", endpoint.spec.endpointId());
            json.writeStringField(FORWARDED_FROM, context.region());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The PutEvents member a forwarding router adds: its Region (the route is decided; the receiver accepts). */
    public static final String FORWARDED_FROM = "EventRouterForwardedFrom";

    private static PutEventsResult parseResult(final JsonNode answer, final int size) {
        final List<PutEventsResult.Entry> entries = new ArrayList<>(size);
        int failed = 0;
        for (JsonNode entry : answer.path("Entries")) {
            if (entry.hasNonNull("EventId")) {
                entries.add(new PutEventsResult.Entry(entry.get("EventId").asText(), null));
            } else {
                failed++;
                entries.add(new PutEventsResult.Entry(null, new EntryError(entry.path("ErrorCode").asText(),
                    entry.path("ErrorMessage").asText())));
            }
        }
        if (entries.size() != size) {
            throw new IllegalStateException("the answer has " + entries.size() + " entries for " + size);
        }
        return new PutEventsResult(failed, entries);
    }

    /**
     * Calls an operation on another Region's router and waits for its answer.
     *
     * @return {@code null} when it answered 200, else why not.
     */
    public String call(final String region, final String operation, final byte[] body, final Duration timeout) {
        final PeerClient peer = peers.get(region);
        if (peer == null) {
            return "no router is configured for Region " + region;
        }
        try {
            final var response = peer.call(operation, body, timeout).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return response.statusCode() == 200 ? null : "HTTP " + response.statusCode() + ": "
                + new String(response.body(), StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (TimeoutException e) {
            return "no answer within " + timeout.toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    // ---- replication -------------------------------------------------------------------------------------------

    /**
     * Takes events another Region's replicator sent ({@value #REPLICATE}): publishes each, as it is, on this Region's
     * bus of the endpoint, never replicating it again.
     *
     * @return how many were published.
     * @throws NoSuchResourceException when no endpoint has the id.
     * @throws IllegalStateException   when the bus refused one (the replicator sends the batch again).
     */
    public int receive(final Caller caller, final String endpointId, final List<byte[]> events) {
        final Endpoint endpoint = byId(endpointId);
        final String bus = endpoint.spec.busArn(context.region());
        int published = 0;
        for (byte[] event : events) {
            if (!caller.publish(bus, event, 0, event.length)) {
                throw new IllegalStateException("event bus " + bus + " is full: " + published + " of "
                    + events.size() + " replicated events taken");
            }
            published++;
        }
        return published;
    }

    /** An endpoint's outbox in this Region: a Chronicle Queue its replicator reads with a checkpoint. */
    private final class Outbox {
        private final Endpoint endpoint;
        private final SingleChronicleQueue queue;
        private final RawChronicleSource source;
        private final FileCheckpointStore checkpoints;
        private final EventSourceMapping mapping;
        private final AtomicLong replicated = new AtomicLong();
        private final AtomicLong appended = new AtomicLong();

        Outbox(final Endpoint endpoint) {
            this.endpoint = endpoint;
            final Path dir = context.dataDir().resolve("endpoints").resolve(endpoint.spec.name());
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("endpoint " + endpoint.spec.name() + ": " + dir + ": " + e.getMessage(),
                    e);
            }
            queue = SingleChronicleQueueBuilder.binary(dir.resolve("outbox")).rollCycle(RollCycles.FAST_DAILY).build();
            final ExcerptAppender first = queue.createAppender();
            first.close();   // the queue's metadata exists from here: the source can open it
            source = RawChronicleSource.open(dir.resolve("outbox"), context.clock());
            checkpoints = FileCheckpointStore.open(dir.resolve("replicated.checkpoints"));
            final PeerClient peer = peers.get(endpoint.spec.otherRegion(context.region()));
            synchronized (poller) {
                mapping = poller.addAsync(MappingConfig.forStream(mappingName()).withBatchSize(100), source,
                    checkpoints, (partition, records) -> send(peer, records));
            }
        }

        private CompletableFuture<List<Long>> send(final PeerClient peer, final List<SourceRecord> records) {
            final ByteArrayOutputStream out = new ByteArrayOutputStream(512 * records.size());
            try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
                json.writeStartObject();
                json.writeStringField("EndpointId", endpoint.spec.endpointId());
                json.writeArrayFieldStart("Events");
                for (SourceRecord record : records) {
                    json.writeRawValue(new String(record.data(), StandardCharsets.UTF_8));
                }
                json.writeEndArray();
                json.writeEndObject();
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            return peer.call(REPLICATE, out.toByteArray(), REPLICATION_TIMEOUT).thenApply(response -> {
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
                }
                replicated.addAndGet(records.size());
                return null;
            });
        }

        void append(final byte[] event) {
            try (ExcerptAppender appender = queue.createAppender()) {
                appender.writeBytes(b -> b.write(event));
            }
            appended.incrementAndGet();
        }

        /** @return excerpts after the replicator's checkpoint: events not yet taken by the other Region. */
        long backlog() {
            final long last = queue.lastIndex();
            if (last < 0) {
                return 0;
            }
            final long saved = checkpoints.load(mappingName(), 0);
            final long from = saved < 0 ? queue.firstIndex() : saved;
            return from > last ? 0 : queue.countExcerpts(from, last) + 1;
        }

        private String mappingName() {
            return "replicate-" + endpoint.spec.name();
        }

        void close() {
            synchronized (poller) {   // not while the duty cycle steps it
                mapping.delete();   // the poller drops it (a deleted mapping saves nothing); the rest stays queued
                source.close();
                checkpoints.close();
                queue.close();
            }
        }
    }

    // ---- the duty cycle ----------------------------------------------------------------------------------------

    private final class Duty implements Agent {
        @Override
        public int doWork() {
            final long now = context.clock().time();
            int work = 0;
            for (Endpoint endpoint : byName.values()) {
                work += probe(endpoint, now);
                endpoint.health.tick(now);
            }
            synchronized (poller) {
                work += poller.doWork();
            }
            return work;
        }

        @Override
        public String roleName() {
            return "eventrouter-global";
        }
    }

    /** Probes the primary's {@code /health} a few times a period (this router is the primary: it is up). */
    private int probe(final Endpoint endpoint, final long now) {
        if (now < endpoint.nextProbe) {
            return 0;
        }
        endpoint.nextProbe = now + Math.max(50, endpoint.health.config().periodMillis() / 4);
        if (endpoint.spec.primaryRegion().equals(context.region())) {
            endpoint.health.probe(true);
            return 1;
        }
        if (endpoint.probing.compareAndSet(false, true)) {
            peers.get(endpoint.spec.primaryRegion()).health().thenAccept(ok -> {
                endpoint.health.probe(ok);
                endpoint.probing.set(false);
            });
        }
        return 1;
    }

    /** @return errors the duty cycle threw (it carries on). */
    public long errors() {
        return errors.get();
    }

    /** @return forwarded calls the other Region's router did not answer. */
    public long forwardFailures() {
        return forwardFailures.get();
    }

    /** @return the last error of the duty cycle, or {@code null}. */
    public String lastError() {
        return lastError;
    }

    private void closeOutboxes() {
        byName.values().forEach(Endpoint::closeOutbox);
    }

    /** Stops the duty cycle and closes the outboxes (what they hold is sent after the next start). */
    @Override
    public void close() {
        runner.close();
        closeOutboxes();
    }
}
