package dev.eventrouter.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH JSON result file of {@code MatchFamiliesBenchmark} (and optionally
 * {@code MatchRuleCountBenchmark}) into the markdown table of docs/benchmarks.md.
 */
public final class BenchReport {
    private BenchReport() {
    }

    /** @param args the JMH JSON result file. */
    public static void main(final String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchReport RESULT.json");
            System.exit(2);
        }
        final JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        final Map<String, double[]> families = new LinkedHashMap<>();
        final Map<String, double[]> ruleCounts = new LinkedHashMap<>();
        for (JsonNode result : results) {
            final String benchmark = result.get("benchmark").asText();
            final double score = result.get("primaryMetric").get("score").asDouble();
            final double error = result.get("primaryMetric").get("scoreError").asDouble();
            final JsonNode alloc = result.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score");
            final double bytes = alloc.isMissingNode() ? Double.NaN : alloc.asDouble();
            if (benchmark.endsWith("MatchFamiliesBenchmark.ours") || benchmark.endsWith("MatchFamiliesBenchmark.eventRuler")) {
                final double[] row = families.computeIfAbsent(result.get("params").get("family").asText(),
                    k -> new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN});
                final int at = benchmark.endsWith(".ours") ? 0 : 3;
                row[at] = score;
                row[at + 1] = error;
                row[at + 2] = bytes;
            } else if (benchmark.endsWith("MatchRuleCountBenchmark.ours")) {
                ruleCounts.put(result.get("params").get("rules").asText(), new double[] {score, error, bytes});
            }
        }
        printFamilies(families);
        printRuleCounts(ruleCounts);
    }

    private static void printFamilies(final Map<String, double[]> families) {
        if (families.isEmpty()) {
            return;
        }
        System.out.println("| family | ours events/s | event-ruler events/s | ratio | ours B/op | event-ruler B/op |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        double logSum = 0;
        int count = 0;
        double worst = Double.MAX_VALUE;
        for (Map.Entry<String, double[]> entry : families.entrySet()) {
            final double[] row = entry.getValue();
            final double ratio = row[0] / row[3];
            if (!Double.isNaN(ratio)) {
                logSum += Math.log(ratio);
                count++;
                worst = Math.min(worst, ratio);
            }
            System.out.printf(Locale.ROOT, "| %s | %,.0f ± %,.0f | %,.0f ± %,.0f | %.1fx | %.1f | %,.0f |%n",
                entry.getKey(), row[0], row[1], row[3], row[4], ratio, row[2], row[5]);
        }
        System.out.printf(Locale.ROOT, "%nGeometric mean ratio: %.2fx over %d families; lowest: %.2fx%n%n",
            Math.exp(logSum / count), count, worst);
    }

    private static void printRuleCounts(final Map<String, double[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        System.out.println("| rules | ours events/s | B/op | cost vs 10 rules |");
        System.out.println("|---:|---:|---:|---:|");
        final double[] base = rows.get("10");
        for (Map.Entry<String, double[]> entry : rows.entrySet()) {
            final double[] row = entry.getValue();
            System.out.printf(Locale.ROOT, "| %,d | %,.0f ± %,.0f | %.1f | %.2fx |%n",
                Integer.parseInt(entry.getKey()), row[0], row[1], row[2], base == null ? Double.NaN : base[0] / row[0]);
        }
    }
}
