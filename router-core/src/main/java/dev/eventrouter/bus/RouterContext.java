package dev.eventrouter.bus;

import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import dev.eventrouter.target.DeadLetterHandler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * The configuration of a {@link Router}: set what differs from the defaults, then {@code Router.start(context)}.
 * {@link #conclude()} validates everything once and reports the first bad setting as {@code name=value: reason}.
 * Not thread-safe; do not change a context after the router started.
 */
public final class RouterContext {
    private static final AtomicLong SEEDS = new AtomicLong(0x5EED_0000L);

    private String account = "123456789012";
    private String region = "us-east-1";
    private int ringSize = 16 * 1024;
    private boolean trackEnds;
    private int handoffBytes = 16 * 1024 * 1024;
    private int slotBytes = 2048;
    private int maxEventBytes = (1024 + 64) * 1024;
    private int maxTargetsPerRule = 5;
    private Duration publishTimeout = Duration.ofSeconds(1);
    private IngestLimits ingestLimits = IngestLimits.DEFAULT;
    private EpochClock clock = SystemEpochClock.INSTANCE;
    private NanoClock nanoClock = SystemNanoClock.INSTANCE;
    private long seed = SEEDS.incrementAndGet() * 0x9E37_79B9_7F4A_7C15L;
    private WaitStrategy waitStrategy;
    private IdleStrategy ingestIdleStrategy;
    private IdleStrategy agentIdleStrategy;
    private DeadLetterHandler defaultDeadLetter;
    private ProducerMode producerMode = ProducerMode.SINGLE_WRITER;
    private boolean validatePublishedEvents = true;
    private boolean matchPutEventsAtIngest = true;
    private StageThreading stageThreading = StageThreading.ONE_THREAD;
    private final java.util.List<RingStage> stages = new java.util.ArrayList<>();
    private long retryBaseMillis = 1_000;
    private long retryCapMillis = 600_000;
    private java.util.concurrent.Executor ruleCompactor;

    /** @param value the default account (12 digits) for bus names given without an ARN. */
    public RouterContext account(final String value) {
        account = value;
        return this;
    }

    /** @param value the default region for bus names given without an ARN. */
    public RouterContext region(final String value) {
        region = value;
        return this;
    }

    /** @param value ring slots, a power of two (default 16384). */
    public RouterContext ringSize(final int value) {
        ringSize = value;
        return this;
    }

    /** @param value bytes of the multi-producer handoff buffer ahead of the ring, a power of two (default 16 MiB). */
    public RouterContext handoffBytes(final int value) {
        handoffBytes = value;
        return this;
    }

    /** @param value initial bytes of each ring slot (a slot grows once for a larger event; default 2048). */
    public RouterContext slotBytes(final int value) {
        slotBytes = value;
        return this;
    }

    /**
     * @param value the largest raw event accepted, in bytes (default 1 MiB + 64 KiB: a PutEvents entry just under
     *              its 1 MiB limit plus the envelope EventBridge puts around it).
     */
    public RouterContext maxEventBytes(final int value) {
        maxEventBytes = value;
        return this;
    }

    /** @param value targets allowed per rule (EventBridge: 5). */
    public RouterContext maxTargetsPerRule(final int value) {
        maxTargetsPerRule = value;
        return this;
    }

    /**
     * @param value whether the router tracks when each event's deliveries have all ended, for
     *              {@link Router#afterEnded} (one small object per matched event; off by default).
     */
    public RouterContext trackEnds(final boolean value) {
        trackEnds = value;
        return this;
    }

    /** @return whether the router tracks ends ({@link Router#afterEnded}). */
    public boolean trackEnds() {
        return trackEnds;
    }

    /** @param value how long a publish waits for room before reporting the entry throttled; zero never waits. */
    public RouterContext publishTimeout(final Duration value) {
        publishTimeout = value;
        return this;
    }

    /** @param value PutEvents entry size and depth limits. */
    public RouterContext ingestLimits(final IngestLimits value) {
        ingestLimits = value;
        return this;
    }

    /** @param value the clock of event times, ingestion times and retries (inject a manual clock in tests). */
    public RouterContext clock(final EpochClock value) {
        clock = value;
        return this;
    }

    /** @param value the clock of publish and close timeouts. */
    public RouterContext nanoClock(final NanoClock value) {
        nanoClock = value;
        return this;
    }

    /** @param value seeds event ids and retry jitter, for reproducible runs. */
    public RouterContext seed(final long value) {
        seed = value;
        return this;
    }

    /** @param value how the match stage waits for events (default: Disruptor's sleeping strategy). */
    public RouterContext waitStrategy(final WaitStrategy value) {
        waitStrategy = value;
        return this;
    }

    /** @param value how the single writer idles when no publisher has handed over an event. */
    public RouterContext ingestIdleStrategy(final IdleStrategy value) {
        ingestIdleStrategy = value;
        return this;
    }

    /** @param value how the retry agent and asynchronous workers idle. */
    public RouterContext agentIdleStrategy(final IdleStrategy value) {
        agentIdleStrategy = value;
        return this;
    }

    /** @param value how publishers reach the ring (default: through the single writer). */
    public RouterContext producerMode(final ProducerMode value) {
        producerMode = value;
        return this;
    }

    /** @param stage a stage that reads every accepted event beside the match stage and gates the ring. */
    public RouterContext addStage(final RingStage stage) {
        stages.add(java.util.Objects.requireNonNull(stage, "stage"));
        return this;
    }

    /** @param value how the pipeline's stages map onto threads (default: one thread; see docs/benchmarks.md). */
    public RouterContext stageThreading(final StageThreading value) {
        stageThreading = value;
        return this;
    }

    /**
     * @param value whether {@link EventBus#publish} checks each raw event on the publisher's thread (default
     *              {@code true}: a malformed event is refused with its byte offset). {@code false} is for
     *              embedders that guarantee well-formed JSON: the check then happens only in the match stage, where
     *              a malformed event is counted ({@link BusMetrics#malformed()}) and delivered nowhere.
     */
    public RouterContext validatePublishedEvents(final boolean value) {
        validatePublishedEvents = value;
        return this;
    }

    /**
     * @param value whether {@link Router#putEvents} matches each entry against its bus's rules on the caller's thread
     *              (default {@code true}), so an entry over the per-event verification bound (docs/patterns.md) is
     *              refused with {@code MalformedDetail} instead of being accepted and counted as malformed by the
     *              match stage. Only entries whose Detail holds an object or an array as an element of an array can
     *              exceed that bound, so the others are not matched at ingest. {@code false} saves the match for
     *              those entries too (see docs/benchmarks.md for its cost).
     */
    public RouterContext matchPutEventsAtIngest(final boolean value) {
        matchPutEventsAtIngest = value;
        return this;
    }

    /** @param value the dead-letter target of targets that name none (default: none, events are dropped). */
    public RouterContext defaultDeadLetter(final DeadLetterHandler value) {
        defaultDeadLetter = value;
        return this;
    }

    /**
     * @param baseMillis the first retry's backoff (default 1 s).
     * @param capMillis  the longest backoff (default 10 minutes).
     */
    public RouterContext retryBackoff(final long baseMillis, final long capMillis) {
        retryBaseMillis = baseMillis;
        retryCapMillis = capMillis;
        return this;
    }

    /**
     * @param value where rule-set compactions run: a rule change compiles only the rules changed since the last
     *              compaction, and a compaction folds them into one layer (see
     *              {@link dev.eventrouter.match.LayeredRules}). Default: {@link dev.eventrouter.match.LayeredRules#
     *              background()}, one shared daemon thread; {@code Runnable::run} compacts on the writer after each
     *              change (each change then costs a whole compilation again). The task takes the router's admin
     *              lock when it ends: an executor must not make the submitting thread wait for it on another thread.
     */
    public RouterContext ruleCompactor(final java.util.concurrent.Executor value) {
        ruleCompactor = java.util.Objects.requireNonNull(value, "ruleCompactor");
        return this;
    }

    /** @return where rule-set compactions run. */
    public java.util.concurrent.Executor ruleCompactor() {
        return ruleCompactor != null ? ruleCompactor : dev.eventrouter.match.LayeredRules.background();
    }

    /**
     * Validates the configuration.
     *
     * @return this context.
     * @throws IllegalArgumentException naming the first bad setting.
     */
    public RouterContext conclude() {
        EventArns.account(account);
        EventArns.region(region);
        powerOfTwo("ringSize", ringSize, 2);
        powerOfTwo("handoffBytes", handoffBytes, 64 * 1024);
        if (slotBytes < 64) {
            throw new IllegalArgumentException("slotBytes=" + slotBytes + ": must be at least 64");
        }
        if (maxEventBytes < 64 || (long) maxEventBytes + HandoffDescriptor.HEADER_LENGTH
            + EnvelopeEncoder.MAX_TRACE_HEADER_CHARS + 64 > handoffBytes / 8) {
            throw new IllegalArgumentException("maxEventBytes=" + maxEventBytes + ": must be between 64 and "
                + "handoffBytes/8 minus a header and a trace header (handoffBytes=" + handoffBytes + ")");
        }
        if (maxTargetsPerRule < 1 || maxTargetsPerRule > 100) {
            throw new IllegalArgumentException("maxTargetsPerRule=" + maxTargetsPerRule + ": must be 1-100");
        }
        if (publishTimeout == null || publishTimeout.isNegative()) {
            throw new IllegalArgumentException("publishTimeout=" + publishTimeout + ": must be zero or positive");
        }
        if (ingestLimits == null || clock == null || nanoClock == null || producerMode == null
            || stageThreading == null) {
            throw new IllegalArgumentException("ingestLimits, clock, nanoClock, producerMode and stageThreading must not be null");
        }
        new dev.eventrouter.target.RetryPlanner(retryBaseMillis, retryCapMillis, 0);
        waitStrategy = waitStrategy != null ? waitStrategy : new SleepingWaitStrategy(200, 100);
        ingestIdleStrategy = ingestIdleStrategy != null ? ingestIdleStrategy
            : new BackoffIdleStrategy(100, 100, 1_000, 100_000);
        agentIdleStrategy = agentIdleStrategy != null ? agentIdleStrategy
            : new BackoffIdleStrategy(10, 10, 10_000, 1_000_000);
        return this;
    }

    private static void powerOfTwo(final String name, final int value, final int min) {
        if (value < min || Integer.bitCount(value) != 1) {
            throw new IllegalArgumentException(name + "=" + value + ": must be a power of two, at least " + min);
        }
    }

    String account() {
        return account;
    }

    String region() {
        return region;
    }

    int ringSize() {
        return ringSize;
    }

    int handoffBytes() {
        return handoffBytes;
    }

    int slotBytes() {
        return slotBytes;
    }

    int maxEventBytes() {
        return maxEventBytes;
    }

    int maxTargetsPerRule() {
        return maxTargetsPerRule;
    }

    Duration publishTimeout() {
        return publishTimeout;
    }

    IngestLimits ingestLimits() {
        return ingestLimits;
    }

    EpochClock clock() {
        return clock;
    }

    NanoClock nanoClock() {
        return nanoClock;
    }

    long seed() {
        return seed;
    }

    WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    IdleStrategy ingestIdleStrategy() {
        return ingestIdleStrategy;
    }

    /** @return a fresh idle strategy for one agent thread (strategies hold per-thread state). */
    IdleStrategy newAgentIdleStrategy() {
        return agentIdleStrategy instanceof BackoffIdleStrategy ? new BackoffIdleStrategy(10, 10, 10_000, 1_000_000)
            : agentIdleStrategy;
    }

    java.util.List<RingStage> stages() {
        return java.util.List.copyOf(stages);
    }

    StageThreading stageThreading() {
        return stageThreading;
    }

    boolean validatePublishedEvents() {
        return validatePublishedEvents;
    }

    boolean matchPutEventsAtIngest() {
        return matchPutEventsAtIngest;
    }

    ProducerMode producerMode() {
        return producerMode;
    }

    DeadLetterHandler defaultDeadLetter() {
        return defaultDeadLetter;
    }

    long retryBaseMillis() {
        return retryBaseMillis;
    }

    long retryCapMillis() {
        return retryCapMillis;
    }
}
