package dev.eventrouter.bench;

import dev.eventrouter.event.CityLots;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.RuleSet;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import software.amazon.event.ruler.Machine;

/**
 * Question: how many CityLots events per second does each rule family match, ours against event-ruler 2.1.0 on
 * the same events in the same run? One operation is one event; {@code gc.alloc.rate.norm} (with -prof gc) is
 * bytes allocated per event. event-ruler needs about 7 s of warm-up before its throughput settles (it allocates
 * several KB per event), hence 8 warm-up iterations: fewer understate it by up to 4x.
 *
 * <pre>
 *   10,000 generated events ──▶ ours:        EventMatcher.match(bytes)        ──▶ CountingHandler
 *   (~770 bytes each)      └─▶ eventRuler:  Machine.rulesForJSONEvent(String) ──▶ List size
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class MatchFamiliesBenchmark {
    static final int EVENTS = 10_000;

    @Param({"EXACT", "WILDCARD", "PREFIX", "PREFIX_EQUALS_IGNORE_CASE", "SUFFIX", "SUFFIX_EQUALS_IGNORE_CASE",
        "EQUALS_IGNORE_CASE", "NUMERIC", "COMPLEX_ARRAYS", "ANYTHING_BUT", "ANYTHING_BUT_IGNORE_CASE",
        "ANYTHING_BUT_PREFIX", "ANYTHING_BUT_SUFFIX", "ANYTHING_BUT_WILDCARD"})
    public String family;

    private byte[][] bytes;
    private String[] strings;
    private EventMatcher matcher;
    private Machine machine;
    private final CountingHandler handler = new CountingHandler();

    @Setup
    public void setUp() throws Exception {
        final CityLots lots = new CityLots(2026);
        bytes = new byte[EVENTS][];
        strings = new String[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            strings[i] = lots.next();
            bytes[i] = strings[i].getBytes(StandardCharsets.UTF_8);
        }
        final List<String> rules = Family.valueOf(family).rules();
        final Map<String, String> named = new LinkedHashMap<>();
        machine = Machine.builder().build();
        for (int r = 0; r < rules.size(); r++) {
            named.put("r" + r, rules.get(r));
            machine.addRule("r" + r, rules.get(r));
        }
        final RuleSet ruleSet = new RuleSet();
        ruleSet.putAll(named);
        matcher = new EventMatcher(ruleSet);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long ours() {
        return MatchLoop.matchAll(matcher, bytes, handler);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long eventRuler() throws Exception {
        long matched = 0;
        for (String event : strings) {
            matched += machine.rulesForJSONEvent(event).size();
        }
        return matched;
    }
}
