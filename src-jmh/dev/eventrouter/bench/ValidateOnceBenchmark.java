package dev.eventrouter.bench;

import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleSet;
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
 * Question: what does the router's match stage save by trusting bytes its publisher validated? The same 10,000
 * CityLots events matched three ways: {@code match} validates as it scans (the bare automaton on untrusted bytes);
 * {@code validated} skips containers no rule names by quote parity and bracket counts; {@code spans} also jumps
 * over the containers whose spans the publisher's validation recorded (what PutEvents and validated publishes hand
 * the match stage). Rules: {@code none} (a scan of the whole event), {@code geometry} (one numeric rule on
 * {@code geometry.firstCoordinates.x}: the coordinates array is skipped), {@code synthetic} (the 1,000
 * {@link SyntheticRules}, whose fields are most of the event).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ValidateOnceBenchmark {
    static final int EVENTS = 10_000;

    @Param({"none", "geometry", "synthetic"})
    public String rules;

    @Param({"match", "validated", "spans"})
    public String scan;

    private byte[][] events;
    private int[][] spans;
    private int[] spanCounts;
    private EventMatcher matcher;
    private final CountingHandler handler = new CountingHandler();

    @Setup
    public void setUp() {
        events = MatchLoop.cityLots(EVENTS);
        spans = new int[EVENTS][];
        spanCounts = new int[EVENTS];
        final EventMatcher validator = new EventMatcher(MatchAutomaton.EMPTY);
        validator.recordSpans(true);
        for (int i = 0; i < EVENTS; i++) {
            validator.match(events[i], 0, events[i].length, rule -> { });
            spanCounts[i] = validator.lastSpanCount();
            spans[i] = validator.lastSpans().clone();
        }
        final RuleSet ruleSet = new RuleSet();
        switch (rules) {
            case "none" -> { }
            case "geometry" -> ruleSet.put("x",
                "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\"<\",-122.415]}]}}}");
            case "synthetic" -> ruleSet.putAll(SyntheticRules.generate(1_000, 7));
            default -> throw new IllegalArgumentException("rules " + rules);
        }
        matcher = new EventMatcher(ruleSet);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long matchAll() {
        long matched = 0;
        for (int i = 0; i < EVENTS; i++) {
            final byte[] event = events[i];
            matched += switch (scan) {
                case "match" -> matcher.match(event, 0, event.length, handler);
                case "validated" -> matcher.matchValidated(event, 0, event.length, handler);
                default -> matcher.matchValidated(event, 0, event.length, handler, spans[i], spanCounts[i]);
            };
        }
        return matched;
    }
}
