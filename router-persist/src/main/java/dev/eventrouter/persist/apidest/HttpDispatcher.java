package dev.eventrouter.persist.apidest;

import dev.eventrouter.target.Completion;
import dev.eventrouter.target.TargetException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.NanoClock;

/**
 * Sends API destination calls: one duty-cycle agent (its own thread, the injected clock) queues each destination's
 * calls behind its rate limit and enforces the 5 second timeout; Netty event loops connect, write and read. One
 * connection per call with {@code Connection: close}, as EventBridge sends. Nothing blocks: the match and retry
 * threads only hand a call to the agent's inbox.
 *
 * <p>Failure paths: a call's outcome reaches its {@link Completion} exactly once (answer, timeout, connection
 * failure or close, whichever comes first). A throwable while building a request fails that call ({@code
 * INTERNAL_ERROR}, retryable; an Error is rethrown afterwards to the agent's error handler, and the agent goes on
 * with the next cycle); one while starting it leaves the call in flight, so the timeout fails it. A slow endpoint
 * holds only its own calls (5 s at most); a dead one fails them at connect. Close fails every call not answered yet
 * as retryable, so the router retries or reports it.
 */
final class HttpDispatcher implements Agent {
    /** EventBridge's client timeout for API destinations. */
    static final long TIMEOUT_MILLIS = 5_000;
    static final String USER_AGENT = "Amazon/EventBridge/ApiDestinations";
    static final String CONTENT_TYPE = "application/json; charset=utf-8";
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final int MAX_CAPTURED_BODY = 64 * 1024;
    /** The failure of a call that was not sent before close (retryable: the router retries it or reports it). */
    private static final TargetException CLOSED = new TargetException(TargetException.THROTTLING,
        "API destinations closed", true);

    private final ManyToOneConcurrentLinkedQueue<Call> inbox = new ManyToOneConcurrentLinkedQueue<>();
    private final Map<String, Lane> lanes = new HashMap<>();
    /**
     * Calls started, oldest first (they start in clock order): the timeout scan stops at the first one still within
     * its time, so a cycle costs the calls that ended or timed out, not every call in flight.
     */
    private final ArrayDeque<Call> inFlight = new ArrayDeque<>();
    private final EpochClock clock;
    private final NanoClock nanoClock;
    private final MultiThreadIoEventLoopGroup loops;
    private final SslContext tls;
    private final Resolver resolver;
    private volatile boolean closed;
    /** Lanes held after the last duty cycle (tests). */
    private volatile int laneCount;
    /** Duty cycles finished: a test that moved the clock waits for a whole cycle after the move. */
    private volatile long cycles;

    /**
     * @param trust the certificates HTTPS endpoints are checked against, or {@code null} for the JVM's trust store;
     *              host names are checked against the certificate either way.
     */
    HttpDispatcher(final EpochClock clock, final NanoClock nanoClock, final int ioThreads,
                   final javax.net.ssl.TrustManagerFactory trust, final Resolver resolver) {
        this.resolver = resolver;
        this.clock = clock;
        this.nanoClock = nanoClock;
        loops = new MultiThreadIoEventLoopGroup(ioThreads, new io.netty.util.concurrent.DefaultThreadFactory(
            "eventrouter-apidest-io", true), NioIoHandler.newFactory());
        try {
            final SslContextBuilder builder = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
            tls = (trust == null ? builder : builder.trustManager(trust)).build();
        } catch (javax.net.ssl.SSLException e) {
            loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot set up TLS for API destinations: " + e.getMessage(), e);
        }
    }

    /** Turns a call's target and delivery into its request, on the agent's thread. */
    interface Resolver {
        /**
         * Fills {@code call}'s request fields ({@link Call#laneKey} onwards).
         *
         * @return {@code false} when the call must wait (for an OAuth token): the resolver submits it again later.
         * @throws TargetException when the call cannot be made (the destination or its connection is gone or not
         *                         authorized, the parameters do not fit the endpoint).
         */
        boolean resolve(Call call) throws TargetException;

        /** The endpoint answered 401 or 407 to a call made with an OAuth token: the token is no longer good. */
        void unauthorized(Call call);
    }

    /**
     * One call: handed over by the target's handler with its delivery (valid until the completion) and resolved into
     * a request on the agent's thread, so the match thread pays only for the hand-over.
     */
    static final class Call {
        final Object target;
        final dev.eventrouter.target.Delivery delivery;
        final Completion completion;
        /** 1 once settled (answered, failed, timed out or closed): the first to set it completes the call. */
        private volatile int finished;
        /** Set for calls built complete (token requests): the resolver is skipped. */
        boolean resolved;
        /** Keep the answer's body (up to 64 KiB) in {@link #responseBody}. */
        boolean captureBody;
        byte[] responseBody;
        /** The OAuth token the call carries, or null. */
        Object oauthToken;
        String laneKey;
        int ratePerSecond;
        URI uri;
        String method;
        List<Map.Entry<String, String>> headers;
        byte[] body;
        DestinationMetrics metrics;
        long queuedAtMillis;
        long startMillis;
        long startNanos;
        volatile Channel channel;

        Call(final Object target, final dev.eventrouter.target.Delivery delivery, final Completion completion) {
            this.target = target;
            this.delivery = delivery;
            this.completion = completion;
        }

        String target() {
            return method + " " + uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
        }

        /** @return whether this caller settled the call (it completes it); {@code false} when it was settled already. */
        boolean finish() {
            return FINISHED.compareAndSet(this, 0, 1);
        }

        boolean isFinished() {
            return finished != 0;
        }

        /** A field updater rather than an AtomicBoolean: one object less per hand-off on the delivering thread. */
        private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Call> FINISHED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Call.class, "finished");
    }

    /** A destination's waiting calls and the earliest time (nanoseconds of the injected clock) the next may go. */
    private static final class Lane {
        final ArrayDeque<Call> waiting = new ArrayDeque<>();
        long nextNanos = Long.MIN_VALUE;
    }

    /** Hands a call over. Any thread; never blocks. */
    void submit(final Call call) {
        if (closed) {
            fail(call, CLOSED, 0);
            return;
        }
        inbox.offer(call);
        if (closed) {
            failQueued();   // closed while this call was being offered: the agent will not see it
        }
    }

    /** Fails whatever is in the inbox once closed (the agent no longer reads it; one consumer at a time). */
    private void failQueued() {
        synchronized (inbox) {
            Call call;
            while ((call = inbox.poll()) != null) {
                fail(call, CLOSED, 0);
            }
        }
    }

    @Override
    public int doWork() {
        final long now = clock.time();
        int work = 0;
        Call call;
        while ((call = inbox.poll()) != null) {
            work++;
            try {
                if (!call.resolved && !resolver.resolve(call)) {
                    continue;   // parked until its connection has a token
                }
            } catch (TargetException e) {
                fail(call, e, 0);
                continue;
            } catch (Throwable e) {
                // a defect (or an Error) while building this request fails this call only, retryable
                fail(call, new TargetException("INTERNAL_ERROR", "cannot make the request: " + e, true), 0);
                if (e instanceof Error error) {
                    throw error;   // after the call is settled; the agent's error handler reports it, the rest wait
                }
                continue;
            }
            call.queuedAtMillis = now;
            if (call.laneKey == null) {
                start(call, now);   // not rate limited (token requests)
                continue;
            }
            final Lane lane = lanes.computeIfAbsent(call.laneKey, k -> new Lane());
            if (lane.waiting.isEmpty() && lane.nextNanos < now * 1_000_000) {
                lane.nextNanos = now * 1_000_000;   // an idle lane earns no credit for a burst
            }
            lane.waiting.add(call);
        }
        final long nowNanos = now * 1_000_000;
        for (java.util.Iterator<Lane> it = lanes.values().iterator(); it.hasNext();) {
            final Lane lane = it.next();
            if (lane.waiting.isEmpty() && lane.nextNanos <= nowNanos) {
                // nothing waits and its pacing is over: a new lane would behave the same, so a destination that
                // stopped getting calls (or was deleted) holds no state
                it.remove();
                continue;
            }
            while (!lane.waiting.isEmpty() && lane.nextNanos <= nowNanos) {
                final Call next = lane.waiting.poll();
                // the period rounds up, so no call ever goes before its time at the configured rate
                lane.nextNanos += (SECOND_NANOS + next.ratePerSecond - 1) / next.ratePerSecond;
                if (next.queuedAtMillis < now) {
                    next.metrics.rateLimited.increment();
                }
                start(next, now);
                work++;
            }
        }
        Call oldest;
        while ((oldest = inFlight.peek()) != null) {
            if (!oldest.isFinished()) {
                if (now - oldest.startMillis < TIMEOUT_MILLIS) {
                    break;   // the others started no earlier
                }
                timedOut(oldest);
            }
            inFlight.poll();
            work++;
        }
        laneCount = lanes.size();
        cycles++;   // single writer: the agent
        return work;
    }

    private static void timedOut(final Call call) {
        if (call.finish()) {
            call.metrics.timeouts.increment();
            final Channel channel = call.channel;
            if (channel != null) {
                channel.close();
            }
            call.completion.failed(new TargetException(TargetException.TIMEOUT, "no answer within " + TIMEOUT_MILLIS
                + " ms from " + call.target(), true));
        }
    }

    /** @return the destinations with calls waiting or still paced, as of the last duty cycle (tests). */
    int lanes() {
        return laneCount;
    }

    /** @return duty cycles finished so far (for tests: a cycle that began after a clock change has seen it). */
    long cycles() {
        return cycles;
    }

    private void start(final Call call, final long now) {
        call.startMillis = now;
        call.startNanos = nanoClock.nanoTime();
        inFlight.add(call);
        call.metrics.invocations.increment();
        if (call.delivery != null && call.delivery.attempt() > 1) {
            call.metrics.retries.increment();
        }
        try {
            final boolean secure = "https".equals(call.uri.getScheme());
            final int port = call.uri.getPort() > 0 ? call.uri.getPort() : secure ? 443 : 80;
            final Bootstrap bootstrap = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        if (secure) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), call.uri.getHost(), port));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new Answer(call));
                    }
                });
            bootstrap.connect(call.uri.getHost(), port).addListener((ChannelFutureListener) connected -> {
                if (!connected.isSuccess()) {
                    connectionFailed(call, "cannot connect to " + call.target() + ": " + connected.cause());
                    return;
                }
                call.channel = connected.channel();
                if (call.isFinished()) {
                    connected.channel().close();   // timed out or closed while connecting
                    return;
                }
                connected.channel().writeAndFlush(request(call)).addListener((ChannelFutureListener) written -> {
                    if (!written.isSuccess()) {
                        connectionFailed(call, failure("cannot send to ", call, written.cause()));
                        written.channel().close();
                    }
                });
            });
        } catch (RuntimeException e) {
            connectionFailed(call, "cannot send to " + call.target() + ": " + e);
        }
    }

    private static FullHttpRequest request(final Call call) {
        final String path = call.uri.getRawPath().isEmpty() ? "/" : call.uri.getRawPath();
        final String target = call.uri.getRawQuery() == null ? path : path + "?" + call.uri.getRawQuery();
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
            HttpMethod.valueOf(call.method), target, Unpooled.wrappedBuffer(call.body));
        for (Map.Entry<String, String> header : call.headers) {
            request.headers().add(header.getKey(), header.getValue());
        }
        return request;
    }

    /**
     * @return what went wrong on a connection: a TLS failure (an untrusted certificate, a host name the certificate
     *         is not for, no common protocol) says so with the TLS layer's reason; anything else as {@code what}
     *         the call's target and the cause.
     */
    static String failure(final String what, final Call call, final Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                Throwable root = t;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                return "TLS with " + call.target() + " failed: " + t.getMessage()
                    + (root != t && root.getMessage() != null && !t.getMessage().contains(root.getMessage())
                        ? " (" + root.getMessage() + ")" : "");
            }
        }
        return what + call.target() + ": " + cause;
    }

    private static void connectionFailed(final Call call, final String message) {
        if (call.finish()) {
            call.metrics.connectionFailures.increment();
            call.completion.failed(new TargetException("CONNECTION_FAILURE", message, true));
        }
    }

    static void fail(final Call call, final TargetException failure, final long retryAfterMillis) {
        if (call.finish()) {
            call.completion.failed(failure, retryAfterMillis);
        }
    }

    /** Reads one answer: its status and {@code Retry-After}; the body is discarded unless the call captures it. */
    private final class Answer extends SimpleChannelInboundHandler<HttpObject> {
        private final Call call;
        private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        private HttpResponse response;

        Answer(final Call call) {
            this.call = call;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                response = r;
            }
            if (call.captureBody && msg instanceof io.netty.handler.codec.http.HttpContent content) {
                final io.netty.buffer.ByteBuf bytes = content.content();
                final int room = MAX_CAPTURED_BODY - body.size();
                if (room > 0) {
                    final byte[] chunk = new byte[Math.min(room, bytes.readableBytes())];
                    bytes.getBytes(bytes.readerIndex(), chunk);
                    body.write(chunk, 0, chunk.length);
                }
            }
            if (msg instanceof LastHttpContent && response != null) {
                if (call.captureBody) {
                    call.responseBody = body.toByteArray();
                }
                answered(response);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            connectionFailed(call, "the connection to " + call.target() + " closed before the answer");
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            connectionFailed(call, failure("reading the answer of ", call, cause));
            ctx.close();
        }

        private void answered(final HttpResponse answer) {
            if (!call.finish()) {
                return;
            }
            final int status = answer.status().code();
            call.metrics.latencyMicros.recordValue(Math.max(0, (nanoClock.nanoTime() - call.startNanos) / 1_000));
            if (status >= 200 && status < 300) {
                call.metrics.successes.increment();
                call.completion.succeeded();
                return;
            }
            final String message = "HTTP " + status + " " + answer.status().reasonPhrase() + " from "
                + call.target();
            if ((status == 401 || status == 407) && call.oauthToken != null) {
                // EventBridge refreshes the OAuth token on 401 and 407; the retry carries the new one
                call.metrics.clientErrors.increment();
                resolver.unauthorized(call);
                call.completion.failed(new TargetException("SDK_CLIENT_ERROR", message + " (the OAuth token is "
                    + "fetched again for the retry)", true));
                return;
            }
            if (status == 429 || status >= 500) {
                (status == 429 ? call.metrics.throttledResponses : call.metrics.serverErrors).increment();
                final String code = status == 429 ? TargetException.THROTTLING : "SDK_CLIENT_ERROR";
                final long retryAfter = retryAfterMillis(answer.headers().get("Retry-After"), clock.time());
                if (retryAfter < 0) {
                    call.completion.failed(new TargetException(code, message + " (a negative Retry-After stops "
                        + "retries)", false));
                } else {
                    call.completion.failed(new TargetException(code, message, true), retryAfter);
                }
                return;
            }
            (status >= 400 ? call.metrics.clientErrors : call.metrics.otherFailures).increment();
            call.completion.failed(new TargetException("SDK_CLIENT_ERROR", message, false));
        }
    }

    /**
     * @return the least wait a {@code Retry-After} asks for: seconds, or an HTTP date relative to {@code nowMillis};
     *         0 when absent or unreadable; negative when it asks to stop retrying.
     */
    static long retryAfterMillis(final String value, final long nowMillis) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        final String text = value.trim();
        try {
            final long seconds = Long.parseLong(text);
            return seconds < 0 ? -1 : Math.multiplyExact(seconds, 1000L);
        } catch (NumberFormatException | ArithmeticException e) {
            // not a number of seconds: an HTTP date
        }
        try {
            final long at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, at - nowMillis);
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    /** Fails every call not answered yet (retryable) and stops the event loops. */
    @Override
    public void onClose() {
        closed = true;
        failQueued();
        Call call;
        for (Lane lane : lanes.values()) {
            while ((call = lane.waiting.poll()) != null) {
                fail(call, CLOSED, 0);
            }
        }
        for (Call flying : inFlight) {
            if (flying.finish()) {
                final Channel channel = flying.channel;
                if (channel != null) {
                    channel.close();
                }
                flying.completion.failed(new TargetException(TargetException.THROTTLING,
                    "API destinations closed before " + flying.target() + " answered", true));
            }
        }
        inFlight.clear();
        loops.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        failQueued();
    }

    @Override
    public String roleName() {
        return "eventrouter-apidest";
    }
}
