package dev.eventrouter.persist.serve;

import dev.eventrouter.bus.BusMetrics;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.RuleMetrics;
import dev.eventrouter.bus.TargetMetrics;
import dev.eventrouter.target.Target;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@code GET /metrics}: the router's bus, rule and target counters and the server's request latency histograms, in
 * the Prometheus text format, by Micrometer's Prometheus registry. Counters read the router's own (they are
 * registered when a scrape first sees a bus, rule or target); request latency is a timer per operation and outcome
 * with a percentile histogram. Thread-safe.
 */
final class ServerMetrics {
    private final Router router;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> registered = new HashSet<>();
    /** Timers by operation, then outcome: found without building a key per request. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Timer>> timers = new ConcurrentHashMap<>();

    /** An API destination's failed calls by class, as {@code /metrics} labels them. */
    private static final java.util.Map<String, ToDoubleFunction<dev.eventrouter.persist.apidest.DestinationMetrics>>
        FAILURE_CLASSES = new java.util.LinkedHashMap<>();

    static {
        FAILURE_CLASSES.put("4xx", dev.eventrouter.persist.apidest.DestinationMetrics::clientErrors);
        FAILURE_CLASSES.put("429", dev.eventrouter.persist.apidest.DestinationMetrics::throttledResponses);
        FAILURE_CLASSES.put("5xx", dev.eventrouter.persist.apidest.DestinationMetrics::serverErrors);
        FAILURE_CLASSES.put("other", dev.eventrouter.persist.apidest.DestinationMetrics::otherFailures);
        FAILURE_CLASSES.put("timeout", dev.eventrouter.persist.apidest.DestinationMetrics::timeouts);
        FAILURE_CLASSES.put("connection", dev.eventrouter.persist.apidest.DestinationMetrics::connectionFailures);
    }

    private volatile dev.eventrouter.persist.apidest.ApiDestinations apiDestinations;
    /** Each API destination's answered-call latency since the server started, in µs (fed from its intervals). */
    private final java.util.Map<String, org.HdrHistogram.Histogram> latencies = new java.util.HashMap<>();

    ServerMetrics(final Router router) {
        this.router = router;
    }

    private volatile dev.eventrouter.persist.global.GlobalEndpoints globalEndpoints;

    /**
     * Adds each global endpoint's state to the scrape: {@code eventrouter_endpoint_primary_active} (1 while this router
     * sends the endpoint's events to the primary Region), {@code eventrouter_endpoint_replication_backlog} (events
     * accepted here the other Region has not taken: the RPO at risk) and {@code eventrouter_endpoint_replicated}.
     */
    void globalEndpoints(final dev.eventrouter.persist.global.GlobalEndpoints value) {
        globalEndpoints = value;
    }

    /** Adds the API destinations' counters and latency to the scrape. */
    void apiDestinations(final dev.eventrouter.persist.apidest.ApiDestinations value) {
        apiDestinations = value;
    }

    /** Records one request's latency. */
    void request(final String operation, final String outcome, final long nanos) {
        final ConcurrentHashMap<String, Timer> byOutcome = timers.get(operation);
        Timer timer = byOutcome == null ? null : byOutcome.get(outcome);
        if (timer == null) {
            timer = timers.computeIfAbsent(operation, k -> new ConcurrentHashMap<>()).computeIfAbsent(outcome,
                k -> Timer.builder("eventrouter.http.requests")
                    .description("requests answered, by operation and outcome (ok or the AWS error code)")
                    .tags("operation", operation, "outcome", outcome).publishPercentileHistogram()
                    .register(registry));
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** @return the Prometheus text exposition. */
    synchronized String scrape() {
        for (EventBus bus : router.eventBuses()) {
            final Tags busTags = Tags.of("bus", bus.arn());
            final BusMetrics m = bus.metrics();
            counter("bus:" + bus.arn(), "eventrouter.bus.published", busTags, m, BusMetrics::published);
            counter("bus:" + bus.arn(), "eventrouter.bus.matched", busTags, m, BusMetrics::matched);
            counter("bus:" + bus.arn(), "eventrouter.bus.unmatched", busTags, m, BusMetrics::unmatched);
            counter("bus:" + bus.arn(), "eventrouter.bus.throttled", busTags, m, BusMetrics::throttled);
            counter("bus:" + bus.arn(), "eventrouter.bus.malformed", busTags, m, BusMetrics::malformed);
            for (Rule rule : router.listRules(bus.arn())) {
                final Tags ruleTags = busTags.and("rule", rule.name());
                final String key = "rule:" + bus.arn() + "/" + rule.name();
                counter(key, "eventrouter.rule.matched", ruleTags, router.ruleMetrics(bus.arn(), rule.name()),
                    RuleMetrics::matched);
                for (Target target : router.listTargetsByRule(bus.arn(), rule.name())) {
                    final Tags t = ruleTags.and("target", target.id());
                    final String tk = key + "#" + target.id();
                    final TargetMetrics tm = router.targetMetrics(bus.arn(), rule.name(), target.id());
                    counter(tk, "eventrouter.target.delivered", t, tm, TargetMetrics::delivered);
                    counter(tk, "eventrouter.target.failed", t, tm, TargetMetrics::failed);
                    counter(tk, "eventrouter.target.retried", t, tm, TargetMetrics::retried);
                    counter(tk, "eventrouter.target.dead.lettered", t, tm, TargetMetrics::deadLettered);
                    counter(tk, "eventrouter.target.dropped", t, tm, TargetMetrics::dropped);
                }
            }
        }
        final dev.eventrouter.persist.global.GlobalEndpoints global = globalEndpoints;
        if (global != null) {
            for (dev.eventrouter.persist.global.GlobalEndpoints.Endpoint endpoint : global.endpoints()) {
                final String name = endpoint.spec().name();
                final Tags tags = Tags.of("endpoint", endpoint.spec().arn());
                if (registered.add("endpoint:" + name)) {
                    // looked up by name at each scrape: an updated endpoint is a new object
                    io.micrometer.core.instrument.Gauge.builder("eventrouter.endpoint.primary.active", global,
                        g -> activeIsPrimary(g, name)).tags(tags).register(registry);
                    io.micrometer.core.instrument.Gauge.builder("eventrouter.endpoint.replication.backlog", global,
                        g -> endpointValue(g, name, dev.eventrouter.persist.global.GlobalEndpoints.Endpoint
                            ::replicationBacklog)).tags(tags).register(registry);
                    FunctionCounter.builder("eventrouter.endpoint.replicated", global, g -> endpointValue(g, name,
                        dev.eventrouter.persist.global.GlobalEndpoints.Endpoint::replicated)).tags(tags)
                        .register(registry);
                }
            }
        }
        final dev.eventrouter.persist.apidest.ApiDestinations apis = apiDestinations;
        if (apis != null) {
            for (dev.eventrouter.persist.apidest.ApiDestination d : apis.apiDestinations()) {
                destination(d.arn(), apis.metrics(d.arn()));
            }
        }
        return registry.scrape();
    }

    private static double activeIsPrimary(final dev.eventrouter.persist.global.GlobalEndpoints global,
                                          final String name) {
        try {
            final var endpoint = global.endpoint(name);
            return endpoint.activeRegion().equals(endpoint.spec().primaryRegion()) ? 1 : 0;
        } catch (dev.eventrouter.bus.NoSuchResourceException e) {
            return Double.NaN;   // deleted
        }
    }

    private static double endpointValue(final dev.eventrouter.persist.global.GlobalEndpoints global,
                                        final String name,
                                        final java.util.function.ToLongFunction<
                                            dev.eventrouter.persist.global.GlobalEndpoints.Endpoint> value) {
        try {
            return value.applyAsLong(global.endpoint(name));
        } catch (dev.eventrouter.bus.NoSuchResourceException e) {
            return Double.NaN;
        }
    }

    private void destination(final String arn, final dev.eventrouter.persist.apidest.DestinationMetrics m) {
        final Tags tags = Tags.of("api_destination", arn);
        final String key = "apidest:" + arn;
        counter(key, "eventrouter.apidest.invocations", tags, m,
            dev.eventrouter.persist.apidest.DestinationMetrics::invocations);
        counter(key, "eventrouter.apidest.successes", tags, m,
            dev.eventrouter.persist.apidest.DestinationMetrics::successes);
        FAILURE_CLASSES.forEach((failureClass, count) -> counter(key + "/" + failureClass,
            "eventrouter.apidest.failures", tags.and("class", failureClass), m, count));
        counter(key, "eventrouter.apidest.retries", tags, m,
            dev.eventrouter.persist.apidest.DestinationMetrics::retries);
        counter(key, "eventrouter.apidest.rate.limited", tags, m,
            dev.eventrouter.persist.apidest.DestinationMetrics::rateLimited);
        final org.HdrHistogram.Histogram latency = latencies.computeIfAbsent(arn, k -> {
            final org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(60_000_000L, 2);
            for (double q : new double[] {0.5, 0.99, 1.0}) {
                io.micrometer.core.instrument.Gauge.builder("eventrouter.apidest.latency.micros", h,
                    x -> x.getTotalCount() == 0 ? 0 : x.getValueAtPercentile(q * 100)).tags(tags.and("quantile",
                    q == 1.0 ? "max" : Double.toString(q))).register(registry);
            }
            return h;
        });
        latency.add(m.takeLatency());
    }

    private <T> void counter(final String key, final String name, final Tags tags, final T source,
                             final ToDoubleFunction<T> value) {
        if (registered.add(key + "|" + name)) {
            FunctionCounter.builder(name, source, value).tags(tags).register(registry);
        }
    }
}
