package dev.eventrouter.bench;

import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.match.LayeredRules;
import dev.eventrouter.match.RuleSet;
import dev.eventrouter.pattern.PatternLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
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
 * Question: how long does one rule change take in a rule set already holding 100,000 rules (the synthetic mix of
 * {@link SyntheticRules})? {@code op=replace} gives an existing rule another rule's pattern, {@code op=addDelete}
 * adds a rule and deletes it again (two changes per operation). {@code level=ruleSet} changes a bare
 * {@link RuleSet}; {@code level=bus} a router's default bus through {@code putRule}/{@code deleteRule} (what the
 * HTTP API and the config loader do). Target: under 10 ms per change; matchers never wait for one.
 *
 * <p>{@code isolated}: one change to a compacted set (the compaction of the previous change has landed: it runs in
 * the invocation's set-up, unmeasured), single shot. {@code sustained}: changes back to back with the real background
 * compactor, so changes pile up in the overlay while a compaction runs, and the change that makes the overlay reach
 * {@link LayeredRules#DEFAULT_OVERLAY_LIMIT} compiles the whole set on the writer: the average includes those.
 */
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class RuleChangeBenchmark {

    /** A rule set or bus of {@code rules} rules, changed through {@link #change}. */
    @State(Scope.Benchmark)
    public abstract static class Changes {
        @Param({"100000"})
        public int rules;

        @Param({"ruleSet", "bus"})
        public String level;

        @Param({"replace", "addDelete"})
        public String op;

        RuleSet ruleSet;
        Router router;
        List<String> names;
        List<String> patterns;
        int next;

        abstract Executor compactor();

        void load() {
            final Map<String, String> generated = SyntheticRules.generate(rules, 7);
            names = new ArrayList<>(generated.keySet());
            patterns = new ArrayList<>(generated.values());
            if (level.equals("ruleSet")) {
                ruleSet = new RuleSet(PatternLimits.DEFAULT, compactor());
                ruleSet.putAll(generated);
            } else {
                router = Router.start(new RouterContext().ruleCompactor(compactor()));
                final List<Rule> declared = new ArrayList<>(rules);
                generated.forEach((name, pattern) -> declared.add(Rule.of(name, pattern)));
                router.putRules(declared);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            if (router != null) {
                router.close(java.time.Duration.ofSeconds(10));
            }
        }

        int change() {
            final int i = next++ % rules;
            // another rule's pattern: a real change of the compiled conditions, never a no-op
            final String pattern = patterns.get((i + 1) % rules);
            if (op.equals("replace")) {
                put(names.get(i), pattern);
            } else {
                put("added", pattern);
                delete("added");
            }
            return i;
        }

        private void put(final String name, final String pattern) {
            if (ruleSet != null) {
                ruleSet.put(name, pattern);
            } else {
                router.putRule(Rule.of(name, pattern));
            }
        }

        private void delete(final String name) {
            if (ruleSet != null) {
                ruleSet.remove(name);
            } else {
                router.deleteRule("default", name);
            }
        }
    }

    /** Compactions queued and run in the invocation set-up: every measured change meets a compacted set. */
    @State(Scope.Benchmark)
    public static class Isolated extends Changes {
        private final ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();

        @Override
        Executor compactor() {
            return queued::add;
        }

        @Setup(Level.Trial)
        public void trial() {
            load();
        }

        @Setup(Level.Invocation)
        public void compacted() {
            Runnable task;
            while ((task = queued.poll()) != null) {
                task.run();
            }
        }
    }

    /** The real background compactor. */
    @State(Scope.Benchmark)
    public static class Sustained extends Changes {
        @Override
        Executor compactor() {
            return LayeredRules.background();
        }

        @Setup(Level.Trial)
        public void trial() {
            load();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 20)
    @Measurement(iterations = 30)
    public int isolated(final Isolated state) {
        return state.change();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public int sustained(final Sustained state) {
        return state.change();
    }
}
