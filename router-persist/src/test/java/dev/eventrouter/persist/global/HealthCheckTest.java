package dev.eventrouter.persist.global;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.persist.global.HealthCheck.Status;
import dev.eventrouter.persist.global.HealthCheck.TreatMissingData;
import org.junit.jupiter.api.Test;

/**
 * The health check behaves as the CloudWatch alarm and Route 53 health check of EventBridge's recommended setup
 * (user guide, eb-ge-cfn: Period 60, EvaluationPeriods 5, GreaterThanThreshold, TreatMissingData breaching, an
 * insufficient-data status of Unhealthy for breaching and LastKnownStatus for missing): unhealthy only after five
 * breaching periods in a row, healthy again after one that does not breach. Time is given by the test.
 */
class HealthCheckTest {
    private static final long MINUTE = 60_000;

    @Test
    void failsOverAfterFiveBreachingPeriodsAndRecoversAfterOneGoodOne() {
        final HealthCheck check = new HealthCheck(HealthCheck.Config.of("primary"), 0);
        for (int minute = 0; minute < 3; minute++) {
            check.probe(true);
            assertEquals(Status.HEALTHY, check.tick((minute + 1) * MINUTE));
        }
        // the primary stops answering at minute 3: periods 3..7 breach; the fifth one closes at minute 8
        for (int minute = 3; minute < 7; minute++) {
            check.probe(false);
            assertEquals(Status.HEALTHY, check.tick((minute + 1) * MINUTE), "minute " + minute);
        }
        check.probe(false);
        assertEquals(Status.UNHEALTHY, check.tick(8 * MINUTE));
        assertEquals(8 * MINUTE, check.changedAt());
        // nothing at all (the primary's process is gone and nothing was forwarded): missing data breaches
        assertEquals(Status.UNHEALTHY, check.tick(12 * MINUTE));
        check.probe(true);
        assertEquals(Status.HEALTHY, check.tick(13 * MINUTE), "one good period ends the alarm");
        assertEquals(2, check.transitions());
    }

    @Test
    void failedForwardedCallsBreachAtTheThresholdEvenWhileProbesPass() {
        final HealthCheck check = new HealthCheck(new HealthCheck.Config("p", 1_000, 2, 0.5,
            TreatMissingData.BREACHING), 0);
        check.probe(true);
        check.call(true);
        check.call(false);   // 1 of 2 failed: the threshold (0.5) is reached
        check.tick(1_000);
        check.probe(true);
        check.call(false);
        assertEquals(Status.UNHEALTHY, check.tick(2_000));
        check.probe(true);
        check.call(true);
        check.call(true);
        check.call(false);   // 1 of 3: under the threshold
        assertEquals(Status.HEALTHY, check.tick(3_000));
        check.probe(false);
        check.probe(true);   // one probe of two answered: not every probe failed
        check.tick(4_000);
        check.probe(false);
        check.probe(true);
        assertEquals(Status.HEALTHY, check.tick(5_000));
    }

    @Test
    void missingDataCountsAsConfigured() {
        final HealthCheck breaching = new HealthCheck(new HealthCheck.Config("b", 1_000, 3,
            0.5, TreatMissingData.BREACHING), 0);
        assertEquals(Status.HEALTHY, breaching.tick(10_000), "nothing ever answered: no data yet, not missing data");
        breaching.probe(true);
        assertEquals(Status.HEALTHY, breaching.tick(13_000), "one good period, then two silent ones");
        assertEquals(Status.UNHEALTHY, breaching.tick(14_000), "three silent periods");
        final HealthCheck notBreaching = new HealthCheck(new HealthCheck.Config("n", 1_000, 3, 0.5,
            TreatMissingData.NOT_BREACHING), 0);
        assertEquals(Status.HEALTHY, notBreaching.tick(10_000));
        // missing: the last known status holds through silence, in either state
        final HealthCheck missing = new HealthCheck(new HealthCheck.Config("m", 1_000, 2, 0.5,
            TreatMissingData.MISSING), 0);
        assertEquals(Status.HEALTHY, missing.tick(10_000));
        missing.probe(false);
        missing.tick(11_000);
        missing.probe(false);
        assertEquals(Status.UNHEALTHY, missing.tick(12_000));
        assertEquals(Status.UNHEALTHY, missing.tick(30_000), "silence keeps the last known status");
        // ignore: skipped periods do not count, the two real ones decide
        final HealthCheck ignore = new HealthCheck(new HealthCheck.Config("i", 1_000, 2, 0.5,
            TreatMissingData.IGNORE), 0);
        ignore.probe(false);
        ignore.tick(1_000);
        ignore.tick(5_000);
        ignore.probe(false);
        assertEquals(Status.UNHEALTHY, ignore.tick(6_000));
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertEquals("evaluationPeriods: at least 1, got 0", assertThrows(IllegalArgumentException.class,
            () -> new HealthCheck.Config("x", 60_000, 0, 0.5, TreatMissingData.BREACHING)).getMessage());
        assertEquals("period: at least 100 ms, got 10 ms", assertThrows(IllegalArgumentException.class,
            () -> new HealthCheck.Config("x", 10, 5, 0.5, TreatMissingData.BREACHING)).getMessage());
        assertEquals("errorRateThreshold: more than 0 and at most 1, got 0.0", assertThrows(
            IllegalArgumentException.class, () -> new HealthCheck.Config("x", 60_000, 5, 0, TreatMissingData.BREACHING))
            .getMessage());
        assertEquals("treatMissingData must be breaching, notBreaching, ignore or missing, got sometimes",
            assertThrows(IllegalArgumentException.class, () -> TreatMissingData.of("sometimes")).getMessage());
    }
}
