package dev.eventrouter.bench;

import dev.eventrouter.persist.archive.ArchiveReader;
import dev.eventrouter.persist.archive.ArchiveStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.RollCycles;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Questions: how fast does a replay read an archive, and does finding its start time stay cheap as the archive
 * grows? An archive of {@code size} 200-byte events, one every 10 ms of archive time (1M events span 2.8 hours,
 * 10M 28 hours; daily cycles, the archive default). {@code read}: events per second read in order (target ≥ 3M/s). {@code seekFirst}:
 * time from a random start time to the first event read (should grow at most logarithmically with size).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ArchiveReplayBenchmark {
    static final long T0 = 1_795_860_000_000L;
    static final int READ_BATCH = 100_000;

    @Param({"1000000", "10000000"})
    public int size;

    private Path dir;
    private ArchiveStore store;
    private ArchiveReader reader;
    private final SplittableRandom random = new SplittableRandom(7);

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("replay-bench");
        store = ArchiveStore.open(dir, RollCycles.FAST_DAILY);
        final byte[] event = ("{\"source\":\"bench\",\"detail\":{\"pad\":\"" + "x".repeat(160) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < size; i++) {
            store.append(T0 + i * 10L, event, 0, event.length);
        }
        reader = store.reader();
    }

    @TearDown
    public void tearDown() throws IOException {
        reader.close();
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(READ_BATCH)
    public long read() {
        long sum = 0;
        for (int i = 0; i < READ_BATCH; i++) {
            if (!reader.next()) {
                reader.rewind();
                reader.next();
            }
            sum += reader.length();
        }
        return sum;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long seekFirst() {
        reader.seek(T0 + random.nextLong(size * 10L));
        reader.next();
        return reader.timeMillis();
    }
}
