package dev.eventrouter.persist.apidest;

import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * The connections and API destinations of one account and region, and the targets that call them. Create a
 * connection, an API destination on it, then a rule target with {@link #target}; the router delivers to it like any
 * completing target (retries, Retry-After, dead letters, close reports). Thread-safe; changes apply to the next
 * call. {@link #close()} after closing the routers that use it: calls still out are failed as retryable.
 *
 * <p>Threads: one duty-cycle agent ({@code eventrouter-apidest}: rate limits, timeouts, building requests) and
 * {@link Context#ioThreads} Netty event loops. An exception in the agent fails the call it was making and the agent
 * goes on; see {@link HttpDispatcher}.
 */
public final class ApiDestinations implements AutoCloseable {
    private final Context context;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, ApiDestination> destinations = new ConcurrentHashMap<>();
    private final Map<String, DestinationMetrics> metrics = new ConcurrentHashMap<>();
    private final SplittableRandom ids;
    private final HttpDispatcher dispatcher;
    private final AgentRunner runner;

    /** Settings; every clock injectable. */
    public static final class Context {
        private String account = "123456789012";
        private String region = "us-east-1";
        private EpochClock clock = SystemEpochClock.INSTANCE;
        private NanoClock nanoClock = SystemNanoClock.INSTANCE;
        private IdleStrategy idleStrategy = new BackoffIdleStrategy(10, 10, 10_000, 1_000_000);
        private int ioThreads = 1;
        private long seed = System.nanoTime();

        /** @param value the account of the connections and destinations (12 digits). */
        public Context account(final String value) {
            account = value;
            return this;
        }

        /** @param value their region. */
        public Context region(final String value) {
            region = value;
            return this;
        }

        /** @param value the clock of rate limits, timeouts and Retry-After (inject a manual clock in tests). */
        public Context clock(final EpochClock value) {
            clock = value;
            return this;
        }

        /** @param value the clock of latency measurements. */
        public Context nanoClock(final NanoClock value) {
            nanoClock = value;
            return this;
        }

        /** @param value how the agent idles. */
        public Context idleStrategy(final IdleStrategy value) {
            idleStrategy = value;
            return this;
        }

        /** @param value Netty event-loop threads for the calls (default 1). */
        public Context ioThreads(final int value) {
            ioThreads = value;
            return this;
        }

        /** @param value the seed of the uuids in ARNs (inject for stable ARNs). */
        public Context seed(final long value) {
            seed = value;
            return this;
        }
    }

    private ApiDestinations(final Context context) {
        if (context.account == null || !context.account.matches("\\d{12}")) {
            throw new IllegalArgumentException("account=" + context.account + ": must be 12 digits");
        }
        if (context.ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads=" + context.ioThreads + ": must be at least 1");
        }
        this.context = context;
        ids = new SplittableRandom(context.seed);
        dispatcher = new HttpDispatcher(context.clock, context.nanoClock, context.ioThreads, this::resolve);
        runner = new AgentRunner(context.idleStrategy, e -> System.err.println("eventrouter-apidest: " + e), null,
            dispatcher);
        AgentRunner.startOnThread(runner);
    }

    /** @return started API destinations with these settings. */
    public static ApiDestinations start(final Context context) {
        return new ApiDestinations(context);
    }

    // ---- connections -----------------------------------------------------------------------------------------

    /**
     * Creates a connection. BASIC and API_KEY connections are AUTHORIZED at once.
     *
     * @throws IllegalArgumentException naming the field that is wrong, or when the name is taken.
     */
    public synchronized Connection createConnection(final String name, final String description,
                                                    final Connection.Authorization authorization,
                                                    final Connection.InvocationParameters invocation) {
        if (findConnection(name) != null) {
            throw new IllegalArgumentException("connection " + name + " already exists");
        }
        final Instant now = Instant.ofEpochMilli(context.clock.time());
        final Connection created = new Connection(name, arn("connection", name), description, authorization,
            invocation, Connection.State.AUTHORIZED, null, now, now, now);
        connections.put(created.arn(), created);
        return created;
    }

    /**
     * Changes a connection; a null argument keeps the current value. A deauthorized connection is authorized again
     * when new credentials are given.
     */
    public synchronized Connection updateConnection(final String nameOrArn, final String description,
                                                    final Connection.Authorization authorization,
                                                    final Connection.InvocationParameters invocation) {
        final Connection current = connection(nameOrArn);
        final Instant now = Instant.ofEpochMilli(context.clock.time());
        final boolean authorized = authorization != null || current.state() == Connection.State.AUTHORIZED;
        final Connection updated = new Connection(current.name(), current.arn(),
            description != null ? description : current.description(),
            authorization != null ? authorization : current.authorization(),
            invocation != null ? invocation : current.invocation(),
            authorized ? Connection.State.AUTHORIZED : current.state(), authorized ? null : current.stateReason(),
            current.creationTime(), now, authorization != null ? now : current.lastAuthorizedTime());
        connections.put(updated.arn(), updated);
        return updated;
    }

    /** Deauthorizes a connection: calls through it fail (not retried) until it is updated with credentials. */
    public synchronized Connection deauthorizeConnection(final String nameOrArn) {
        return setState(connection(nameOrArn), Connection.State.DEAUTHORIZED, "deauthorized by DeauthorizeConnection");
    }

    private Connection setState(final Connection current, final Connection.State state, final String reason) {
        final Connection changed = new Connection(current.name(), current.arn(), current.description(),
            current.authorization(), current.invocation(), state, reason, current.creationTime(),
            Instant.ofEpochMilli(context.clock.time()), current.lastAuthorizedTime());
        connections.put(changed.arn(), changed);
        return changed;
    }

    /**
     * Deletes a connection.
     *
     * @throws IllegalArgumentException when an API destination still uses it.
     */
    public synchronized Connection deleteConnection(final String nameOrArn) {
        final Connection current = connection(nameOrArn);
        final List<String> users = new ArrayList<>();
        for (ApiDestination destination : apiDestinations()) {
            if (destination.connectionArn().equals(current.arn())) {
                users.add(destination.name());
            }
        }
        if (!users.isEmpty()) {
            throw new IllegalArgumentException("connection " + current.name() + " is used by API destination"
                + (users.size() > 1 ? "s " : " ") + String.join(", ", users));
        }
        connections.remove(current.arn());
        return current;
    }

    /** @return the connection of this name or ARN. @throws IllegalArgumentException when there is none. */
    public Connection connection(final String nameOrArn) {
        return existing("connection", findConnection(nameOrArn), nameOrArn);
    }

    private Connection findConnection(final String nameOrArn) {
        return find(connections, nameOrArn, Connection::name);
    }

    /** @return every connection, by name. */
    public List<Connection> connections() {
        return byName(connections, Connection::name);
    }

    /** @return the value whose ARN (the key) or name is {@code nameOrArn}, or null. */
    private static <T> T find(final Map<String, T> byArn, final String nameOrArn,
                              final java.util.function.Function<T, String> name) {
        final T found = byArn.get(nameOrArn);
        if (found != null) {
            return found;
        }
        for (T value : byArn.values()) {
            if (name.apply(value).equals(nameOrArn)) {
                return value;
            }
        }
        return null;
    }

    private static <T> T existing(final String kind, final T found, final String nameOrArn) {
        if (found == null) {
            throw new IllegalArgumentException(kind + " " + nameOrArn + " does not exist");
        }
        return found;
    }

    private static <T> List<T> byName(final Map<String, T> byArn, final java.util.function.Function<T, String> name) {
        final List<T> all = new ArrayList<>(byArn.values());
        all.sort(Comparator.comparing(name));
        return all;
    }

    // ---- API destinations ------------------------------------------------------------------------------------

    /**
     * Creates an API destination.
     *
     * @param rateLimitPerSecond 1-300, or null for the default 300.
     * @throws IllegalArgumentException naming the field that is wrong, when the name is taken or the connection
     *                                  does not exist.
     */
    public synchronized ApiDestination createApiDestination(final String name, final String description,
                                                            final String connectionNameOrArn,
                                                            final String invocationEndpoint, final String httpMethod,
                                                            final Integer rateLimitPerSecond) {
        if (findDestination(name) != null) {
            throw new IllegalArgumentException("api destination " + name + " already exists");
        }
        final Connection connection = connection(connectionNameOrArn);
        final Instant now = Instant.ofEpochMilli(context.clock.time());
        final ApiDestination created = new ApiDestination(name, arn("api-destination", name), description,
            connection.arn(), invocationEndpoint, httpMethod,
            rateLimitPerSecond != null ? rateLimitPerSecond : ApiDestination.DEFAULT_RATE_LIMIT,
            ApiDestination.State.ACTIVE, now, now);
        destinations.put(created.arn(), created);
        metrics.put(created.arn(), new DestinationMetrics());
        return created;
    }

    /** Changes an API destination; a null argument keeps the current value. */
    public synchronized ApiDestination updateApiDestination(final String nameOrArn, final String description,
                                                            final String connectionNameOrArn,
                                                            final String invocationEndpoint, final String httpMethod,
                                                            final Integer rateLimitPerSecond) {
        final ApiDestination current = apiDestination(nameOrArn);
        final ApiDestination updated = new ApiDestination(current.name(), current.arn(),
            description != null ? description : current.description(),
            connectionNameOrArn != null ? connection(connectionNameOrArn).arn() : current.connectionArn(),
            invocationEndpoint != null ? invocationEndpoint : current.invocationEndpoint(),
            httpMethod != null ? httpMethod : current.httpMethod(),
            rateLimitPerSecond != null ? rateLimitPerSecond : current.rateLimitPerSecond(), current.state(),
            current.creationTime(), Instant.ofEpochMilli(context.clock.time()));
        destinations.put(updated.arn(), updated);
        return updated;
    }

    /** Deletes an API destination: its targets' calls fail from then on ({@code NO_RESOURCE}, not retried). */
    public synchronized ApiDestination deleteApiDestination(final String nameOrArn) {
        final ApiDestination current = apiDestination(nameOrArn);
        destinations.remove(current.arn());
        return current;
    }

    /** @return the API destination of this name or ARN. @throws IllegalArgumentException when there is none. */
    public ApiDestination apiDestination(final String nameOrArn) {
        return existing("api destination", findDestination(nameOrArn), nameOrArn);
    }

    private ApiDestination findDestination(final String nameOrArn) {
        return find(destinations, nameOrArn, ApiDestination::name);
    }

    /** @return every API destination, by name. */
    public List<ApiDestination> apiDestinations() {
        return byName(destinations, ApiDestination::name);
    }

    /** @return the counters of an API destination (kept after it is deleted). */
    public DestinationMetrics metrics(final String nameOrArn) {
        final ApiDestination found = findDestination(nameOrArn);
        final DestinationMetrics m = metrics.get(found != null ? found.arn() : nameOrArn);
        if (m == null) {
            throw new IllegalArgumentException("api destination " + nameOrArn + " does not exist");
        }
        return m;
    }

    // ---- targets ---------------------------------------------------------------------------------------------

    /** What a target calls: its destination (looked up at each call) and its parameters. */
    private record Spec(String destinationArn, HttpParameters.Compiled parameters) {
    }

    /**
     * @param id             the target's id.
     * @param nameOrArn      the API destination (looked up now; each call uses it as it is then).
     * @param httpParameters the target's path, header and query parameters.
     * @return a rule target that calls the API destination; shape its input and set its retry policy and
     *         dead-letter handler with the {@code with...} methods as for any target.
     * @throws IllegalArgumentException when the destination does not exist or the path parameters do not fill its
     *                                  wildcards.
     */
    public Target target(final String id, final String nameOrArn, final HttpParameters httpParameters) {
        final ApiDestination destination = apiDestination(nameOrArn);
        final HttpParameters parameters = httpParameters == null ? HttpParameters.NONE : httpParameters;
        checkPathParameters(destination, parameters.pathParameterValues().size());
        final Spec spec = new Spec(destination.arn(), new HttpParameters.Compiled(parameters));
        return Target.completing(id, (delivery, completion) ->
            dispatcher.submit(new HttpDispatcher.Call(spec, delivery, completion)));
    }

    private static void checkPathParameters(final ApiDestination destination, final int values) {
        if (destination.pathWildcards() != values) {
            throw new IllegalArgumentException("api destination " + destination.name() + ": InvocationEndpoint "
                + destination.invocationEndpoint() + " has " + destination.pathWildcards() + " path wildcards ('*') "
                + "but HttpParameters.PathParameterValues has " + values + " values");
        }
    }

    /** Builds a call's request from its destination, connection and parameters; on the agent's thread. */
    private void resolve(final HttpDispatcher.Call call) throws TargetException {
        final Spec spec = (Spec) call.target;
        final ApiDestination destination = destinations.get(spec.destinationArn());
        if (destination == null) {
            throw new TargetException(TargetException.NO_RESOURCE, "api destination " + spec.destinationArn()
                + " does not exist", false);
        }
        final Connection connection = connections.get(destination.connectionArn());
        if (connection == null) {
            throw new TargetException(TargetException.NO_RESOURCE, "connection " + destination.connectionArn()
                + " of api destination " + destination.name() + " does not exist", false);
        }
        if (connection.state() != Connection.State.AUTHORIZED) {
            throw new TargetException(TargetException.NO_PERMISSIONS, "connection " + connection.name() + " is "
                + connection.state() + (connection.stateReason() != null ? ": " + connection.stateReason() : ""),
                false);
        }
        if (destination.state() != ApiDestination.State.ACTIVE) {
            throw new TargetException(TargetException.NO_RESOURCE, "api destination " + destination.name() + " is "
                + destination.state(), false);
        }
        final byte[] event = eventBytes(call.delivery);
        final HttpParameters.Compiled parameters = spec.parameters();
        if (parameters.path.size() != destination.pathWildcards()) {
            throw new TargetException("INVALID_PARAMETER", "api destination " + destination.name()
                + ": InvocationEndpoint has " + destination.pathWildcards() + " path wildcards but the target gives "
                + parameters.path.size() + " PathParameterValues", false);
        }
        final StringBuilder url = new StringBuilder();
        final String endpoint = destination.invocationEndpoint();
        int wildcard = 0;
        for (int i = 0; i < endpoint.length(); i++) {
            final char c = endpoint.charAt(i);
            if (c == '*') {
                url.append(encodePath(required(parameters.path.get(wildcard),
                    "PathParameterValues[" + wildcard + "]", event)));
                wildcard++;
            } else {
                url.append(c);
            }
        }
        final Map<String, String> query = new LinkedHashMap<>();
        for (Map.Entry<String, HttpParameters.Value> q : parameters.query.entrySet()) {
            final String value = q.getValue().resolve(event, 0, event.length);
            if (value != null) {
                query.put(q.getKey(), value);
            }
        }
        connection.invocation().queryStrings().forEach(p -> query.put(p.key(), p.value()));
        if (!query.isEmpty()) {
            url.append(url.indexOf("?") >= 0 ? '&' : '?');
            boolean first = true;
            for (Map.Entry<String, String> q : query.entrySet()) {
                if (!first) {
                    url.append('&');
                }
                first = false;
                url.append(URLEncoder.encode(q.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(q.getValue(), StandardCharsets.UTF_8));
            }
        }
        call.uri = URI.create(url.toString());
        call.method = destination.httpMethod();
        call.body = call.delivery.payloadCopy();
        final Map<String, String> headers = new LinkedHashMap<>();
        final String authority = call.uri.getRawAuthority();
        headers.put("Host", authority);
        headers.put("User-Agent", HttpDispatcher.USER_AGENT);
        headers.put("Content-Type", HttpDispatcher.CONTENT_TYPE);
        headers.put("Range", "bytes=0-1048575");
        headers.put("Accept-Encoding", "gzip,deflate");
        for (Map.Entry<String, HttpParameters.Value> h : parameters.headers.entrySet()) {
            final String value = h.getValue().resolve(event, 0, event.length);
            if (value != null) {
                putHeader(headers, h.getKey(), value);
            }
        }
        connection.invocation().headers().forEach(p -> putHeader(headers, p.key(), p.value()));
        if (connection.authorization() instanceof Connection.Basic basic) {
            putHeader(headers, "Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                (basic.username() + ":" + basic.password()).getBytes(StandardCharsets.UTF_8)));
        } else if (connection.authorization() instanceof Connection.ApiKey key) {
            putHeader(headers, key.name(), key.value());
        }
        headers.put("Connection", "close");
        headers.put("Content-Length", Integer.toString(call.body.length));
        final List<Map.Entry<String, String>> list = new ArrayList<>(headers.size());
        headers.forEach((k, v) -> list.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        call.headers = list;
        call.laneKey = destination.arn();
        call.ratePerSecond = destination.rateLimitPerSecond();
        call.metrics = metrics.get(destination.arn());
    }

    /** Sets a header, replacing one of the same name in any letter case (the later source wins). */
    private static void putHeader(final Map<String, String> headers, final String name, final String value) {
        headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
        headers.put(name, value);
    }

    private static String required(final HttpParameters.Value value, final String field, final byte[] event)
        throws TargetException {
        final String resolved = value.resolve(event, 0, event.length);
        if (resolved == null || resolved.isEmpty()) {
            throw new TargetException("INVALID_PARAMETER", "HttpParameters." + field + " " + value.text()
                + " reaches nothing in the event", false);
        }
        return resolved;
    }

    private static String encodePath(final String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static byte[] eventBytes(final dev.eventrouter.target.Delivery delivery) {
        final byte[] bytes = new byte[delivery.event().capacity()];
        delivery.event().getBytes(0, bytes);
        return bytes;
    }

    private String arn(final String kind, final String name) {
        final UUID uuid = new UUID(ids.nextLong(), ids.nextLong());
        return "arn:aws:events:" + context.region + ":" + context.account + ":" + kind + "/" + name + "/" + uuid;
    }

    /** @return the dispatcher's finished duty cycles (tests). */
    long dispatcherCycles() {
        return dispatcher.cycles();
    }

    /** Stops the agent and the event loops; calls not answered yet fail as retryable. */
    @Override
    public void close() {
        runner.close();
    }
}
