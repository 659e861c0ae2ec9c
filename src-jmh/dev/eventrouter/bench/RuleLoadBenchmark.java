package dev.eventrouter.bench;

import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Question: how long does loading N rules into a bus take, one {@code putRule} at a time (each recompiles the bus:
 * quadratic) or in one {@code putRules} (one compilation: linear)? What the run config loader does with a config of
 * N rules. Single shot: each measurement loads the N rules into a fresh router.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RuleLoadBenchmark {
    @Param({"2000", "5000", "10000"})
    public int rules;

    /** {@code loop}: putRule per rule; {@code bulk}: one putRules. */
    @Param({"loop", "bulk"})
    public String api;

    private List<Rule> declared;
    private Router router;

    @Setup(Level.Trial)
    public void rules() {
        declared = new ArrayList<>(rules);
        for (int i = 0; i < rules; i++) {
            declared.add(Rule.of("rule-" + i, "{\"source\":[\"app-" + (i % 50) + "\"],\"detail\":{\"id\":[" + i
                + "],\"kind\":[{\"prefix\":\"k" + (i % 7) + "\"}]}}"));
        }
    }

    @Setup(Level.Invocation)
    public void start() {
        router = Router.start(new RouterContext());
    }

    @TearDown(Level.Invocation)
    public void close() {
        router.close(java.time.Duration.ofSeconds(10));
    }

    @Benchmark
    public int load() {
        if (api.equals("bulk")) {
            return router.putRules(declared).size();
        }
        for (Rule rule : declared) {
            router.putRule(rule);
        }
        return declared.size();
    }
}
