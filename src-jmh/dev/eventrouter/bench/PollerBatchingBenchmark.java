package dev.eventrouter.bench;

import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SystemEpochClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: how many records per second does a mapping move from an in-memory source through batching (BatchSize
 * 100, window 0) into a no-op handler, checkpointing each batch? Target ≥ 2M records/s. One invocation drains a
 * fresh mapping over 100,000 records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PollerBatchingBenchmark {
    static final int RECORDS = 100_000;

    private InMemorySource source;
    private int run;

    @Setup(Level.Trial)
    public void setUp() {
        source = new InMemorySource(1);
        final byte[] data = ("{\"source\":\"bench\",\"detail\":{\"pad\":\"" + "x".repeat(160) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < RECORDS; i++) {
            source.append(0, "k" + (i % 16), i, data);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long drain() {
        final Poller poller = new Poller(SystemEpochClock.INSTANCE);
        final EventSourceMapping mapping = poller.add(MappingConfig.of("bench" + run++, 100, 0), source,
            CheckpointStore.inMemory(), (partition, records) -> null);
        while (mapping.records() < RECORDS) {
            poller.doWork();
        }
        return mapping.records();
    }
}
