package dev.eventrouter.bench;

import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.persist.source.ChronicleSource;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.FileCheckpointStore;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.PartitionedSource;
import dev.eventrouter.source.Poller;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: how many records per second does a mapping move from a source through batching (BatchSize 100, window 0)
 * into a no-op handler, checkpointing each batch? Target ≥ 2M records/s, from the in-memory source and from a
 * Chronicle Queue source (real queue files in a temporary directory; the records are copied out of the queue). One
 * invocation drains a fresh mapping over 100,000 records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PollerBatchingBenchmark {
    static final int RECORDS = 100_000;

    @Param({"memory", "chronicle"})
    public String source;

    /** Where each batch's checkpoint goes: a map in memory, or the memory-mapped {@code FileCheckpointStore}. */
    @Param({"memory", "file"})
    public String checkpoints;

    /**
     * {@code none}, or {@code data}: a FilterCriteria pattern on the record as Lambda filters a stream record
     * ({@code {"data": {"source": ["bench"]}}}, which every record passes), so the filter's whole cost shows.
     */
    @Param({"none", "data"})
    public String filter;

    private CheckpointStore store;

    private InMemorySource memory;
    private Path dir;
    private ArchiveStore archive;
    private int run;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        final byte[] data = ("{\"source\":\"bench\",\"detail\":{\"pad\":\"" + "x".repeat(160) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
        if (dir == null) {
            dir = Files.createTempDirectory("poller-bench");
        }
        store = checkpoints.equals("file") ? FileCheckpointStore.open(dir.resolve("checkpoints.dat"), 1 << 18)  // a slot per invocation
            : CheckpointStore.inMemory();
        if (source.equals("memory")) {
            memory = new InMemorySource(1);
            for (int i = 0; i < RECORDS; i++) {
                memory.append(0, "k" + (i % 16), i, data);
            }
        } else {
            archive = ArchiveStore.open(dir.resolve("archive"));
            for (int i = 0; i < RECORDS; i++) {
                archive.append(1_700_000_000_000L + i, data, 0, data.length);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (store instanceof FileCheckpointStore file) {
            file.close();
        }
        if (archive != null) {
            archive.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long drain() {
        final Poller poller = new Poller(SystemEpochClock.INSTANCE);
        final ChronicleSource chronicle = archive == null ? null : ChronicleSource.of(archive);
        final PartitionedSource from = chronicle == null ? memory : chronicle;
        final MappingConfig config = MappingConfig.of("bench" + run++, 100, 0);
        final EventSourceMapping mapping = poller.add(filter.equals("data")
            ? config.withFilters(java.util.List.of("{\"data\":{\"source\":[\"bench\"]}}")) : config, from, store,
            (partition, records) -> null);
        while (mapping.records() < RECORDS) {
            poller.doWork();
        }
        if (chronicle != null) {
            chronicle.close();
        }
        return mapping.records();
    }
}
