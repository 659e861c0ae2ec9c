package dev.eventrouter.bench;

import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.event.CityLots;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does matching a PutEvents entry against its bus's rules at ingest cost the caller (the check that
 * refuses entries over the per-event verification bound with a per-entry error)? One operation is one PutEvents
 * call of one CityLots entry to a bus of 1,000 rules (the synthetic rules, under {@code detail}); the baseline is the
 * same call with {@code matchPutEventsAtIngest(false)} in the same run. {@code -p trace=true} gives each entry an
 * X-Ray trace header (carried beside the event to the targets).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class PutEventsBenchmark {
    private static final int ENTRIES = 1_000;

    @Param({"true", "false"})
    public boolean matchAtIngest;

    @Param({"false", "true"})
    public boolean trace;

    private Router router;
    private final List<List<PutEventsEntry>> calls = new ArrayList<>();
    private int next;

    @Setup
    public void setUp() {
        router = Router.start(new RouterContext().matchPutEventsAtIngest(matchAtIngest).maxEventBytes(64 * 1024)
            .handoffBytes(16384 * 2048));
        SyntheticRules.generate(RouterEndToEndBenchmark.RULES, 7).forEach((name, pattern) -> {
            router.putRule(Rule.of(name, "{\"detail\":" + pattern + "}"));
            router.putTargets(null, name, List.of(Target.handler("noop", delivery -> { })));
        });
        final CityLots lots = new CityLots(2026);
        for (int i = 0; i < ENTRIES; i++) {
            final PutEventsEntry entry = PutEventsEntry.of("bench", "lot", new String(lots.nextBytes(),
                StandardCharsets.UTF_8));
            calls.add(List.of(trace ? entry.withTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
                : entry));
        }
    }

    @TearDown
    public void tearDown() {
        router.close(Duration.ofSeconds(30));
    }

    @Benchmark
    public PutEventsResult putEvents() {
        final List<PutEventsEntry> call = calls.get(next);
        next = next + 1 == ENTRIES ? 0 : next + 1;
        return router.putEvents(call);
    }
}
