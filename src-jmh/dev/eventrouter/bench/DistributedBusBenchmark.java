package dev.eventrouter.bench;

import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.persist.kafka.DistributedBus;
import dev.eventrouter.persist.kafka.KafkaBroker;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

/**
 * Question: what does a bus scaled out over Kafka cost end to end, against a local bus, and what do three nodes
 * show on this machine? One invocation puts 10,000 events (PutEvents of 10 entries from 40 threads: a PutEvents
 * call waits for Kafka's acknowledgements, so callers need concurrency) and returns when the nodes' rule has
 * delivered every one to a counting handler. {@code local}: one router's own bus, PutEvents in memory.
 * {@code distributed}: {@code nodes} routers in this JVM joined to one distributed bus (12 partitions) on a real
 * broker (KRaft, a child JVM on the same two cores); PutEvents waits for acks=all, and each node commits a batch
 * after its deliveries ended.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class DistributedBusBenchmark {
    static final int EVENTS = 10_000;
    static final int THREADS = 40;

    /** The nodes of the distributed bus (all in this JVM). */
    @Param({"1", "3"})
    public int nodes;

    private KafkaBroker broker;
    private final List<Router> routers = new ArrayList<>();
    private final List<DistributedBus> members = new ArrayList<>();
    private Router local;
    private final AtomicLong delivered = new AtomicLong();
    private ExecutorService threads;

    @Setup(Level.Trial)
    public void start() throws Exception {
        broker = KafkaBroker.startTemporary("distributed-bench");
        threads = Executors.newFixedThreadPool(THREADS);
        final EventHandler count = delivery -> delivered.incrementAndGet();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "bench")
            .withPartitions(12);
        for (int i = 0; i < nodes; i++) {
            final Router router = Router.start(new RouterContext().trackEnds(true));
            routers.add(router);
            members.add(DistributedBus.join(router, config, Map.of("count", count)));
        }
        final long offset = members.get(0).putRule("all", "{\"source\":[\"bench\"]}", RuleState.ENABLED,
            List.of(DistributedBus.TargetSpec.handler("t", "count")));
        for (DistributedBus member : members) {
            member.awaitApplied(offset);
        }
        local = Router.start(new RouterContext());
        local.putRule(Rule.of("all", "{\"source\":[\"bench\"]}"));
        local.putTargets(null, "all", List.of(Target.handler("t", count)));
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        threads.shutdownNow();
        for (DistributedBus member : members) {
            member.close();
        }
        for (Router router : routers) {
            router.close(Duration.ofSeconds(10));
        }
        local.close(Duration.ofSeconds(10));
        broker.close();   // and its temporary directory
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long distributed() throws Exception {
        return put(entries -> members.get(0).putEvents(entries));
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long local() throws Exception {
        return put(local::putEvents);
    }

    /** Puts EVENTS events from THREADS threads, 10 per call, and waits until all were delivered. */
    private long put(final java.util.function.Function<List<PutEventsEntry>, PutEventsResult> putEvents)
        throws Exception {
        final long target = delivered.get() + EVENTS;
        final List<Future<?>> calls = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            calls.add(threads.submit(() -> {
                final List<PutEventsEntry> entries = new ArrayList<>(10);
                for (int i = 0; i < EVENTS / THREADS / 10; i++) {
                    entries.clear();
                    for (int j = 0; j < 10; j++) {
                        entries.add(PutEventsEntry.of("bench", "Tick", "{\"n\":" + j + "}"));
                    }
                    final PutEventsResult result = putEvents.apply(entries);
                    if (result.failedEntryCount() != 0) {
                        throw new IllegalStateException(result.toString());
                    }
                }
                return null;
            }));
        }
        for (Future<?> call : calls) {
            call.get();
        }
        while (delivered.get() < target) {
            Thread.onSpinWait();
        }
        return delivered.get();
    }
}
