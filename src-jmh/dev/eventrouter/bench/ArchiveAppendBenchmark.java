package dev.eventrouter.bench;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.persist.archive.ArchiveStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does the archive add to a raw Chronicle Queue append? The same 10,000 CityLots events appended
 * through {@link ArchiveStore#append} (archive time + event, monotonic time, durable position) and through a bare
 * Chronicle appender writing the same bytes, each into its own fresh queue. Target: archive ≥ 0.8x raw.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ArchiveAppendBenchmark {
    static final int EVENTS = 10_000;

    private byte[][] events;
    private Path dir;
    private ArchiveStore archive;
    private SingleChronicleQueue raw;
    private ExcerptAppender rawAppender;
    private long time = 1_795_860_000_000L;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        final CityLots lots = new CityLots(2026);
        events = new byte[EVENTS][];
        for (int i = 0; i < EVENTS; i++) {
            events[i] = lots.nextBytes();
        }
        dir = Files.createTempDirectory("archive-bench");
        archive = ArchiveStore.open(dir.resolve("archive"), RollCycles.FAST_DAILY);
        raw = SingleChronicleQueueBuilder.binary(dir.resolve("raw")).rollCycle(RollCycles.FAST_DAILY).build();
        rawAppender = raw.createAppender();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        archive.close();
        rawAppender.close();
        raw.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long archive() {
        long position = 0;
        for (byte[] event : events) {
            position = archive.append(time++, event, 0, event.length);
        }
        return position;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long rawChronicle() {
        for (byte[] event : events) {
            try (DocumentContext document = rawAppender.writingDocument()) {
                final Bytes<?> bytes = document.wire().bytes();
                bytes.writeLong(time++);
                bytes.write(event, 0, event.length);
            }
        }
        return rawAppender.lastIndexAppended();
    }
}
