package dev.eventrouter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BenchReportTest {
    private static String result(final String benchmark, final String params, final double score) {
        return "{\"benchmark\":\"dev.eventrouter.bench." + benchmark + "\",\"params\":{" + params + "},"
            + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":10.0},"
            + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":0.01}}}";
    }

    @Test
    void shouldPrintFamilyRatiosAndEachRuleMixOnItsOwnRows() throws Exception {
        final String json = "[" + String.join(",",
            result("MatchFamiliesBenchmark.eventRuler", "\"family\":\"EXACT\"", 100_000),
            result("MatchFamiliesBenchmark.ours", "\"family\":\"EXACT\"", 400_000),
            result("MatchFamiliesBenchmark.eventRuler", "\"family\":\"SUFFIX\"", 100_000),
            result("MatchFamiliesBenchmark.ours", "\"family\":\"SUFFIX\"", 900_000),
            result("MatchRuleCountBenchmark.ours", "\"mix\":\"synthetic\",\"overlay\":\"0\",\"rules\":\"10\"", 600_000),
            result("MatchRuleCountBenchmark.ours", "\"mix\":\"synthetic\",\"overlay\":\"0\",\"rules\":\"100000\"",
                300_000),
            result("MatchRuleCountBenchmark.ours", "\"mix\":\"absence\",\"overlay\":\"0\",\"rules\":\"10\"", 800_000),
            result("MatchRuleCountBenchmark.ours", "\"mix\":\"absence\",\"overlay\":\"512\",\"rules\":\"10\"",
                200_000)) + "]";

        assertEquals("""
            | family | ours events/s | event-ruler events/s | ratio | ours B/op | event-ruler B/op |
            |---|---:|---:|---:|---:|---:|
            | EXACT | 400,000 ± 10 | 100,000 ± 10 | 4.0x | 0.0 | 0 |
            | SUFFIX | 900,000 ± 10 | 100,000 ± 10 | 9.0x | 0.0 | 0 |

            Geometric mean ratio: 6.00x over 2 families; lowest: 4.00x

            | rules | mix | ours events/s | B/op | cost vs 10 rules |
            |---:|---|---:|---:|---:|
            | 10 | synthetic | 600,000 ± 10 | 0.0 | 1.00x |
            | 100,000 | synthetic | 300,000 ± 10 | 0.0 | 2.00x |
            | 10 | absence | 800,000 ± 10 | 0.0 | 1.00x |
            | 10 | absence, overlay 512 | 200,000 ± 10 | 0.0 | 1.00x |
            """, BenchReport.report(new ObjectMapper().readTree(json)));
    }
}
