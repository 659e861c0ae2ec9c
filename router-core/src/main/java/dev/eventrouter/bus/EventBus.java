package dev.eventrouter.bus;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An event bus of a {@link Router}: publish raw envelopes to it, read its counters. Thread-safe. A handle stays
 * valid after the bus is deleted, but publishing to it then fails.
 */
public final class EventBus {
    final EventArns.BusId id;
    final int index;
    final String arn;
    final BusMetrics metrics = new BusMetrics();
    /** Guarded by the router's admin lock. */
    final Map<String, RuleBinding> rules = new LinkedHashMap<>();
    /**
     * The same bindings for readers without the lock (retries, schedules); changed in place under the admin lock, so
     * every {@link BusRules} version shares it.
     */
    final Map<String, RuleBinding> byName = new java.util.concurrent.ConcurrentHashMap<>();
    /** The automaton's layers (guarded by the router's admin lock): a rule change compiles what it changes. */
    final dev.eventrouter.match.LayeredRules layers;
    volatile BusRules compiled = BusRules.EMPTY;
    volatile boolean deleted;
    /** Why new events are refused (a stage that must see every event cannot), or {@code null}. */
    volatile String refusal;
    /** The bus's resource-based policy, or {@code null}; compiled when set, swapped in one write. */
    volatile dev.eventrouter.auth.PolicyDocument policy;
    /** The bus's tags, case-insensitive keys, unmodifiable. */
    volatile Map<String, String> tags = Map.of();
    /** Where accepted events go instead of the ring ({@link #divert}), or {@code null}. */
    volatile IngestSink sink;
    private final Router router;

    EventBus(final Router router, final EventArns.BusId id, final int index,
             final dev.eventrouter.match.RuleCompiler compiler) {
        this.router = router;
        layers = new dev.eventrouter.match.LayeredRules(compiler);
        this.id = id;
        this.index = index;
        arn = id.arn();
    }

    /** @return the bus name. */
    public String name() {
        return id.name();
    }

    /** @return the bus ARN. */
    public String arn() {
        return arn;
    }

    /** @return the account that owns the bus. */
    public String account() {
        return id.account();
    }

    /** @return the region of the bus. */
    public String region() {
        return id.region();
    }

    /** @return the bus's resource-based policy, or {@code null} when it has none. */
    public dev.eventrouter.auth.PolicyDocument policy() {
        return policy;
    }

    /** @return the bus's tags. */
    public Map<String, String> tags() {
        return tags;
    }

    /** @return the bus's counters. */
    public BusMetrics metrics() {
        return metrics;
    }

    /**
     * Publishes a complete event envelope (for embedders that already hold JSON). The bytes are validated (a JSON
     * object within the router's size and depth limits) and copied; the caller may reuse the array on return.
     * Allocation-free in steady state.
     *
     * @return {@code true} when accepted; {@code false} when the router stayed full for the publish timeout (the
     *         event was not accepted and is counted as throttled).
     * @throws dev.eventrouter.event.MalformedEventException when the bytes are not an acceptable event, with the
     *                                                       byte offset.
     * @throws IllegalStateException                         when the bus was deleted, refuses events
     *                                                       ({@link #refuseEvents}) or the router is closed.
     */
    public boolean publish(final byte[] bytes, final int offset, final int length) {
        return router.publishRaw(this, bytes, offset, length);
    }

    /**
     * Publishes an event from an archive replay: it reaches only the filter's rules, and the call never waits (a
     * replay retries on its next duty cycle). The bytes are not validated again (they were when first accepted);
     * the caller has added the {@code replay-name} field.
     *
     * @return {@code true} when accepted; {@code false} when the router is full right now.
     * @throws IllegalStateException when the bus was deleted or the router is closed.
     */
    public boolean publishReplay(final byte[] bytes, final int offset, final int length, final ReplayFilter filter) {
        return router.publishReplay(this, bytes, offset, length, filter);
    }

    /** Publishes a whole array. @see #publish(byte[], int, int) */
    public boolean publish(final byte[] bytes) {
        return publish(bytes, 0, bytes.length);
    }

    /**
     * Refuses new events for this bus until {@link #acceptEvents()}: PutEvents entries fail with
     * {@code InternalFailure} and the reason, raw publishes throw, bus targets forwarding here fail (and are retried).
     * A ring stage that must see every accepted event calls it when it cannot (an archive on a full disk), so the
     * router refuses what it could not keep instead of stalling or losing it. Events already accepted go on.
     */
    public void refuseEvents(final String reason) {
        refusal = java.util.Objects.requireNonNull(reason, "reason");
    }

    /** Accepts events again after {@link #refuseEvents}. */
    public void acceptEvents() {
        refusal = null;
    }

    /** @return why the bus refuses events, or {@code null} when it accepts them. */
    public String refusal() {
        return refusal;
    }

    /**
     * Diverts what PutEvents and {@link #publish} accept for this bus to {@code sink} (a durable log) instead of the
     * router's ring; the events reach the bus's rules when they are published back through the returned
     * {@link Ingress}, typically after being read from the log, possibly by another process. Bus targets forwarding
     * to this bus and archive replays still enter the ring directly (they are delivered by this router).
     *
     * @return the way into the bus's ring while diverted; closing it ends the diversion.
     * @throws IllegalStateException when the bus is already diverted.
     */
    public Ingress divert(final IngestSink sink) {
        synchronized (this) {
            if (this.sink != null) {
                throw new IllegalStateException("event bus " + arn + " is already diverted to " + this.sink);
            }
            this.sink = java.util.Objects.requireNonNull(sink, "sink");
        }
        return new Ingress(sink);
    }

    /** @return the sink accepted events are diverted to, or {@code null}. */
    public IngestSink divertedTo() {
        return sink;
    }

    /** The way into a diverted bus's ring: what its sink's log gives back. Thread-safe. */
    public final class Ingress implements AutoCloseable {
        private final IngestSink owner;

        private Ingress(final IngestSink owner) {
            this.owner = owner;
        }

        /**
         * Publishes a complete event to the bus's rules (validated as {@link #publish} validates; never diverted).
         *
         * @return {@code true} when accepted; {@code false} when the router stayed full for the publish timeout.
         * @throws dev.eventrouter.event.MalformedEventException when the bytes are not an acceptable event.
         * @throws IllegalStateException when the bus was deleted, refuses events, or the router is closed.
         */
        public boolean publish(final byte[] bytes, final int offset, final int length) {
            return router.publishRaw(EventBus.this, bytes, offset, length, false);
        }

        /** Publishes a replayed event to the filter's rules (never diverted). @see EventBus#publishReplay */
        public boolean publishReplay(final byte[] bytes, final int offset, final int length,
                                     final ReplayFilter filter) {
            return router.publishReplay(EventBus.this, bytes, offset, length, filter);
        }

        /** Ends the diversion: the bus's events go to its ring again. */
        @Override
        public void close() {
            synchronized (EventBus.this) {
                if (sink == owner) {
                    sink = null;
                }
            }
        }
    }

    @Override
    public String toString() {
        return arn;
    }
}
