package dev.eventrouter.bench;

import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.ProducerMode;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.StageThreading;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.RuleSet;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does the pipeline cost on top of matching, and which producer mode should be the default?
 *
 * <pre>
 *  bare:    events ──▶ EventMatcher (1,000 rules) ──▶ counting handler             (one thread)
 *  router:  publisher ──▶ [handoff ──▶ single writer] or [multi-producer claim] ──▶ ring ──▶ match stage
 *             ──▶ no-op synchronous target of each matched rule                     (the whole router)
 * </pre>
 * The same 10,000 CityLots events and 1,000 synthetic rules in both; an operation is one event, and a router
 * invocation returns only when the match stage has dispatched every event it published. Target: router at least
 * 0.7x bare, 0 B/op (gc.alloc.rate.norm counts every thread).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RouterEndToEndBenchmark {
    static final int EVENTS = 10_000;
    static final int RULES = 1_000;

    /** The baseline: the automaton alone, with no router threads alive in the JVM. */
    @State(Scope.Benchmark)
    public static class Bare {
        byte[][] events;
        EventMatcher matcher;
        final CountingHandler handler = new CountingHandler();

        @Setup
        public void setUp() {
            events = MatchLoop.cityLots(EVENTS);
            final RuleSet ruleSet = new RuleSet();
            ruleSet.putAll(SyntheticRules.generate(RULES, 7));
            matcher = new EventMatcher(ruleSet);
        }
    }

    /** The whole router, in each producer mode, with and without validation on the publisher's thread. */
    @State(Scope.Benchmark)
    public static class Routed {
        @Param({"SINGLE_WRITER", "MULTI_PRODUCER"})
        public ProducerMode mode;

        @Param({"true", "false"})
        public boolean validate;

        @Param({"THREAD_PER_STAGE", "ONE_THREAD"})
        public StageThreading threading;

        @Param({"16384"})
        public int ringSize;

        /**
         * The targets: {@code noop} a synchronous no-op handler; {@code completing} a completing target that succeeds
         * inline; {@code handoff} a completing target that hands each delivery (one small object) to another thread's
         * queue, which completes it and idles as the API destinations' agent does: an API destination's match-thread
         * path without the HTTP.
         */
        @Param({"noop"})
        public String target;

        /** Whether the router tracks ends ({@code RouterContext.trackEnds}, one ticket per matched event). */
        @Param({"false"})
        public boolean trackEnds;

        private Thread consumer;
        private volatile boolean consuming = true;

        byte[][] events;
        Router router;
        EventBus bus;
        final AtomicLong goal = new AtomicLong();

        @Setup
        public void setUp() {
            events = MatchLoop.cityLots(EVENTS);
            router = Router.start(new RouterContext().producerMode(mode).validatePublishedEvents(validate)
                .ringSize(ringSize).handoffBytes(ringSize * 2048).maxEventBytes(64 * 1024)
                .stageThreading(threading).trackEnds(trackEnds));
            bus = router.eventBus(null);
            final org.agrona.concurrent.ManyToOneConcurrentLinkedQueue<Handed> handed =
                new org.agrona.concurrent.ManyToOneConcurrentLinkedQueue<>();
            if ("handoff".equals(target)) {
                consumer = new Thread(() -> {
                    // idles as the API destinations' agent does (ApiDestinations.Context's default)
                    final org.agrona.concurrent.IdleStrategy idle =
                        new org.agrona.concurrent.BackoffIdleStrategy(10, 10, 10_000, 1_000_000);
                    while (consuming) {
                        int work = 0;
                        Handed h;
                        while ((h = handed.poll()) != null) {
                            h.completion().succeeded();
                            work++;
                        }
                        idle.idle(work);
                    }
                }, "handoff-consumer");
                consumer.setDaemon(true);
                consumer.start();
            }
            SyntheticRules.generate(RULES, 7).forEach((name, pattern) -> {
                router.putRule(Rule.of(name, pattern));
                router.putTargets(null, name, List.of(switch (target) {
                    case "noop" -> Target.handler("noop", delivery -> { });
                    case "completing" -> Target.completing("noop", (delivery, completion) -> completion.succeeded())
                        .withQueueCapacity(64);
                    case "handoff" -> Target.completing("noop", (delivery, completion) ->
                        handed.offer(new Handed(delivery, completion))).withQueueCapacity(64);
                    default -> throw new IllegalArgumentException("target " + target);
                }));
            });
        }

        /** What an API destination target hands its agent: the delivery and its completion. */
        private record Handed(dev.eventrouter.target.Delivery delivery, dev.eventrouter.target.Completion completion) {
        }

        @TearDown
        public void tearDown() {
            router.close(Duration.ofSeconds(30));
            consuming = false;
        }

        long publishAll() {
            final long target = goal.addAndGet(EVENTS);
            for (byte[] event : events) {
                while (!bus.publish(event, 0, event.length)) {
                    Thread.onSpinWait();
                }
            }
            while (bus.metrics().published() < target) {
                Thread.onSpinWait();
            }
            return target;
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long bare(final Bare state) {
        return MatchLoop.matchAll(state.matcher, state.events, state.handler);
    }

    /** The bare automaton on bytes known to be valid: what the router's match stage does with validated events. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long bareValidated(final Bare state) {
        return MatchLoop.matchAllValidated(state.matcher, state.events, state.handler);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long router(final Routed state) {
        return state.publishAll();
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(EVENTS)
    public long routerTwoPublishers(final Routed state) {
        return state.publishAll();
    }
}
