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
    /** The OAuth token state of each OAuth connection, by ARN. */
    private final Map<String, Tokens> tokens = new ConcurrentHashMap<>();
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
        private javax.net.ssl.TrustManagerFactory trust;

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

        /**
         * @param value the certificates HTTPS endpoints (and OAuth token endpoints) are checked against, for
         *              endpoints whose certificate a private CA signed; default {@code null}: the JVM's trust store.
         *              The host name is always checked against the certificate.
         */
        public Context trustManagerFactory(final javax.net.ssl.TrustManagerFactory value) {
            trust = value;
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
        dispatcher = new HttpDispatcher(context.clock, context.nanoClock, context.ioThreads, context.trust,
            new HttpDispatcher.Resolver() {
                @Override
                public boolean resolve(final HttpDispatcher.Call call) throws TargetException {
                    return ApiDestinations.this.resolve(call);
                }

                @Override
                public void unauthorized(final HttpDispatcher.Call call) {
                    final TokenUse use = (TokenUse) call.oauthToken;
                    synchronized (use.tokens()) {
                        if (use.token().equals(use.tokens().token)) {
                            use.tokens().token = null;
                        }
                    }
                }
            });
        runner = new AgentRunner(context.idleStrategy, Throwable::printStackTrace, null, dispatcher);
        AgentRunner.startOnThread(runner);
    }

    /** @return started API destinations with these settings. */
    public static ApiDestinations start(final Context context) {
        return new ApiDestinations(context);
    }

    // ---- connections -----------------------------------------------------------------------------------------

    /**
     * Creates a connection. BASIC and API_KEY connections are AUTHORIZED at once; an OAuth connection is AUTHORIZING
     * until its first token arrives (requested now), then AUTHORIZED, or DEAUTHORIZED when the token request fails.
     *
     * @throws IllegalArgumentException naming the field that is wrong, or when the name is taken.
     */
    public synchronized Connection createConnection(final String name, final String description,
                                                    final Connection.Authorization authorization,
                                                    final Connection.InvocationParameters invocation) {
        if (findConnection(name) != null) {
            throw new dev.eventrouter.bus.ResourceExistsException("connection " + name + " already exists");
        }
        final Instant now = Instant.ofEpochMilli(context.clock.time());
        final boolean oauth = authorization instanceof Connection.OAuth;
        final Connection created = new Connection(name, arn("connection", name), description, authorization,
            invocation, oauth ? Connection.State.AUTHORIZING : Connection.State.AUTHORIZED, null, now, now,
            oauth ? null : now);
        connections.put(created.arn(), created);
        if (oauth) {
            authorize(created);
        }
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
        final Connection.Authorization auth = authorization != null ? authorization : current.authorization();
        final boolean reauthorize = authorization != null;
        final boolean oauth = auth instanceof Connection.OAuth;
        final Connection.State state = !reauthorize ? current.state()
            : oauth ? Connection.State.AUTHORIZING : Connection.State.AUTHORIZED;
        final Connection updated = new Connection(current.name(), current.arn(),
            description != null ? description : current.description(), auth,
            invocation != null ? invocation : current.invocation(), state, reauthorize ? null : current.stateReason(),
            current.creationTime(), now, reauthorize && !oauth ? now : current.lastAuthorizedTime());
        connections.put(updated.arn(), updated);
        if (reauthorize) {
            tokens.remove(updated.arn());
            if (oauth) {
                authorize(updated);
            }
        }
        return updated;
    }

    /** Deauthorizes a connection: calls through it fail (not retried) until it is updated with credentials. */
    public synchronized Connection deauthorizeConnection(final String nameOrArn) {
        final Connection current = connection(nameOrArn);
        tokens.remove(current.arn());
        return setState(current, Connection.State.DEAUTHORIZED, "deauthorized by DeauthorizeConnection", null);
    }

    private Connection setState(final Connection current, final Connection.State state, final String reason,
                                final Instant authorizedAt) {
        final Connection changed = new Connection(current.name(), current.arn(), current.description(),
            current.authorization(), current.invocation(), state, reason, current.creationTime(),
            Instant.ofEpochMilli(context.clock.time()), authorizedAt != null ? authorizedAt
            : current.lastAuthorizedTime());
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
            throw new dev.eventrouter.bus.NoSuchResourceException(kind + " " + nameOrArn + " does not exist");
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
            throw new dev.eventrouter.bus.ResourceExistsException("api destination " + name + " already exists");
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
            throw new dev.eventrouter.bus.NoSuchResourceException("api destination " + nameOrArn + " does not exist");
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
            dispatcher.submit(new HttpDispatcher.Call(spec, delivery, completion))).withArn(destination.arn());
    }

    private static void checkPathParameters(final ApiDestination destination, final int values) {
        if (destination.pathWildcards() != values) {
            throw new IllegalArgumentException(pathMismatch(destination, values));
        }
    }

    private static String pathMismatch(final ApiDestination destination, final int values) {
        return "api destination " + destination.name() + ": InvocationEndpoint " + destination.invocationEndpoint()
            + " has " + destination.pathWildcards() + " path wildcards ('*') but HttpParameters.PathParameterValues "
            + "has " + values + " values";
    }

    /** Builds a call's request from its destination, connection and parameters; on the agent's thread. */
    private boolean resolve(final HttpDispatcher.Call call) throws TargetException {
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
        final boolean oauth = connection.authorization() instanceof Connection.OAuth;
        if (connection.state() != Connection.State.AUTHORIZED
            && !(oauth && connection.state() == Connection.State.AUTHORIZING)) {
            throw deauthorized(connection);
        }
        if (destination.state() != ApiDestination.State.ACTIVE) {
            throw new TargetException(TargetException.NO_RESOURCE, "api destination " + destination.name() + " is "
                + destination.state(), false);
        }
        String bearer = null;
        if (oauth) {
            final Tokens state = tokens.computeIfAbsent(connection.arn(), Tokens::new);
            synchronized (state) {
                if (state.token == null || context.clock.time() >= state.refreshAtMillis) {
                    state.waiting.add(call);
                    fetchUnlessFetching(connection, state);
                    return false;
                }
                bearer = state.token;
                call.oauthToken = new TokenUse(state, bearer);
            }
        }
        // the event is read in place: the delivery (a flight's copy) stays valid until the call completes
        final org.agrona.DirectBuffer eventBuffer = call.delivery.event();
        final byte[] event = eventBuffer.byteArray();
        final int eventOffset = (int) eventBuffer.wrapAdjustment();
        final int eventLength = eventBuffer.capacity();
        final HttpParameters.Compiled parameters = spec.parameters();
        if (parameters.path.size() != destination.pathWildcards()) {   // the endpoint changed since the target
            throw new TargetException("INVALID_PARAMETER", pathMismatch(destination, parameters.path.size()), false);
        }
        final StringBuilder url = new StringBuilder();
        final String endpoint = destination.invocationEndpoint();
        int wildcard = 0;
        for (int i = 0; i < endpoint.length(); i++) {
            final char c = endpoint.charAt(i);
            if (c == '*') {
                url.append(encodePath(required(parameters.path.get(wildcard),
                    "PathParameterValues[" + wildcard + "]", event, eventOffset, eventLength)));
                wildcard++;
            } else {
                url.append(c);
            }
        }
        final Map<String, String> query = new LinkedHashMap<>();
        for (Map.Entry<String, HttpParameters.Value> q : parameters.query.entrySet()) {
            final String value = q.getValue().resolve(event, eventOffset, eventLength);
            if (value != null) {
                query.put(q.getKey(), value);
            }
        }
        connection.invocation().queryStrings().forEach(p -> query.put(p.key(), p.value()));
        appendQuery(url, query);
        try {
            call.uri = URI.create(url.toString());
        } catch (IllegalArgumentException e) {
            throw new TargetException("INVALID_PARAMETER", "api destination " + destination.name()
                + ": the parameters make an invalid URL: " + e.getMessage(), false);
        }
        call.method = destination.httpMethod();
        call.body = call.delivery.payloadCopy();
        final Map<String, String> headers = new LinkedHashMap<>();
        final String authority = call.uri.getRawAuthority();
        headers.put("Host", authority);
        headers.put("User-Agent", HttpDispatcher.USER_AGENT);
        headers.put("Content-Type", HttpDispatcher.CONTENT_TYPE);
        headers.put("Range", "bytes=0-1048575");
        headers.put("Accept-Encoding", "gzip,deflate");
        if (call.delivery.traceHeaderLength() > 0) {
            // PutEvents' TraceHeader travels on as the X-Ray header
            headers.put("X-Amzn-Trace-Id", call.delivery.traceHeaderAsString());
        }
        for (Map.Entry<String, HttpParameters.Value> h : parameters.headers.entrySet()) {
            final String value = h.getValue().resolve(event, eventOffset, eventLength);
            if (value != null) {
                putHeader(headers, h.getKey(), sendable(h.getKey(), h.getValue(), value));
            }
        }
        connection.invocation().headers().forEach(p -> putHeader(headers, p.key(), p.value()));
        if (connection.authorization() instanceof Connection.Basic basic) {
            putHeader(headers, "Authorization", basicAuthorization(basic.username(), basic.password()));
        } else if (connection.authorization() instanceof Connection.ApiKey key) {
            putHeader(headers, key.name(), key.value());
        } else if (bearer != null) {
            putHeader(headers, "Authorization", "Bearer " + bearer);
        }
        headers.put("Connection", "close");
        headers.put("Content-Length", Integer.toString(call.body.length));
        call.headers = entries(headers);
        call.laneKey = destination.arn();
        call.ratePerSecond = destination.rateLimitPerSecond();
        call.metrics = metrics.get(destination.arn());
        return true;
    }

    /** @return {@code Basic base64(user:secret)} (RFC 7617). */
    private static String basicAuthorization(final String user, final String secret) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + secret)
            .getBytes(StandardCharsets.UTF_8));
    }

    private static TargetException deauthorized(final Connection connection) {
        return new TargetException(TargetException.NO_PERMISSIONS, "connection " + connection.name() + " is "
            + connection.state() + (connection.stateReason() != null ? ": " + connection.stateReason() : ""), false);
    }

    // ---- OAuth -----------------------------------------------------------------------------------------------

    /** An OAuth connection's token, when to fetch the next one, and the calls waiting for it. Guarded by itself. */
    private static final class Tokens {
        final String connectionArn;
        final DestinationMetrics metrics = new DestinationMetrics();
        final List<HttpDispatcher.Call> waiting = new ArrayList<>();
        String token;
        long refreshAtMillis;
        boolean fetching;

        Tokens(final String connectionArn) {
            this.connectionArn = connectionArn;
        }
    }

    /** The token a call carries, to forget it when the endpoint refuses it. */
    private record TokenUse(Tokens tokens, String token) {
    }

    /** Starts the first token request of a new or re-authorized OAuth connection. */
    private void authorize(final Connection connection) {
        final Tokens state = tokens.computeIfAbsent(connection.arn(), Tokens::new);
        synchronized (state) {
            fetchUnlessFetching(connection, state);
        }
    }

    /** Sends a token request unless one is out: calls needing a token share it. Holding {@code state}'s lock. */
    private void fetchUnlessFetching(final Connection connection, final Tokens state) {
        if (!state.fetching) {
            state.fetching = true;
            fetchToken(connection, state);
        }
    }

    /** Sends the token request (RFC 6749 §4.4, client credentials in HTTP Basic); one at a time per connection. */
    private void fetchToken(final Connection connection, final Tokens state) {
        final Connection.OAuth oauth = (Connection.OAuth) connection.authorization();
        final TokenAnswer answer = new TokenAnswer(state);
        final HttpDispatcher.Call call = new HttpDispatcher.Call(null, null, answer);
        answer.call = call;
        final StringBuilder url = new StringBuilder(oauth.authorizationEndpoint());
        appendQuery(url, parameterMap(oauth.parameters().queryStrings()));
        call.uri = URI.create(url.toString());
        call.method = oauth.httpMethod();
        final Map<String, String> form = parameterMap(oauth.parameters().bodies());
        call.body = form.isEmpty() ? new byte[0] : formEncode(form).getBytes(StandardCharsets.UTF_8);
        final Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", call.uri.getRawAuthority());
        headers.put("User-Agent", HttpDispatcher.USER_AGENT);
        headers.put("Accept", "application/json");
        if (!form.isEmpty()) {
            headers.put("Content-Type", "application/x-www-form-urlencoded");
        }
        oauth.parameters().headers().forEach(p -> putHeader(headers, p.key(), p.value()));
        putHeader(headers, "Authorization", basicAuthorization(oauth.clientId(), oauth.clientSecret()));
        headers.put("Connection", "close");
        headers.put("Content-Length", Integer.toString(call.body.length));
        call.headers = entries(headers);
        call.resolved = true;
        call.captureBody = true;
        call.laneKey = null;   // token requests do not count against a destination's rate
        call.metrics = state.metrics;
        dispatcher.submit(call);
    }

    /** The outcome of a token request: the token for the waiting calls, or a deauthorized connection. */
    private final class TokenAnswer implements dev.eventrouter.target.Completion {
        private final Tokens state;
        private HttpDispatcher.Call call;

        TokenAnswer(final Tokens state) {
            this.state = state;
        }

        /**
         * Moves the connection to {@code next}, unless it was deleted or re-authorized since this request (its
         * token state replaced).
         *
         * @return the connection as changed, or null.
         */
        private Connection moveConnection(final Connection.State next, final String reason, final Instant at) {
            synchronized (ApiDestinations.this) {
                final Connection current = connections.get(state.connectionArn);
                return current != null && tokens.get(state.connectionArn) == state
                    ? setState(current, next, reason, at) : null;
            }
        }

        @Override
        public void succeeded() {
            final String token;
            final long lifetimeMillis;
            try {
                final com.fasterxml.jackson.databind.JsonNode answer = TOKEN_JSON.readTree(body());
                final com.fasterxml.jackson.databind.JsonNode accessToken = answer == null ? null
                    : answer.get("access_token");
                if (accessToken == null || !accessToken.isTextual() || accessToken.asText().isEmpty()) {
                    failed("the answer has no access_token");
                    return;
                }
                token = accessToken.asText();
                final com.fasterxml.jackson.databind.JsonNode expires = answer.get("expires_in");
                lifetimeMillis = expires != null && expires.canConvertToLong() && expires.asLong() > 0
                    ? expires.asLong() * 1000 : -1;
            } catch (java.io.IOException | RuntimeException e) {
                failed("the answer is not JSON");
                return;
            }
            final long now = context.clock.time();
            final List<HttpDispatcher.Call> ready;
            synchronized (state) {
                state.token = token;
                // fetched again shortly before it expires: a tenth of its lifetime early, at most a minute
                state.refreshAtMillis = lifetimeMillis < 0 ? Long.MAX_VALUE
                    : now + lifetimeMillis - Math.min(60_000, lifetimeMillis / 10);
                state.fetching = false;
                ready = new ArrayList<>(state.waiting);
                state.waiting.clear();
            }
            moveConnection(Connection.State.AUTHORIZED, null, Instant.ofEpochMilli(now));
            ready.forEach(dispatcher::submit);
        }

        @Override
        public void failed(final TargetException failure, final long retryAfterMillis) {
            failed(failure.getMessage());
        }

        private void failed(final String why) {
            final String reason = "the OAuth token request failed: " + why;
            final List<HttpDispatcher.Call> refused;
            synchronized (state) {
                state.token = null;
                state.fetching = false;
                refused = new ArrayList<>(state.waiting);
                state.waiting.clear();
            }
            final Connection deauthorized = moveConnection(Connection.State.DEAUTHORIZED, reason, null);
            final TargetException refusal = deauthorized != null ? deauthorized(deauthorized)
                : new TargetException(TargetException.NO_PERMISSIONS, reason, false);
            refused.forEach(c -> HttpDispatcher.fail(c, refusal, 0));
        }

        private byte[] body() {
            return call.responseBody == null ? new byte[0] : call.responseBody;
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper TOKEN_JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    private static Map<String, String> parameterMap(final List<Connection.Parameter> parameters) {
        final Map<String, String> map = new LinkedHashMap<>();
        parameters.forEach(p -> map.put(p.key(), p.value()));
        return map;
    }

    /** Appends {@code ?k=v&...} (or {@code &...} after an existing query), URL-encoded. */
    private static void appendQuery(final StringBuilder url, final Map<String, String> query) {
        if (!query.isEmpty()) {
            url.append(url.indexOf("?") >= 0 ? '&' : '?').append(formEncode(query));
        }
    }

    private static String formEncode(final Map<String, String> values) {
        final StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return out.toString();
    }

    private static List<Map.Entry<String, String>> entries(final Map<String, String> headers) {
        final List<Map.Entry<String, String>> list = new ArrayList<>(headers.size());
        headers.forEach((k, v) -> list.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        return list;
    }

    /**
     * @return a header value read from the event, when HTTP can carry it (tabs and visible ASCII).
     * @throws TargetException naming the parameter (not its value), not retryable: the event will not change.
     */
    private static String sendable(final String header, final HttpParameters.Value parameter, final String value)
        throws TargetException {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7E)) {
                throw new TargetException("INVALID_PARAMETER", "HttpParameters.HeaderParameters." + header + " "
                    + parameter.text() + ": character " + i + " of the event's value (U+" + String.format("%04X",
                    (int) c) + ") cannot be sent in an HTTP header", false);
            }
        }
        return value;
    }

    /** Sets a header, replacing one of the same name in any letter case (the later source wins). */
    private static void putHeader(final Map<String, String> headers, final String name, final String value) {
        headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
        headers.put(name, value);
    }

    private static String required(final HttpParameters.Value value, final String field, final byte[] event,
                                   final int offset, final int length) throws TargetException {
        final String resolved = value.resolve(event, offset, length);
        if (resolved == null || resolved.isEmpty()) {
            throw new TargetException("INVALID_PARAMETER", "HttpParameters." + field + " " + value.text()
                + " reaches nothing in the event", false);
        }
        return resolved;
    }

    private static String encodePath(final String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private String arn(final String kind, final String name) {
        final UUID uuid = new UUID(ids.nextLong(), ids.nextLong());
        return "arn:aws:events:" + context.region + ":" + context.account + ":" + kind + "/" + name + "/" + uuid;
    }

    /** @return the rate-limit lanes the dispatcher holds (tests). */
    int dispatcherLanes() {
        return dispatcher.lanes();
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
