package dev.eventrouter.persist.global;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The health of a global endpoint's primary Region, decided as EventBridge's recommended setup decides it (user guide,
 * "Setting up the Route 53 health check for EventBridge global endpoints": a CloudWatch alarm with period 60 s, 5
 * evaluation periods, missing data treated as breaching, behind a Route 53 health check that is unhealthy while the
 * alarm is in ALARM and, with missing data treated as breaching, while data is insufficient). The metric here is the
 * primary router's own health: each period gives one datapoint, breaching when every probe of the primary's
 * {@code /health} in it failed or when the share of PutEvents calls forwarded to the primary that failed reached
 * {@link Config#errorRateThreshold}; a period without probe answers or calls is missing data, except before the first
 * answer or call ever recorded (the first probe may still be connecting: the check starts HEALTHY, as a new alarm
 * starts without data, and a primary that refuses connections answers at once). The alarm is ALARM when
 * the last {@link Config#evaluationPeriods} datapoints all breach (DatapointsToAlarm = EvaluationPeriods), OK as soon
 * as one of them does not. Time comes from the caller ({@link #tick}): deterministic under a manual clock.
 * Thread-safe.
 */
public final class HealthCheck {
    /** How a period without data counts (CloudWatch's TreatMissingData). */
    public enum TreatMissingData {
        /** As breaching (the template's default): a silent primary fails over. */
        BREACHING,
        /** As not breaching. */
        NOT_BREACHING,
        /** Skipped: the alarm keeps its state until enough real datapoints say otherwise. */
        IGNORE,
        /** Skipped, and the health check keeps its last known status (the template's mapping for "missing"). */
        MISSING;

        /** @return the value for CloudWatch's spelling ({@code breaching}, {@code notBreaching} ...). */
        public static TreatMissingData of(final String text) {
            return switch (text) {
                case "breaching" -> BREACHING;
                case "notBreaching" -> NOT_BREACHING;
                case "ignore" -> IGNORE;
                case "missing" -> MISSING;
                default -> throw new IllegalArgumentException("treatMissingData must be breaching, notBreaching, "
                    + "ignore or missing, got " + text);
            };
        }
    }

    /** The health check's status, as Route 53 reports it. */
    public enum Status { HEALTHY, UNHEALTHY }

    /**
     * @param name               what endpoints name it by ({@code RoutingConfig.FailoverConfig.Primary.HealthCheck}).
     * @param periodMillis       one datapoint per period (CloudWatch allows 10 s, 30 s and multiples of 60 s; any
     *                           period of 100 ms or more is taken here, shorter ones make failover tests fast).
     * @param evaluationPeriods  how many breaching datapoints in a row make it unhealthy (at least 1).
     * @param errorRateThreshold the share of failed forwarded PutEvents calls that makes a period breach (0-1].
     * @param treatMissingData   how a period without data counts.
     */
    public record Config(String name, long periodMillis, int evaluationPeriods, double errorRateThreshold,
                         TreatMissingData treatMissingData) {
        /** Validates, naming the field. */
        public Config {
            if (periodMillis < 100) {
                throw new IllegalArgumentException("period: at least 100 ms, got " + periodMillis + " ms");
            }
            if (evaluationPeriods < 1) {
                throw new IllegalArgumentException("evaluationPeriods: at least 1, got " + evaluationPeriods);
            }
            if (!(errorRateThreshold > 0 && errorRateThreshold <= 1)) {
                throw new IllegalArgumentException("errorRateThreshold: more than 0 and at most 1, got "
                    + errorRateThreshold);
            }
            if (treatMissingData == null) {
                throw new IllegalArgumentException("treatMissingData is required");
            }
        }

        /** @return the template's settings: 60 s periods, 5 of them, missing data breaching; half the calls failing. */
        public static Config of(final String name) {
            return new Config(name, 60_000, 5, 0.5, TreatMissingData.BREACHING);
        }
    }

    private enum Datapoint { BREACHING, OK, MISSING }

    private final Config config;
    private long periodStart;
    private int probesOk;
    private int probesFailed;
    private int callsOk;
    private int callsFailed;
    /** The last datapoints that count (missing ones mapped or skipped), newest last, at most evaluationPeriods. */
    private final Deque<Datapoint> window = new ArrayDeque<>();
    private Status status = Status.HEALTHY;
    private long changedAt;
    private long transitions;
    /** Whether any probe answer or call was recorded yet: periods before the first one are not data at all. */
    private boolean observed;

    /** @param startMillis when the first period starts. */
    public HealthCheck(final Config config, final long startMillis) {
        this.config = config;
        this.periodStart = startMillis;
        this.changedAt = startMillis;
    }

    /** Records a probe of the primary's {@code /health}. */
    public synchronized void probe(final boolean ok) {
        observed = true;
        if (ok) {
            probesOk++;
        } else {
            probesFailed++;
        }
    }

    /** Records the outcome of a PutEvents call forwarded to the primary. */
    public synchronized void call(final boolean ok) {
        observed = true;
        if (ok) {
            callsOk++;
        } else {
            callsFailed++;
        }
    }

    /**
     * Closes every period that ended by {@code now} and evaluates the alarm after each.
     *
     * @return the status after them.
     */
    public synchronized Status tick(final long now) {
        while (now >= periodStart + config.periodMillis()) {
            close();
            periodStart += config.periodMillis();
        }
        return status;
    }

    private void close() {
        if (!observed) {
            return;   // nothing has answered yet (a probe still connecting at start-up): not a missing datapoint
        }
        final Datapoint point;
        final int calls = callsOk + callsFailed;
        if (probesOk + probesFailed == 0 && calls == 0) {
            point = Datapoint.MISSING;
        } else if ((probesOk == 0 && probesFailed > 0)
            || (calls > 0 && (double) callsFailed / calls >= config.errorRateThreshold())) {
            point = Datapoint.BREACHING;
        } else {
            point = Datapoint.OK;
        }
        probesOk = 0;
        probesFailed = 0;
        callsOk = 0;
        callsFailed = 0;
        final Datapoint counted = point != Datapoint.MISSING ? point : switch (config.treatMissingData()) {
            case BREACHING -> Datapoint.BREACHING;
            case NOT_BREACHING -> Datapoint.OK;
            case IGNORE, MISSING -> null;
        };
        if (counted == null) {
            return;   // skipped: the state stays as the datapoints that are there said
        }
        window.addLast(counted);
        while (window.size() > config.evaluationPeriods()) {
            window.removeFirst();
        }
        final Status next;
        if (window.size() < config.evaluationPeriods()) {
            next = status;   // not enough datapoints yet: the last known status
        } else {
            next = window.stream().allMatch(d -> d == Datapoint.BREACHING) ? Status.UNHEALTHY : Status.HEALTHY;
        }
        if (next != status) {
            status = next;
            changedAt = periodStart + config.periodMillis();
            transitions++;
        }
    }

    /** @return the status as of the last {@link #tick}. */
    public synchronized Status status() {
        return status;
    }

    /** @return when the status last changed (the end of the period that changed it). */
    public synchronized long changedAt() {
        return changedAt;
    }

    /** @return how many times the status changed. */
    public synchronized long transitions() {
        return transitions;
    }

    /** @return the settings. */
    public Config config() {
        return config;
    }

    @Override
    public synchronized String toString() {
        return config.name() + " " + status.name().toLowerCase(Locale.ROOT) + " " + window;
    }
}
