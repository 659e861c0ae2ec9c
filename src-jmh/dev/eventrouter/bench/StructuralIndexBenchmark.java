package dev.eventrouter.bench;

import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question (issue 15): would a structural index make the validating scan faster? The same 10,000 CityLots events,
 * each validated whole: {@code scan} is the product's scanner ({@code EventMatcher.match} with no rules, so every
 * byte is validated and skipped); {@code swarMasks}/{@code vectorMasks} compute only {@link StructuralIndex}'s
 * stage-1 masks of every 64-byte block (a floor under any design that needs them); {@code swarIndex}/
 * {@code vectorIndex} validate the event through stage 1 and the stage-2 grammar walk. One operation is one event.
 * The vector forms need the incubator module: the fork adds {@code --add-modules=jdk.incubator.vector} (a warning
 * on standard error says so).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules=jdk.incubator.vector"})
public class StructuralIndexBenchmark {
    static final int EVENTS = 10_000;

    @Param({"scan", "swarMasks", "swarIndex", "vectorMasks", "vectorIndex"})
    public String way;

    private byte[][] events;
    private EventMatcher matcher;
    private StructuralIndex.Masks masks;
    private StructuralIndex index;
    private final CountingHandler handler = new CountingHandler();

    @Setup
    public void setUp() {
        events = MatchLoop.cityLots(EVENTS);
        matcher = new EventMatcher(MatchAutomaton.EMPTY);
        masks = way.startsWith("vector") ? new VectorMasks() : new StructuralIndex.SwarMasks();
        index = new StructuralIndex(masks);
        for (final byte[] event : events) {   // the experiment answers what the product's scanner answers
            matcher.match(event, 0, event.length, handler);
            if (index.skip(event, 0, event.length) != event.length) {
                throw new IllegalStateException("the structural index disagrees on " + new String(event));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long validateAll() {
        long sum = 0;
        for (final byte[] event : events) {
            sum += switch (way) {
                case "scan" -> matcher.match(event, 0, event.length, handler);
                case "swarMasks", "vectorMasks" -> masks.classifyAll(event);
                default -> index.skip(event, 0, event.length);
            };
        }
        return sum;
    }
}
