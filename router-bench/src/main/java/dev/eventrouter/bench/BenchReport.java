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
        System.out.print(report(new ObjectMapper().readTree(Path.of(args[0]).toFile())));
    }

    /** @return the markdown tables of a JMH JSON result (an array of results). */
    static String report(final JsonNode results) {
        final StringBuilder out = new StringBuilder();
        final Map<String, double[]> families = new LinkedHashMap<>();
        // per rule mix (and overlay size, when not 0), per rule count
        final Map<String, Map<String, double[]>> ruleCounts = new LinkedHashMap<>();
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
                final JsonNode params = result.get("params");
                final String overlay = params.path("overlay").asText("0");
                final String mix = params.path("mix").asText("synthetic") + (overlay.equals("0") ? "" : ", overlay " + overlay);
                ruleCounts.computeIfAbsent(mix, k -> new LinkedHashMap<>())
                    .put(params.get("rules").asText(), new double[] {score, error, bytes});
            }
        }
        printFamilies(families, out);
        printRuleCounts(ruleCounts, out);
        return out.toString();
    }

    private static void printFamilies(final Map<String, double[]> families, final StringBuilder out) {
        if (families.isEmpty()) {
            return;
        }
        line(out, "| family | ours events/s | event-ruler events/s | ratio | ours B/op | event-ruler B/op |");
        line(out, "|---|---:|---:|---:|---:|---:|");
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
            out.append(String.format(Locale.ROOT, "| %s | %,.0f ± %,.0f | %,.0f ± %,.0f | %.1fx | %.1f | %,.0f |%n",
                entry.getKey(), row[0], row[1], row[3], row[4], ratio, row[2], row[5]));
        }
        out.append(String.format(Locale.ROOT, "%nGeometric mean ratio: %.2fx over %d families; lowest: %.2fx%n%n",
            Math.exp(logSum / count), count, worst));
    }

    private static void printRuleCounts(final Map<String, Map<String, double[]>> mixes, final StringBuilder out) {
        if (mixes.isEmpty()) {
            return;
        }
        line(out, "| rules | mix | ours events/s | B/op | cost vs 10 rules |");
        line(out, "|---:|---|---:|---:|---:|");
        for (Map.Entry<String, Map<String, double[]>> mix : mixes.entrySet()) {
            final double[] base = mix.getValue().get("10");
            for (Map.Entry<String, double[]> entry : mix.getValue().entrySet()) {
                final double[] row = entry.getValue();
                out.append(String.format(Locale.ROOT, "| %,d | %s | %,.0f ± %,.0f | %.1f | %.2fx |%n",
                    Integer.parseInt(entry.getKey()), mix.getKey(), row[0], row[1], row[2],
                    base == null ? Double.NaN : base[0] / row[0]));
            }
        }
    }

    private static void line(final StringBuilder out, final String text) {
        out.append(text).append('\n');
    }
}
