package dev.eventrouter.persist.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.EntryError;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.target.EventHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * EventBridge's wire protocol over HTTP (AWS JSON 1.1: {@code POST /}, {@code X-Amz-Target: AWSEvents.<Op>}) on
 * Netty, in front of a {@link Router}. PutEvents runs on the event-loop thread that read it (the router's publish
 * path never waits here: a full router answers {@code ThrottlingException} per entry); the other operations run on
 * one control thread, in arrival order, so rule compilation never stalls an event loop. Requests over
 * {@link #MAX_REQUEST_BYTES} are answered 413 without being buffered. See {@code docs/serve.md}.
 *
 * <p>Threads: the acceptor and event-loop threads (Netty) and the control thread. A throwable from an operation is
 * answered as {@code InternalException} (500) and the connection goes on; {@link #close} stops accepting, waits for
 * requests in flight, and closes every connection; it does not close the router.
 */
public final class EventsServer implements AutoCloseable {
    /**
     * The largest request body accepted: ten PutEvents entries of almost 1 MiB each, their Detail escaped as JSON
     * strings (a quote takes two bytes), plus the JSON around them. A body over it is answered 413 unread.
     */
    public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    private static final String TARGET_PREFIX = "AWSEvents.";
    /** The name prefix of the event-loop threads (benchmarks count their allocation). */
    public static final String IO_THREAD_PREFIX = "eventrouter-serve-io";

    private final EventsApi api;
    private final ServerMetrics metrics;
    private final SigV4Verifier verifier;
    private final Principal anonymous;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService control;
    /** PutEvents callers waiting for a distributed bus's log: at most this many requests in flight at once. */
    static final int PUT_THREADS = 32;
    /** Runs PutEvents when distributed buses are served (it then blocks on Kafka), else {@code null}. */
    private volatile ExecutorService puts;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final InFlight awaiting = new InFlight();
    /** Sets up each HTTP/2 stream's child channel: frames to one aggregated request, answered by the handler. */
    private final ChannelInitializer<Channel> streams;
    private final Channel server;

    private EventsServer(final Router router, final InetSocketAddress address, final Credentials credentials,
                         final Principal anonymous, final Clock clock, final int threads,
                         final AwsTargets targets) {
        this.api = new EventsApi(router, targets);
        this.metrics = new ServerMetrics(router);
        this.verifier = credentials == null ? null : new SigV4Verifier(credentials, clock);
        this.anonymous = anonymous;
        boss = new MultiThreadIoEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory(
            "eventrouter-serve-accept", true), NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(
            IO_THREAD_PREFIX, true), NioIoHandler.newFactory());
        control = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "eventrouter-serve-control");
            t.setDaemon(true);
            return t;
        });
        final Handler handler = new Handler();
        streams = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(final Channel stream) {
                stream.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(true),
                    new HttpObjectAggregator(MAX_REQUEST_BYTES), handler);
            }
        };
        server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
            .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(final SocketChannel ch) {
                    channels.add(ch);
                    // HTTP/1.1 keep-alive, or HTTP/2 cleartext: by prior knowledge (the connection preface) or by an
                    // Upgrade: h2c request; each HTTP/2 stream becomes a child channel with the same handler
                    final HttpServerCodec codec = new HttpServerCodec();
                    final io.netty.handler.codec.http.HttpServerUpgradeHandler upgrade =
                        new io.netty.handler.codec.http.HttpServerUpgradeHandler(codec, protocol ->
                            io.netty.util.AsciiString.contentEquals(
                                io.netty.handler.codec.http2.Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                ? new io.netty.handler.codec.http2.Http2ServerUpgradeCodec(http2(),
                                    new io.netty.handler.codec.http2.Http2MultiplexHandler(streams))
                                : null, MAX_REQUEST_BYTES);
                    ch.pipeline().addLast(new io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler(codec,
                        upgrade, new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(final Channel http2) {
                                http2.pipeline().addLast(http2(),
                                    new io.netty.handler.codec.http2.Http2MultiplexHandler(streams));
                            }
                        }), new HttpServerKeepAliveHandler(), new HttpObjectAggregator(MAX_REQUEST_BYTES), handler);
                }
            }).bind(address).syncUninterruptibly().channel();
        channels.add(server);
    }

    /** @return an HTTP/2 frame codec for one connection (server side; the same body limit as HTTP/1.1). */
    private static io.netty.handler.codec.http2.Http2FrameCodec http2() {
        return io.netty.handler.codec.http2.Http2FrameCodecBuilder.forServer()
            .initialSettings(io.netty.handler.codec.http2.Http2Settings.defaultSettings().maxHeaderListSize(65_536))
            .build();
    }

    /**
     * Starts serving.
     *
     * @param credentials the access keys requests must be signed with, or {@code null} to accept unsigned requests
     *                    (each then runs as {@code anonymous}).
     * @param threads     event-loop threads.
     */
    public static EventsServer start(final Router router, final InetSocketAddress address,
                                     final Credentials credentials, final Principal anonymous, final Clock clock,
                                     final int threads) {
        return start(router, address, credentials, anonymous, clock, threads, new AwsTargets());
    }

    /**
     * Starts serving with PutTargets' targets made by {@code targets} (shared with a config whose distributed buses
     * carry such targets in their control topics).
     */
    public static EventsServer start(final Router router, final InetSocketAddress address,
                                     final Credentials credentials, final Principal anonymous, final Clock clock,
                                     final int threads, final AwsTargets targets) {
        return new EventsServer(router, address, credentials, anonymous, clock, threads, targets);
    }

    /** @return the port bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * Serves CreateArchive ... CancelReplay over the router's archive stage (which must be on its ring) and replay
     * agent; new archives are written under {@code dataDir/archives/<name>}.
     */
    public void serveArchives(final dev.eventrouter.persist.archive.ArchiveStage archives,
                              final dev.eventrouter.persist.replay.ReplayAgent replays,
                              final java.nio.file.Path dataDir) {
        new ArchiveOperations(api, archives, replays, dataDir);
    }

    /**
     * Serves CreateConnection ... ListApiDestinations over {@code apis}, and lets PutTargets name its API
     * destinations by ARN. The caller owns {@code apis} and closes it after the router.
     */
    public void serveApiDestinations(final dev.eventrouter.persist.apidest.ApiDestinations apis) {
        new ApiDestinationOperations(api, apis);
        api.apiDestinations(apis);
        metrics.apiDestinations(apis);
    }

    /**
     * Serves distributed buses (docs/scale-out.md): rule calls on a bus {@code lookup} maps to one go to every node
     * through its control topic, so do archive and replay calls on {@code all}'s archives, and PutEvents, which then waits for Kafka's acknowledgement, runs on a pool of
     * {@value #PUT_THREADS} threads instead of the event loop.
     */
    public void serveDistributedBuses(
        final java.util.function.Function<dev.eventrouter.bus.EventBus, dev.eventrouter.persist.kafka.DistributedBus>
            lookup, final java.util.Collection<dev.eventrouter.persist.kafka.DistributedBus> all) {
        api.distributedBuses(lookup, () -> all);
        blockingPutEvents();
    }

    /**
     * Serves global endpoints (docs/global-endpoints.md): CreateEndpoint ... ListEndpoints, PutEvents with an
     * {@code EndpointId} (which may wait for the other Region's router: PutEvents then runs on the pool of
     * {@value #PUT_THREADS} threads), and the calls of the other Region's replicator.
     */
    public void serveGlobalEndpoints(final dev.eventrouter.persist.global.GlobalEndpoints endpoints) {
        new EndpointOperations(api, endpoints);
        api.globalEndpoints(endpoints);
        metrics.globalEndpoints(endpoints);
        blockingPutEvents();
    }

    private synchronized void blockingPutEvents() {
        if (puts == null) {
            puts = Executors.newFixedThreadPool(PUT_THREADS, new io.netty.util.concurrent.DefaultThreadFactory(
                "eventrouter-serve-put", true));
        }
    }

    /** Delivers targets whose ARN is {@code arn} to an in-process handler (PutTargets with that Arn). */
    public void bindTarget(final String arn, final EventHandler handler) {
        api.bindTarget(arn, handler);
    }

    /**
     * Stops accepting, lets requests in flight finish (up to 10 s in all, including PutEvents answers waiting for
     * the archive), closes connections. Idempotent.
     */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        control.shutdown();
        final ExecutorService blocking = puts;
        if (blocking != null) {
            blocking.shutdown();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            control.awaitTermination(10, TimeUnit.SECONDS);
            if (blocking != null) {
                blocking.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            awaiting.awaitNone(deadline);   // PutEvents answers waiting for the archive
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channels.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @io.netty.channel.ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (request.method().equals(HttpMethod.GET) && request.uri().equals("/health")) {
                respond(ctx, keepAlive, HttpResponseStatus.OK, "application/json",
                    "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            if (request.method().equals(HttpMethod.GET) && request.uri().equals("/metrics")) {
                control.execute(() -> respond(ctx, keepAlive, HttpResponseStatus.OK,
                    "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8),
                    null));
                return;
            }
            if (!request.method().equals(HttpMethod.POST)) {
                error(ctx, keepAlive, new ApiException("UnknownOperationException", "only POST / (the AWS JSON 1.1 "
                    + "protocol) and GET /health are served", 404));
                return;
            }
            final String target = request.headers().get("X-Amz-Target");
            if (target == null || !target.startsWith(TARGET_PREFIX)) {
                error(ctx, keepAlive, new ApiException("UnknownOperationException", "X-Amz-Target must be "
                    + "AWSEvents.<Operation>, got " + target));
                return;
            }
            final String operation = target.substring(TARGET_PREFIX.length());
            final byte[] body = ByteBufUtil.getBytes(request.content());
            final Principal principal;
            try {
                principal = verifier == null ? anonymous : verifier.verify(request.method().name(),
                    rawPath(request.uri()), headers(request), body);
            } catch (ApiException e) {
                error(ctx, keepAlive, e);
                return;
            }
            if (operation.equals("PutEvents")) {
                final ExecutorService blocking = puts;
                if (blocking == null) {
                    answer(ctx, keepAlive, operation, principal, body);
                } else {
                    blocking.execute(() -> answer(ctx, keepAlive, operation, principal, body));
                }
            } else {
                control.execute(() -> answer(ctx, keepAlive, operation, principal, body));
            }
        }

        /**
         * Runs an operation and answers it, counting its outcome. PutEvents runs on the event loop; entries it
         * accepted for a bus with an archive are acknowledged only once the archive has them (a SIGKILL after the
         * answer loses none): the answer then waits for the router's ring stages, off this thread, and an entry the
         * archive may have missed (it failed, or the router closed first) is answered {@code InternalFailure} so the
         * producer sends it again.
         */
        private void answer(final ChannelHandlerContext ctx, final boolean keepAlive, final String operation,
                            final Principal principal, final byte[] body) {
            final long start = System.nanoTime();
            // unknown names share one label: a client cannot grow the registry without bound
            final String label = api.knows(operation) ? operation : "unknown";
            final boolean putEvents = operation.equals("PutEvents");
            final List<EventsApi.ArchivedEntry> archived = putEvents ? new ArrayList<>(0) : null;
            final JsonNode out;
            final PutEventsResult result;
            try {
                result = putEvents ? api.putEvents(principal, body, archived) : null;
                out = putEvents ? null : api.handle(operation, principal, body);
            } catch (ApiException e) {
                error(ctx, keepAlive, e);
                metrics.request(label, e.type, System.nanoTime() - start);
                return;
            } catch (Throwable e) {
                error(ctx, keepAlive, new ApiException("InternalException", e.toString(), 500));
                metrics.request(label, "InternalException", System.nanoTime() - start);
                return;
            }
            if (!putEvents) {
                ok(ctx, keepAlive, out);
                metrics.request(label, "ok", System.nanoTime() - start);
                return;
            }
            if (archived.isEmpty()) {
                ok(ctx, keepAlive, EventsApi.answerBytes(result));
                metrics.request(label, "ok", System.nanoTime() - start);
                return;
            }
            awaiting.begin();
            api.router().afterRingStages(passed -> {
                try {
                    ctx.executor().execute(() -> {
                        try {
                            ok(ctx, keepAlive, EventsApi.answerBytes(failUnarchived(result, archived, passed)));
                            metrics.request(label, "ok", System.nanoTime() - start);
                        } finally {
                            awaiting.end();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    awaiting.end();   // the event loop is gone (server closed) and the connection with it
                }
            });
        }

        private void ok(final ChannelHandlerContext ctx, final boolean keepAlive, final JsonNode out) {
            try {
                ok(ctx, keepAlive, EventsApi.JSON.writeValueAsBytes(out));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                error(ctx, keepAlive, new ApiException("InternalException", e.toString(), 500));
            }
        }

        private void ok(final ChannelHandlerContext ctx, final boolean keepAlive, final byte[] out) {
            respond(ctx, keepAlive, HttpResponseStatus.OK, "application/x-amz-json-1.1", out, null);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Rewrites as {@code InternalFailure} the archived entries that may be missing from their archive: all of them
     * when the router closed before its archive stage passed them, those of a bus whose archive failed since.
     */
    static PutEventsResult failUnarchived(final PutEventsResult out, final List<EventsApi.ArchivedEntry> archived,
                                          final boolean passed) {
        List<PutEventsResult.Entry> entries = null;
        int failed = 0;
        for (EventsApi.ArchivedEntry entry : archived) {
            final String refusal = entry.bus().refusal();
            if (passed && refusal == null) {
                continue;
            }
            if (entries == null) {
                entries = new ArrayList<>(out.entries());
            }
            entries.set(entry.index(), new PutEventsResult.Entry(null, new EntryError(EntryError.INTERNAL_FAILURE, passed
                ? "the event may not have been archived (" + refusal + "); send it again"
                : "the server stopped before the event was archived; send it again")));
            failed++;
        }
        return entries == null ? out : new PutEventsResult(out.failedEntryCount() + failed, entries);
    }

    /** Answers waiting for the archive: {@link #close} lets them finish before it closes connections. */
    private static final class InFlight {
        private int count;

        synchronized void begin() {
            count++;
        }

        synchronized void end() {
            if (--count == 0) {
                notifyAll();
            }
        }

        /** Waits until none is left, or until the deadline. */
        synchronized void awaitNone(final long deadlineNanos) throws InterruptedException {
            long left;
            while (count > 0 && (left = deadlineNanos - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    private static String rawPath(final String uri) {
        final int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /**
     * @return the request's header of a (lower-case) name, trimmed, repeated values joined with commas, as SigV4
     *         canonicalizes them; only the headers a signature names are looked up.
     */
    private static java.util.function.Function<String, String> headers(final FullHttpRequest request) {
        return name -> {
            final List<String> values = request.headers().getAll(name);
            if (values.isEmpty()) {
                return null;
            }
            if (values.size() == 1) {
                return values.get(0).trim();
            }
            final StringBuilder joined = new StringBuilder();
            for (String value : values) {
                joined.append(joined.length() == 0 ? "" : ",").append(value.trim());
            }
            return joined.toString();
        };
    }

    /**
     * @return a random (version 4) UUID for {@code x-amzn-RequestId}, from the thread's own generator:
     *         {@code UUID.randomUUID()} would take the shared SecureRandom on every request of the event loops.
     */
    private static String requestId() {
        final java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return new UUID(random.nextLong() & ~0xF000L | 0x4000L,
            random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L).toString();
    }

    private static void error(final ChannelHandlerContext ctx, final boolean keepAlive, final ApiException e) {
        final byte[] body = EventsApi.JSON.createObjectNode().put("__type", e.type).put("message", e.getMessage())
            .toString().getBytes(StandardCharsets.UTF_8);
        respond(ctx, keepAlive, HttpResponseStatus.valueOf(e.status), "application/x-amz-json-1.1", body, e.type);
    }

    private static void respond(final ChannelHandlerContext ctx, final boolean keepAlive,
                                final HttpResponseStatus status, final String contentType, final byte[] body,
                                final String errorType) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set("x-amzn-RequestId", requestId());
        if (errorType != null) {
            response.headers().set("x-amzn-ErrorType", errorType);
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
