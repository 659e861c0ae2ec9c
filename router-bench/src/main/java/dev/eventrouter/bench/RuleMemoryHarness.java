package dev.eventrouter.bench;

import dev.eventrouter.match.RuleSet;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import software.amazon.event.ruler.Machine;

/**
 * Memory per rule: the heap a compiled rule set retains, ours beside event-ruler 2.1.0's {@code Machine} for the same
 * rules ({@link SyntheticRules}: exact, prefix, suffix, equals-ignore-case, numeric, cidr and exists, as
 * {@code MatchRuleCountBenchmark} uses). Each side is built in its own JVM run (argument {@code ours} or
 * {@code ruler}) so neither's garbage counts for the other; retained heap is the used heap after full GCs with the
 * structure reachable, minus the same before building it (the patterns' own strings are in both).
 *
 * <pre>java -Xms2g -Xmx2g -cp router-bench/target/benchmarks.jar dev.eventrouter.bench.RuleMemoryHarness ours 100000</pre>
 */
public final class RuleMemoryHarness {
    private RuleMemoryHarness() {
    }

    public static void main(final String[] args) throws Exception {
        final String side = args.length > 0 ? args[0] : "ours";
        final int count = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        if (!side.equals("ours") && !side.equals("ruler")) {
            throw new IllegalArgumentException("side=" + side + ": must be ours or ruler");
        }
        final Map<String, String> rules = SyntheticRules.generate(count, 7);
        final long before = retained();
        final Object built;
        int accepted = 0;
        if (side.equals("ours")) {
            final RuleSet set = new RuleSet();
            set.putAll(rules);
            accepted = set.size();
            built = set;
        } else {
            final Machine machine = new Machine();
            for (Map.Entry<String, String> rule : rules.entrySet()) {
                try {
                    machine.addRule(rule.getKey(), rule.getValue());
                    accepted++;
                } catch (Exception refused) {
                    // a pattern only one side accepts (docs/patterns.md): counted out
                }
            }
            built = machine;
        }
        final long after = retained();
        System.out.printf("%s: %,d rules, %,d accepted, retained %,d bytes, %.0f bytes per rule%n", side, count,
            accepted, after - before, (after - before) / (double) accepted);
        if (built.hashCode() == 42) {
            System.out.println();   // keeps the structure reachable until measured
        }
    }

    private static long retained() throws InterruptedException {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);   // lets the collector finish its concurrent work; a measurement, not a test wait
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
