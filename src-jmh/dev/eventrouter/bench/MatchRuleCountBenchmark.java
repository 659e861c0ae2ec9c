package dev.eventrouter.bench;

import dev.eventrouter.match.EventMatcher;
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
 * Question: does matching slow down as the rule set grows? The same 10,000 CityLots events against 10, 1,000 and
 * 100,000 synthetic rules mixing exact, prefix, suffix, equals-ignore-case, numeric, cidr and exists
 * ({@link SyntheticRules}); the claim is the ratio of the 10-rule and 100,000-rule rows (target: at most 2x).
 * {@code -p mix=anythingBut}: every rule is {@code {"properties":{"MAPBLKLOT":["x<i>"],"STREET":[{"anything-but":
 * "S<i>"}]}}}: a selective exact value no event has, and an anything-but every event satisfies, distinct per rule
 * (the per-event cost must not grow with the number of such rules). {@code -p mix=absence}: every rule is
 * {@code {"properties":{"STREET":[{"exists":false},"S<i>"]}}} (absent, or a street no event has): conditions that
 * all allow absence, so no condition anchors the rule. {@code -p overlay=N} (synthetic mix): N rules replaced after
 * loading and never compacted, so every event takes the overlay's second pass.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class MatchRuleCountBenchmark {
    static final int EVENTS = 10_000;

    @Param({"10", "1000", "100000"})
    public int rules;

    @Param({"synthetic", "anythingBut", "absence"})
    public String mix;

    /**
     * Rules replaced after loading and left uncompacted: matching then takes a second pass for the overlay
     * ({@link dev.eventrouter.match.LayeredRules}), as it does until a background compaction lands.
     */
    @Param({"0"})
    public int overlay;

    private byte[][] events;
    private EventMatcher matcher;
    private final CountingHandler handler = new CountingHandler();

    @Setup
    public void setUp() {
        events = MatchLoop.cityLots(EVENTS);
        // compactions never run: an overlay stays
        final RuleSet ruleSet = new RuleSet(dev.eventrouter.pattern.PatternLimits.DEFAULT, task -> { });
        if (mix.equals("absence")) {
            final java.util.Map<String, String> patterns = new java.util.LinkedHashMap<>();
            for (int i = 0; i < rules; i++) {
                patterns.put("r" + i, "{\"properties\":{\"STREET\":[{\"exists\":false},\"S" + i + "\"]}}");
            }
            ruleSet.putAll(patterns);
        } else if (mix.equals("anythingBut")) {
            final java.util.Map<String, String> patterns = new java.util.LinkedHashMap<>();
            for (int i = 0; i < rules; i++) {
                patterns.put("r" + i, "{\"properties\":{\"MAPBLKLOT\":[\"x" + i + "\"],\"STREET\":[{\"anything-but\":\"S"
                    + i + "\"}]}}");
            }
            ruleSet.putAll(patterns);
        } else {
            ruleSet.putAll(SyntheticRules.generate(rules, 7));
        }
        if (overlay > 0) {   // the synthetic mix's rules, each given its neighbour's pattern
            final java.util.List<String> patterns = new java.util.ArrayList<>(SyntheticRules.generate(rules, 7)
                .values());
            for (int i = 0; i < overlay; i++) {
                final int k = i * (rules / overlay);
                ruleSet.put("rule-" + k, patterns.get((k + 1) % rules));
            }
        }
        matcher = new EventMatcher(ruleSet);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long ours() {
        return MatchLoop.matchAll(matcher, events, handler);
    }
}
