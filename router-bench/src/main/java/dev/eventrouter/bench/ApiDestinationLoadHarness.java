package dev.eventrouter.bench;

import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.TargetMetrics;
import dev.eventrouter.persist.apidest.ApiDestinations;
import dev.eventrouter.persist.apidest.Connection;
import dev.eventrouter.persist.apidest.DestinationMetrics;
import dev.eventrouter.target.Target;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Recorder;

/**
 * API destination deliveries to a loopback HTTP sink, at each destination's maximum rate (300/s) over many
 * destinations:
 *
 * <pre>
 *  publisher (closed loop, N in flight) ──▶ router ──▶ API destination targets ──HTTP, one connection per call──▶ sink
 * </pre>
 * Reports deliveries per second over the second half, the added latency of a delivery (publish to the sink reading
 * the request; HdrHistogram) and the match thread's CPU per event, then publishes the same events at that rate to
 * no-op targets and reports the match thread's CPU per event there: the ratio is what the match thread pays for HTTP
 * (issue 13's target: at least 0.9x of the no-op throughput, i.e. a CPU ratio of at most 1.11). In both phases the
 * match thread parks 50 µs when idle (no spinning), so its CPU time is its work plus the same wake-ups.
 * Usage: {@code ApiDestinationLoadHarness [--destinations 20] [--seconds 60] [--in-flight 256]}.
 */
public final class ApiDestinationLoadHarness {
    private ApiDestinationLoadHarness() {
    }

    public static void main(final String[] args) throws Exception {
        int destinations = 20;
        double seconds = 60;
        int inFlight = 256;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--destinations" -> destinations = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--in-flight" -> inFlight = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                    + " (--destinations, --seconds, --in-flight)");
            }
        }
        if (destinations < 1 || destinations > 1000 || seconds <= 0 || inFlight < 1) {
            throw new IllegalArgumentException("--destinations 1-1000, --seconds positive, --in-flight at least 1");
        }
        final Recorder added = new Recorder(60_000_000_000L, 3);
        final MultiThreadIoEventLoopGroup sinkLoops = new MultiThreadIoEventLoopGroup(1,
            NioIoHandler.newFactory());
        try {
            final Channel sink = sink(sinkLoops, added);
            final int port = ((java.net.InetSocketAddress) sink.localAddress()).getPort();
            System.out.printf(Locale.ROOT, "api destinations: %d destinations at 300/s each, %d events in flight, "
                + "%.0f s per phase, sink on port %d%n", destinations, inFlight, seconds, port);
            final double[] http = run(destinations, seconds, inFlight, port, true, added, 0);
            final double[] noop = run(destinations, seconds, inFlight, port, false, added, http[0]);
            System.out.printf(Locale.ROOT, "match thread CPU per event at %,.0f events/s: %,.2f µs with API "
                + "destination targets, %,.2f µs with no-op targets: %.2fx (wake-ups differ between the phases: "
                + "see the burst figures)%n", http[0], http[1], noop[1], http[1] / noop[1]);
            for (int round = 0; round < 3; round++) {
                final double httpBurst = burst(50, port, true);
                final double noopBurst = burst(50, port, false);
                System.out.printf(Locale.ROOT, "match thread, bursts of %d events: %,.0f events/s to API destination "
                    + "targets, %,.0f events/s to no-op targets: %.2fx%n", BURST, httpBurst, noopBurst,
                    httpBurst / noopBurst);
            }
        } finally {
            sinkLoops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static final int BURST = 1_000;

    /**
     * The match thread's throughput on bursts: {@value #BURST} events published at once, timed until the match
     * stage has dispatched them all (the deliveries are not timed: the next burst waits for them untimed). 40
     * bursts after 20 of warm-up; the median burst.
     *
     * @return events per second through the match stage.
     */
    private static double burst(final int destinations, final int port, final boolean viaHttp) {
        final Router router = Router.start(new RouterContext().account("111111111111").publishTimeout(
            Duration.ofSeconds(1)));
        final ApiDestinations apis = ApiDestinations.start(new ApiDestinations.Context().account("111111111111"));
        try {
            apis.createConnection("sink", null, new Connection.ApiKey("x-api-key", "bench"), null);
            final List<TargetMetrics> metrics = new ArrayList<>();
            for (int d = 0; d < destinations; d++) {
                router.putRule(Rule.of("r" + d, "{\"detail\":{\"d\":[" + d + "]}}"));
                if (viaHttp) {
                    apis.createApiDestination("d" + d, null, "sink", "http://127.0.0.1:" + port + "/in/" + d, "POST",
                        300);
                }
                router.putTargets(null, "r" + d, List.of(viaHttp ? apis.target("t", "d" + d, null)
                    : Target.handler("t", delivery -> { })));
                metrics.add(router.targetMetrics(null, "r" + d, "t"));
            }
            final EventBus bus = router.eventBus(null);
            final byte[][] events = new byte[BURST][];
            for (int i = 0; i < BURST; i++) {
                events[i] = ("{\"version\":\"0\",\"id\":\"e" + i + "\",\"detail-type\":\"t\",\"source\":\"load\","
                    + "\"account\":\"111111111111\",\"time\":\"2026-12-03T00:00:00Z\",\"region\":\"us-east-1\","
                    + "\"resources\":[],\"detail\":{\"d\":" + (i % destinations) + "}}").getBytes(StandardCharsets.UTF_8);
            }
            final List<Long> times = new ArrayList<>();
            long published = 0;
            for (int b = 0; b < 60; b++) {
                final long matchedBefore = bus.metrics().matched();
                final long start = System.nanoTime();
                for (byte[] event : events) {
                    while (!bus.publish(event, 0, event.length)) {
                        Thread.onSpinWait();
                    }
                }
                while (bus.metrics().matched() - matchedBefore < BURST) {
                    Thread.onSpinWait();
                }
                final long took = System.nanoTime() - start;
                published += BURST;
                if (b >= 20) {
                    times.add(took);
                }
                while (settled(metrics) < published) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
            }
            times.sort(null);
            return BURST * 1e9 / times.get(times.size() / 2);
        } finally {
            router.close(Duration.ofSeconds(30));
            apis.close();
        }
    }

    /** A sink answering 200 to every request and recording the time since the publish stamped in the body. */
    private static Channel sink(final MultiThreadIoEventLoopGroup loops, final Recorder added)
        throws InterruptedException {
        return new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(final SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                            @Override
                            protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest req) {
                                final long stamp = stamp(req.content());
                                if (stamp > 0) {
                                    added.recordValue(Math.min(60_000_000_000L, Math.max(0,
                                        System.nanoTime() - stamp)));
                                }
                                final DefaultFullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                    HttpResponseStatus.OK);
                                ok.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                                ctx.writeAndFlush(ok).addListener(ChannelFutureListener.CLOSE);
                            }
                        });
                }
            }).bind("127.0.0.1", 0).sync().channel();
    }

    /** @return the {@code "t":<nanos>} the publisher stamped in the event's detail, or 0. */
    private static long stamp(final ByteBuf body) {
        final String text = body.toString(StandardCharsets.UTF_8);
        final int at = text.indexOf("\"t\":");
        if (at < 0) {
            return 0;
        }
        int end = at + 4;
        while (end < text.length() && (Character.isDigit(text.charAt(end)) || text.charAt(end) == '-')) {
            end++;
        }
        return Long.parseLong(text.substring(at + 4, end));
    }

    /** @return {deliveries per second over the second half, match-thread CPU µs per event over it}. */
    private static double[] run(final int destinations, final double seconds, final int inFlight, final int port,
                                final boolean viaHttp, final Recorder added, final double paceRate)
        throws InterruptedException {
        // the match thread parks when idle instead of spinning, so that its CPU time is its work (plus wake-ups at the
        // same rate in both phases), not spinning that the other phase's busier cores would cut short
        final Router router = Router.start(new RouterContext().account("111111111111").publishTimeout(
            Duration.ofSeconds(1)).ingestIdleStrategy(new org.agrona.concurrent.BackoffIdleStrategy(0, 0, 50_000,
            50_000)));
        final ApiDestinations apis = ApiDestinations.start(new ApiDestinations.Context().account("111111111111"));
        final List<TargetMetrics> metrics = new ArrayList<>();
        try {
            apis.createConnection("sink", null, new Connection.ApiKey("x-api-key", "bench"), null);
            for (int d = 0; d < destinations; d++) {
                router.putRule(Rule.of("r" + d, "{\"detail\":{\"d\":[" + d + "]}}"));
                final Target target;
                if (viaHttp) {
                    apis.createApiDestination("d" + d, null, "sink", "http://127.0.0.1:" + port + "/in/" + d, "POST",
                        300);
                    target = apis.target("t", "d" + d, null);
                } else {
                    target = Target.handler("t", delivery -> { });
                }
                router.putTargets(null, "r" + d, List.of(target));
                metrics.add(router.targetMetrics(null, "r" + d, "t"));
            }
            final EventBus bus = router.eventBus(null);
            final Thread matchThread = findThread("eventrouter-router");
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            final long start = System.nanoTime();
            final long half = start + (long) (seconds * 0.5e9);
            final long end = start + (long) (seconds * 1e9);
            long published = 0;
            long halfDone = -1;
            long halfPublished = -1;
            long halfCpu = 0;
            long nextReport = start + 10_000_000_000L;
            long reported = 0;
            long reportedAt = start;
            final String phase = viaHttp ? "api destinations" : "no-op targets";
            while (true) {
                final long now = System.nanoTime();
                final long done = settled(metrics);
                if (now - nextReport >= 0) {
                    System.out.printf(Locale.ROOT, "%s %4.0f s: %,9.0f deliveries/s%n", phase, (now - start) / 1e9,
                        (done - reported) * 1e9 / (now - reportedAt));
                    reported = done;
                    reportedAt = now;
                    nextReport += 10_000_000_000L;
                }
                if (halfDone < 0 && now - half >= 0) {
                    halfDone = done;
                    halfPublished = published;
                    halfCpu = threads.getThreadCpuTime(matchThread.getId());
                    added.getIntervalHistogram();
                }
                if (now - end >= 0) {
                    final double rate = (done - halfDone) * 1e9 / (now - half);
                    final double cpuPerEvent = (threads.getThreadCpuTime(matchThread.getId()) - halfCpu) / 1000.0
                        / Math.max(1, published - halfPublished);
                    if (viaHttp) {
                        final org.HdrHistogram.Histogram latency = added.getIntervalHistogram();
                        long timeouts = 0;
                        long failures = 0;
                        for (int d = 0; d < destinations; d++) {
                            final DestinationMetrics m = apis.metrics("d" + d);
                            timeouts += m.timeouts();
                            failures += m.connectionFailures() + m.serverErrors() + m.clientErrors();
                        }
                        System.out.printf(Locale.ROOT, "%s, second half: %,.0f deliveries/s (limit %,d/s); added "
                            + "latency p50 %,d µs, p99 %,d µs, max %,d µs; %d timeouts, %d failed calls%n", phase,
                            rate, destinations * 300, latency.getValueAtPercentile(50) / 1000,
                            latency.getValueAtPercentile(99) / 1000, latency.getMaxValue() / 1000, timeouts,
                            failures);
                    } else {
                        System.out.printf(Locale.ROOT, "%s, second half: %,.0f deliveries/s%n", phase, rate);
                    }
                    return new double[] {rate, cpuPerEvent};
                }
                // closed loop: at most inFlight events published and not yet delivered; paced: the given rate
                final boolean due = paceRate > 0 ? published < (now - start) * paceRate / 1e9
                    : published - done < inFlight;
                if (due) {
                    final int d = (int) (published % destinations);
                    final String event = "{\"version\":\"0\",\"id\":\"e" + published + "\",\"detail-type\":\"t\","
                        + "\"source\":\"load\",\"account\":\"111111111111\",\"time\":\"2026-12-03T00:00:00Z\","
                        + "\"region\":\"us-east-1\",\"resources\":[],\"detail\":{\"d\":" + d + ",\"t\":"
                        + System.nanoTime() + "}}";
                    final byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
                    if (bus.publish(bytes, 0, bytes.length)) {
                        published++;
                    }
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
            }
        } finally {
            router.close(Duration.ofSeconds(30));
            apis.close();
        }
    }

    private static long settled(final List<TargetMetrics> metrics) {
        long sum = 0;
        for (TargetMetrics m : metrics) {
            sum += m.delivered() + m.deadLettered() + m.dropped();
        }
        return sum;
    }

    private static Thread findThread(final String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return t;
            }
        }
        throw new IllegalStateException("no thread " + name);
    }
}
