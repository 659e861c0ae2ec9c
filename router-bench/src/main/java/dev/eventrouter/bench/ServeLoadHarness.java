package dev.eventrouter.bench;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.persist.serve.Credentials;
import dev.eventrouter.persist.serve.EventsServer;
import dev.eventrouter.target.Target;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeAsyncClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;

/**
 * Load for {@code router serve} from the real AWS SDK async client, for as long as it takes to reach steady state
 * (the SDK and the JIT need a minute or more on two cores; JMH's iterations are too short to show the curve):
 *
 * <pre>
 *  SDK EventBridgeAsyncClient (N requests of 10 entries in flight, SigV4) ──HTTP/1.1 or h2c──▶ EventsServer ──▶ router
 * </pre>
 * Prints requests and events per second every 10 s, then the second half's mean rate and its request latency
 * (HdrHistogram; measured from send to answer, so it includes waiting for an in-flight slot). By default the server
 * runs in this JVM; {@code --endpoint URL --access-key K --secret-key S} drives an external {@code router serve}
 * instead (run it on other cores, e.g. with {@code taskset}, to see the server's own ceiling). The endpoint's
 * default bus must accept source {@code shop}.
 * Usage: {@code ServeLoadHarness [--in-flight 32] [--seconds 120] [--protocol http1|http2] [--server-threads 2]
 * [--client-threads N] [--direct-completion true] [--endpoint URL --access-key K --secret-key S]}.
 */
public final class ServeLoadHarness {
    private static final String KEY = "AKIALOADHARNESS00001";
    private static final String SECRET = "load-harness-secret";
    private static final int ENTRIES = 10;

    private ServeLoadHarness() {
    }

    private static NettyNioAsyncHttpClient.Builder clientHttp(final int inFlight, final String protocol,
                                                              final int threads) {
        final NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().maxConcurrency(inFlight * 2)
            .protocol(protocol.equals("http2") ? Protocol.HTTP2 : Protocol.HTTP1_1);
        if (threads > 0) {
            http.eventLoopGroupBuilder(software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup.builder()
                .numberOfThreads(threads));
        }
        return http;
    }

    public static void main(final String[] args) throws InterruptedException {
        int inFlight = 32;
        double seconds = 120;
        String protocol = "http1";
        String endpoint = null;
        String key = KEY;
        String secret = SECRET;
        int serverThreads = 2;
        int clientThreads = 0;
        boolean directCompletion = false;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--in-flight" -> inFlight = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--protocol" -> protocol = args[i + 1];
                case "--endpoint" -> endpoint = args[i + 1];
                case "--access-key" -> key = args[i + 1];
                case "--secret-key" -> secret = args[i + 1];
                case "--server-threads" -> serverThreads = Integer.parseInt(args[i + 1]);
                case "--client-threads" -> clientThreads = Integer.parseInt(args[i + 1]);
                case "--direct-completion" -> directCompletion = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--in-flight, "
                    + "--seconds, --protocol, --endpoint, --access-key, --secret-key, --server-threads, "
                    + "--client-threads, --direct-completion)");
            }
        }
        if (!protocol.equals("http1") && !protocol.equals("http2")) {
            throw new IllegalArgumentException("--protocol is http1 or http2, got " + protocol);
        }
        if (inFlight < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--in-flight must be at least 1 and --seconds positive");
        }
        Router router = null;
        EventsServer server = null;
        if (endpoint == null) {
            router = Router.start(new RouterContext().account("111111111111").publishTimeout(Duration.ZERO)
                .handoffBytes(16384 * 2048));
            router.putRule(Rule.of("orders", "{\"source\":[\"shop\"],\"detail\":{\"amount\":[{\"numeric\":[\">\","
                + "100]}]}}"));
            router.putTargets(null, "orders", List.of(Target.handler("noop", d -> { })));
            server = EventsServer.start(router, new InetSocketAddress("127.0.0.1", 0), new Credentials(Map.of(
                KEY, new Credentials.Entry(SECRET, Principal.account("111111111111")))),
                Principal.account("111111111111"), Clock.systemUTC(), serverThreads);
            endpoint = "http://127.0.0.1:" + server.port();
        }
        final List<PutEventsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            entries.add(PutEventsRequestEntry.builder().source("shop").detailType("Order")
                .detail("{\"order\":" + i + ",\"amount\":" + (i * 37) + ",\"currency\":\"EUR\"}").build());
        }
        final PutEventsRequest request = PutEventsRequest.builder().entries(entries).build();
        final boolean completeOnIo = directCompletion;
        final Recorder latency = new Recorder(60_000_000_000L, 3);
        final AtomicLong answered = new AtomicLong();
        final AtomicLong failedEntries = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final Semaphore slots = new Semaphore(inFlight);
        System.out.printf(Locale.ROOT, "serve load: %d in flight, %s, %s, %.0f s, server threads %d, client I/O "
            + "threads %s, completion %s%n", inFlight, protocol, endpoint, seconds, serverThreads,
            clientThreads == 0 ? "SDK default" : clientThreads, directCompletion ? "on the I/O thread" : "SDK pool");
        try (EventBridgeAsyncClient client = EventBridgeAsyncClient.builder().endpointOverride(URI.create(endpoint))
            .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(key, secret)))
            .httpClientBuilder(clientHttp(inFlight, protocol, clientThreads))
            .asyncConfiguration(c -> {
                if (completeOnIo) {
                    // completes each call on the SDK's I/O thread instead of handing it to another pool
                    c.advancedOption(software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption
                        .FUTURE_COMPLETION_EXECUTOR, Runnable::run);
                }
            }).build()) {
            final long start = System.nanoTime();
            final long end = start + (long) (seconds * 1e9);
            final long half = start + (long) (seconds * 0.5e9);
            long nextReport = start + 10_000_000_000L;
            long reportedAnswers = 0;
            long reportedAt = start;
            long halfAnswers = -1;
            Histogram steady = null;
            while (true) {
                final long now = System.nanoTime();
                if (now - nextReport >= 0) {
                    final long done = answered.get();
                    final double rate = (done - reportedAnswers) * 1e9 / (now - reportedAt);
                    System.out.printf(Locale.ROOT, "%4.0f s: %,9.0f requests/s %,10.0f events/s%n",
                        (now - start) / 1e9, rate, rate * ENTRIES);
                    reportedAnswers = done;
                    reportedAt = now;
                    nextReport += 10_000_000_000L;
                }
                if (halfAnswers < 0 && now - half >= 0) {
                    halfAnswers = answered.get();
                    latency.getIntervalHistogram();   // from here on: the steady half
                }
                if (now - end >= 0) {
                    break;
                }
                slots.acquire();
                final long sent = System.nanoTime();
                client.putEvents(request).whenComplete((answer, error) -> {
                    latency.recordValue(Math.min(System.nanoTime() - sent, 60_000_000_000L));
                    if (error != null) {
                        if (errors.getAndIncrement() == 0) {
                            error.printStackTrace();
                        }
                    } else {
                        failedEntries.addAndGet(answer.failedEntryCount());
                    }
                    answered.incrementAndGet();
                    slots.release();
                });
            }
            slots.acquire(inFlight);
            steady = latency.getIntervalHistogram();
            final double rate = (answered.get() - halfAnswers) * 1e9 / (System.nanoTime() - half);
            System.out.printf(Locale.ROOT, "second half: %,.0f requests/s = %,.0f events/s; request latency p50 %,d µs,"
                + " p99 %,d µs, max %,d µs; %d failed entries, %d failed requests%n", rate, rate * ENTRIES,
                steady.getValueAtPercentile(50) / 1000, steady.getValueAtPercentile(99) / 1000,
                steady.getMaxValue() / 1000, failedEntries.get(), errors.get());
        } finally {
            if (server != null) {
                server.close();
                router.close(Duration.ofSeconds(30));
            }
        }
    }
}
