package dev.eventrouter.bench;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.persist.serve.Credentials;
import dev.eventrouter.persist.serve.EventsServer;
import dev.eventrouter.target.Target;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeAsyncClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/**
 * Question: how many events per second does {@code router serve} take from the real AWS SDK, and at what latency,
 * beside in-process {@code putEvents} in the same run? One operation is one event; {@code events} sends
 * {@value #IN_FLIGHT} PutEvents requests of 10 entries at once and waits for all ({@code http}: the SDK's async
 * client over loopback with its defaults, SigV4 signed by the client and verified by the server; {@code httpOneLoop}:
 * the same with one SDK I/O thread completing the calls itself, the client configuration that measured best on two
 * cores; {@code http2}: the default client over HTTP/2 cleartext; {@code inProcess}: the same calls on
 * {@code Router.putEvents}). {@code request} is one 10-entry
 * request alone ({@code SampleTime}: its p50/p99).
 * The server's event-loop threads' allocation per request is printed after each iteration ("server B/request").
 * Goal (issue 12): at least 100,000 events/s through HTTP on the 2-core machine. The SDK and its JIT take long to
 * reach steady state on two cores (a minute or more), hence the long warm-up.
 */
@Warmup(iterations = 6, time = 10)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ServePutEventsBenchmark {
    static final int ENTRIES = 10;
    static final int IN_FLIGHT = 32;

    @Param({"http", "httpOneLoop", "http2", "inProcess"})
    public String path;

    private Router router;
    private EventsServer server;
    private EventBridgeAsyncClient client;
    private PutEventsRequest request;
    private List<PutEventsEntry> entries;
    private final AtomicLong requests = new AtomicLong();
    private long serverBytesBefore;

    @Setup
    public void setUp() {
        router = Router.start(new RouterContext().account("111111111111").publishTimeout(Duration.ZERO)
            .handoffBytes(16384 * 2048));
        router.putRule(Rule.of("orders", "{\"source\":[\"shop\"],\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}"));
        router.putTargets(null, "orders", List.of(Target.handler("noop", d -> { })));
        server = EventsServer.start(router, new InetSocketAddress("127.0.0.1", 0), new Credentials(Map.of(
            "AKIABENCH00000000001", new Credentials.Entry("bench-secret", Principal.account("111111111111")))),
            Principal.account("111111111111"), Clock.systemUTC(), 2);
        client = EventBridgeAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
            .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIABENCH00000000001", "bench-secret")))
            .httpClientBuilder(clientHttp())
            .asyncConfiguration(c -> {
                if ("httpOneLoop".equals(path)) {
                    // completes each call on the SDK's I/O thread instead of handing it to another pool
                    c.advancedOption(software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption
                        .FUTURE_COMPLETION_EXECUTOR, Runnable::run);
                }
            }).build();
        final List<PutEventsRequestEntry> sdkEntries = new ArrayList<>();
        entries = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            final String detail = "{\"order\":" + i + ",\"amount\":" + (i * 37) + ",\"currency\":\"EUR\"}";
            sdkEntries.add(PutEventsRequestEntry.builder().source("shop").detailType("Order").detail(detail).build());
            entries.add(PutEventsEntry.of("shop", "Order", detail));
        }
        request = PutEventsRequest.builder().entries(sdkEntries).build();
        if (client.putEvents(request).join().failedEntryCount() != 0) {
            throw new IllegalStateException("the benchmark's entries are refused");
        }
    }

    private NettyNioAsyncHttpClient.Builder clientHttp() {
        final NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().maxConcurrency(IN_FLIGHT * 2)
            .protocol("http2".equals(path) ? software.amazon.awssdk.http.Protocol.HTTP2
                : software.amazon.awssdk.http.Protocol.HTTP1_1);
        if ("httpOneLoop".equals(path)) {
            // one I/O thread: on two cores shared with the server, fewer hand-offs between client threads
            http.eventLoopGroupBuilder(software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup.builder()
                .numberOfThreads(1));
        }
        return http;
    }

    @Setup(Level.Iteration)
    public void countFrom() {
        requests.set(0);
        serverBytesBefore = serverThreadBytes();
    }

    @TearDown(Level.Iteration)
    public void reportServerAllocation() {
        if (!"inProcess".equals(path) && requests.get() > 0) {
            System.out.printf("server B/request: %,d (%,d requests)%n",
                (serverThreadBytes() - serverBytesBefore) / requests.get(), requests.get());
        }
    }

    private static long serverThreadBytes() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(EventsServer.IO_THREAD_PREFIX)) {
                total += threads.getThreadAllocatedBytes(t.getId());
            }
        }
        return total;
    }

    @TearDown
    public void tearDown() {
        client.close();
        server.close();
        router.close(Duration.ofSeconds(30));
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(IN_FLIGHT * ENTRIES)
    public int events() {
        int failed = 0;
        if (!"inProcess".equals(path)) {
            final List<CompletableFuture<PutEventsResponse>> calls = new ArrayList<>(IN_FLIGHT);
            for (int i = 0; i < IN_FLIGHT; i++) {
                calls.add(client.putEvents(request));
            }
            for (CompletableFuture<PutEventsResponse> call : calls) {
                failed += call.join().failedEntryCount();
            }
            requests.addAndGet(IN_FLIGHT);
        } else {
            for (int i = 0; i < IN_FLIGHT; i++) {
                failed += router.putEvents(entries).failedEntryCount();
            }
        }
        return failed;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int request() {
        if (!"inProcess".equals(path)) {
            requests.incrementAndGet();
            return client.putEvents(request).join().failedEntryCount();
        }
        return router.putEvents(entries).failedEntryCount();
    }
}
