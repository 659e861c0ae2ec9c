package dev.eventrouter.persist.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.CloseReport;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.bus.Undelivered;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.persist.archive.ArchiveSpec;
import dev.eventrouter.persist.archive.ArchiveStage;
import dev.eventrouter.persist.replay.Replay;
import dev.eventrouter.persist.replay.ReplayAgent;
import dev.eventrouter.persist.replay.ReplaySpec;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import dev.eventrouter.testkit.Gen;
import dev.eventrouter.testkit.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded fault-injection soak. Three publishers feed three buses (raw and PutEvents, 1% malformed) through a small
 * ring that fills; targets throw Exceptions and Errors, run slow, get stuck, are replaced while events are in
 * flight; rules are disabled and enabled; a bus is emptied and deleted; an archive records the default bus and a
 * replay feeds it back; an event-source mapping with bisection publishes into the router; the router is closed
 * while publishers are still publishing. Then an exact ledger:
 * <ul>
 *   <li>every accepted event reaches its bus's witness rule exactly once, or is reported by close as not matched
 *       (a deleted bus's events may instead be counted as discarded or unmatched);</li>
 *   <li>for every faulty target, every event its rule matched ends in exactly one of: delivered once, dead-lettered,
 *       reported by close; and no event is attempted more often than its retry policy allows;</li>
 *   <li>the target replaced over and over sees every event its rule matched, with the same exactly-one outcome;</li>
 *   <li>every replayed event reaches the witness once; every mapping record is delivered at least once.</li>
 * </ul>
 * About 10 s per seed; {@code -Deventrouter.soak.factor=10} runs ten times as many events. A failure names the seed.
 */
@Timeout(300)
class RouterSoakTest {
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
    private static final int KINDS = 4;
    private static final int PUBLISHERS = 3;
    private static final int MAPPING_RECORDS = 300;

    @TempDir
    Path dir;

    static LongStream seeds() {
        return Seeds.fixedAndRandom(101);
    }

    /** One target's observations, by event id. */
    private static final class Ledger {
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> deadLettered = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> reported = new ConcurrentHashMap<>();

        static void count(final Map<String, AtomicInteger> map, final String id) {
            map.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        }

        static int get(final Map<String, AtomicInteger> map, final String id) {
            final AtomicInteger value = map.get(id);
            return value == null ? 0 : value.get();
        }

        Set<String> seen() {
            final Set<String> ids = ConcurrentHashMap.newKeySet();
            ids.addAll(attempts.keySet());
            ids.addAll(deadLettered.keySet());
            ids.addAll(reported.keySet());
            return ids;
        }

        /** Each id ends once: delivered once, or dead-lettered, or reported; never more attempts than allowed. */
        void check(final String target, final Set<String> expected, final int maxAttempts, final String seed) {
            for (String id : expected) {
                final int outcomes = get(delivered, id) + get(deadLettered, id) + get(reported, id);
                assertEquals(1, outcomes, () -> seed + ": target " + target + " event " + id + ": delivered "
                    + get(delivered, id) + ", dead-lettered " + get(deadLettered, id) + ", reported "
                    + get(reported, id) + ", attempts " + get(attempts, id));
                assertTrue(get(attempts, id) <= maxAttempts, () -> seed + ": target " + target + " event " + id
                    + " attempted " + get(attempts, id) + " times; its policy allows " + maxAttempts);
            }
            for (String id : seen()) {
                assertTrue(expected.contains(id), () -> seed + ": target " + target + " saw " + id
                    + ", which its rule never matched");
            }
        }
    }

    private static String id(final String payload) {
        final Matcher m = ID.matcher(payload);
        return m.find() ? m.group(1) : null;
    }

    private static String id(final byte[] payload) {
        return id(new String(payload, StandardCharsets.UTF_8));
    }

    private static byte[] envelope(final String id, final int kind) {
        return ("{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"t\",\"source\":\"soak\",\"account\":"
            + "\"123456789012\",\"time\":\"2026-11-28T10:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],"
            + "\"detail\":{\"kind\":" + kind + "}}").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAccountForEveryAcceptedEventUnderFaults(final long seed) throws Exception {
        final String where = "seed " + seed + " (replay: -D" + Seeds.PROPERTY + "=" + seed + ")";
        final Gen gen = new Gen(seed);
        final int perPublisher = (int) (6_000 * Double.parseDouble(System.getProperty("eventrouter.soak.factor",
            "1")));
        final AtomicLong clock = new AtomicLong(1_764_000_000_000L);
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        final Router router = Router.start(new RouterContext().clock(clock::get).seed(seed).ringSize(64)
            .handoffBytes(64 * 1024).maxEventBytes(2 * 1024).publishTimeout(Duration.ofMillis(gen.between(1, 20)))
            .addStage(archives));
        router.createEventBus("b1");
        final EventBus b2 = router.createEventBus("b2");
        archives.create(router, new ArchiveSpec("all", null, null, 0, dir.resolve("archive")));

        // witnesses: one stable rule per bus that matches everything and never fails
        final Map<String, Ledger> witness = new HashMap<>();
        final Map<String, Ledger> replayed = new HashMap<>();
        for (String bus : List.of("default", "b1", "b2")) {
            final Ledger ledger = new Ledger();
            final Ledger replays = new Ledger();
            witness.put(bus, ledger);
            replayed.put(bus, replays);
            router.putRule(Rule.of("witness", "{\"source\":[\"soak\",\"soak-map\"]}").onBus(bus));
            router.putTargets(bus, "witness", List.of(Target.handler("w", d -> {
                final String payload = d.payloadAsString();
                Ledger.count(payload.startsWith("{\"replay-name\"") ? replays.delivered : ledger.delivered,
                    id(payload));
            })));
        }

        // faulty targets on the default bus, one rule per kind (kind 0 hops to b1)
        final Map<String, Ledger> faulty = new HashMap<>();
        final Map<String, Integer> maxAttempts = new HashMap<>();
        final Map<String, Integer> kindOf = new HashMap<>();
        final CountDownLatch stuck = new CountDownLatch(1);
        final AtomicLong faultSeeds = new AtomicLong(seed);
        final java.util.function.Function<String, DeadLetterCounter> deadLetters = target -> letter ->
            Ledger.count(faulty.get(target).deadLettered, id(letter.event()));
        for (String target : List.of("flaky", "slow", "stuck", "hop", "churn")) {
            faulty.put(target, new Ledger());
        }
        router.putRule(Rule.of("hop", "{\"detail\":{\"kind\":[0]}}"));
        router.putTargets(null, "hop", List.of(Target.bus("hop", "b1").withRetryPolicy(new RetryPolicy(3, 3_600))
            .withDeadLetter(deadLetters.apply("hop")::onDeadLetter)));
        maxAttempts.put("hop", 4);
        kindOf.put("hop", 0);
        router.putRule(Rule.of("flaky", "{\"detail\":{\"kind\":[1]}}"));
        router.putTargets(null, "flaky", List.of(Target.handler("flaky", recorded(faulty.get("flaky"), (id, attempt) -> {
            final long draw = Math.floorMod(Seeds.mix(faultSeeds.get(), id.hashCode() * 31 + attempt), 10);
            if (draw == 0) {
                throw new AssertionError("flaky Error");
            } else if (draw == 1) {
                throw new StackOverflowError("flaky stack");
            } else if (draw < 4) {
                throw new IllegalStateException("flaky Exception");
            }
        })).withRetryPolicy(new RetryPolicy(2, 3_600)).withDeadLetter(deadLetters.apply("flaky")::onDeadLetter)));
        maxAttempts.put("flaky", 3);
        kindOf.put("flaky", 1);
        router.putRule(Rule.of("slow", "{\"detail\":{\"kind\":[2]}}"));
        router.putTargets(null, "slow", List.of(Target.asyncHandler("slow", recorded(faulty.get("slow"), (id, attempt) -> {
            final long draw = Math.floorMod(Seeds.mix(faultSeeds.get(), id.hashCode() * 17 + attempt), 10);
            if (draw < 2) {
                throw new IllegalStateException("slow failure");
            }
            if (draw < 4) {
                LockSupport.parkNanos(50_000);   // a slow call
            }
        })).withQueueCapacity(4).withRetryPolicy(new RetryPolicy(3, 3_600))
            .withDeadLetter(deadLetters.apply("slow")::onDeadLetter)));
        maxAttempts.put("slow", 4);
        kindOf.put("slow", 2);
        router.putRule(Rule.of("stuck", "{\"detail\":{\"kind\":[3]}}"));
        router.putTargets(null, "stuck", List.of(Target.asyncHandler("stuck", recorded(faulty.get("stuck"),
            (id, attempt) -> stuck.await()))   // never released: close interrupts it
            .withQueueCapacity(2).withRetryPolicy(new RetryPolicy(1, 3_600))
            .withDeadLetter(deadLetters.apply("stuck")::onDeadLetter)));
        maxAttempts.put("stuck", 2);
        kindOf.put("stuck", 3);
        // the churned target: replaced by a new instance again and again while events are in flight
        router.putRule(Rule.of("churn", "{\"detail\":{\"kind\":[1,2]}}"));
        final AtomicInteger generation = new AtomicInteger();
        final java.util.function.Supplier<Target> churnTarget = () -> {
            final int instance = generation.incrementAndGet();
            return Target.asyncHandler("c", recorded(faulty.get("churn"), (id, attempt) -> {
                if (Math.floorMod(Seeds.mix(faultSeeds.get(), id.hashCode() + instance * 7 + attempt), 5) == 0) {
                    throw new IllegalStateException("churn failure");
                }
            })).withQueueCapacity(8).withRetryPolicy(new RetryPolicy(2, 3_600))
                .withDeadLetter(deadLetters.apply("churn")::onDeadLetter);
        };
        router.putTargets(null, "churn", List.of(churnTarget.get()));
        maxAttempts.put("churn", 3);
        // a rule toggled on and off (its target only counts)
        router.putRule(Rule.of("toggle", "{\"detail\":{\"kind\":[0,3]}}"));
        router.putTargets(null, "toggle", List.of(Target.handler("t", d -> { })));

        // an event-source mapping whose handler publishes into b1 (bisecting, failing now and then)
        final InMemorySource source = new InMemorySource(1);
        for (int i = 0; i < MAPPING_RECORDS; i++) {
            source.append(0, "k" + (i % 7), clock.get(), ("{\"m\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        final Set<Long> mapped = ConcurrentHashMap.newKeySet();
        final Set<String> acceptedB1 = ConcurrentHashMap.newKeySet();
        final Poller poller = new Poller(clock::get);
        poller.add(MappingConfig.of("into-b1", 10, 0).withParallelizationFactor(3)
                .withFailurePolicy(new FailurePolicy(-1, -1, true, false, null)), source, CheckpointStore.inMemory(),
            (partition, records) -> {
                if (records.size() > 1 && Math.floorMod(Seeds.mix(seed, (int) records.get(0).position()), 4) == 0) {
                    throw new IllegalStateException("mapping handler failure");
                }
                for (var record : records) {
                    final PutEventsResult result = router.putEvents(List.of(PutEventsEntry.of("soak-map", "m",
                        record.dataAsString()).withEventBusName("b1")));
                    if (result.failedEntryCount() > 0) {
                        throw new IllegalStateException("throttled: " + result.entries().get(0).error());
                    }
                    acceptedB1.add(result.entries().get(0).eventId());
                    mapped.add(record.position());
                }
                return null;
            });

        // publishers
        final Map<String, Set<String>> accepted = Map.of("default", ConcurrentHashMap.newKeySet(), "b1", acceptedB1,
            "b2", ConcurrentHashMap.newKeySet());
        final Map<String, Integer> kinds = new ConcurrentHashMap<>();
        final AtomicInteger attempted = new AtomicInteger();
        final AtomicInteger malformedRefused = new AtomicInteger();
        final AtomicBoolean b2Deleted = new AtomicBoolean();
        final List<Thread> publishers = new ArrayList<>();
        final List<Throwable> publisherFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            final Gen mine = new Gen(Seeds.mix(seed, 1_000 + p));
            final int publisher = p;
            final Thread thread = new Thread(() -> {
                try {
                    for (int n = 0; n < perPublisher; n++) {
                        attempted.incrementAndGet();
                        final String bus = mine.weigh(7, (java.util.function.Supplier<String>) () -> "default",
                            2, (java.util.function.Supplier<String>) () -> "b1",
                            1, (java.util.function.Supplier<String>) () -> "b2");
                        if (bus.equals("b2") && b2Deleted.get()) {
                            continue;
                        }
                        final String id = bus.charAt(0) + "" + publisher + "-" + n;
                        final int kind = mine.between(0, KINDS - 1);
                        final byte[] bytes = mine.oneIn(100) ? "{\"id\":\"bad\",\"x\":[1,}".getBytes(
                            StandardCharsets.UTF_8) : envelope(id, kind);
                        try {
                            final EventBus target = router.eventBus(bus);
                            if (target.publish(bytes, 0, bytes.length)) {
                                kinds.put(id, kind);
                                accepted.get(bus).add(id);
                            }
                        } catch (MalformedEventException e) {
                            malformedRefused.incrementAndGet();
                        } catch (IllegalArgumentException | IllegalStateException e) {
                            if (router.isClosed()) {
                                return;   // closed under load
                            }
                            if (!bus.equals("b2")) {
                                throw e;
                            }
                        }
                    }
                } catch (Throwable e) {
                    publisherFailures.add(e);
                }
            }, "soak-publisher-" + p);
            publishers.add(thread);
            thread.start();
        }

        // the driver: the clock, the poller, churn, deletion, replay; then close under load
        final int total = PUBLISHERS * perPublisher;
        final ReplayAgent replays = ReplayAgent.start(router, clock::get, 2, RollCycles.FIVE_MINUTELY);
        Replay replay = null;
        boolean b2Emptied = false;
        final long replayFrom = clock.get();
        int rounds = 0;
        while (attempted.get() < total * 9 / 10 && publishers.stream().anyMatch(Thread::isAlive)) {
            rounds++;
            clock.addAndGet(gen.between(0, 300));
            poller.doWork();
            if (rounds % 3 == 0) {
                router.putTargets(null, "churn", List.of(churnTarget.get()));
            }
            if (rounds % 5 == 0) {
                if (gen.oneIn(2)) {
                    router.disableRule(null, "toggle");
                } else {
                    router.enableRule(null, "toggle");
                }
            }
            if (!b2Emptied && attempted.get() > total / 2) {
                router.removeTargets("b2", "witness", List.of("w"));
                router.deleteRule("b2", "witness");
                b2Emptied = true;
            }
            if (b2Emptied && !b2Deleted.get() && attempted.get() > total * 6 / 10) {
                b2Deleted.set(true);
                router.deleteEventBus("b2");
            }
            if (replay == null && attempted.get() > total * 7 / 10) {
                replay = replays.start(new ReplaySpec("soak-replay", dir.resolve("archive"), replayFrom,
                    clock.get() - 1, null, List.of("witness"), 0));
            }
            LockSupport.parkNanos(200_000);
        }
        // let the mapping, the replay and the retries finish while the publishers still run, then close under load
        for (int i = 0; i < 2_000 && (mapped.size() < MAPPING_RECORDS || replay == null
            || !replay.state().isFinal()); i++) {
            clock.addAndGet(1_000);
            poller.doWork();
            LockSupport.parkNanos(200_000);
        }
        clock.addAndGet(4 * 3_600_000L);   // every retry comes due or expires
        final CloseReport report = router.close(Duration.ofSeconds(2));
        for (Thread thread : publishers) {
            thread.join();
        }
        replays.close();
        assertEquals(List.of(), publisherFailures, where);
        assertEquals(List.of(), report.stuckThreads(), where);

        // what close reported: not matched (no rule) or for a target
        final Map<String, Integer> notMatched = new HashMap<>();
        for (Undelivered left : report.undelivered()) {
            final String id = id(left.event());
            if (left.ruleArn() == null) {
                notMatched.merge(id, 1, Integer::sum);
            } else {
                final String target = left.targetId().equals("c") ? "churn" : left.targetId();
                assertTrue(faulty.containsKey(target), () -> where + ": reported for an unexpected target " + left);
                Ledger.count(faulty.get(target).reported, id);
            }
        }

        // 1. every accepted event reached its bus's witness once, or was reported as not matched
        for (String bus : List.of("default", "b1")) {
            final Ledger ledger = witness.get(bus);
            for (String id : accepted.get(bus)) {
                final int outcomes = Ledger.get(ledger.delivered, id) + notMatched.getOrDefault(id, 0);
                assertEquals(1, outcomes, () -> where + ": bus " + bus + " event " + id + " reached the witness "
                    + Ledger.get(ledger.delivered, id) + " times and was reported " + notMatched.getOrDefault(id, 0)
                    + " times");
            }
        }
        // b1 also gets the hopped copies of the default bus's kind-0 events: each at most once
        for (Map.Entry<String, AtomicInteger> seen : witness.get("b1").delivered.entrySet()) {
            final String id = seen.getKey();
            assertTrue(acceptedB1.contains(id) || accepted.get("default").contains(id) && kinds.get(id) == 0,
                () -> where + ": b1's witness saw " + id + ", accepted nowhere");
            assertEquals(1, seen.getValue().get(), () -> where + ": b1's witness saw " + id + " twice");
        }
        // the deleted bus: matched (by the witness, or by its rule after its target went), unmatched after the rule
        // went, discarded after the bus went, or reported
        assertTrue(witness.get("b2").delivered.values().stream().allMatch(v -> v.get() == 1), where);
        assertTrue(witness.get("b2").delivered.size() <= b2.metrics().matched(), where);
        final long b2Reported = accepted.get("b2").stream().filter(notMatched::containsKey).count();
        assertEquals(b2.metrics().published(), b2.metrics().matched() + b2.metrics().unmatched(), where);
        assertEquals(accepted.get("b2").size(), b2.metrics().published() + router.discardedForDeletedBus()
            + b2Reported, where);

        // 2. faulty targets: what their rule matched (= what the default witness saw, of their kind) ends once
        for (String target : List.of("flaky", "slow", "stuck")) {
            final int kind = kindOf.get(target);
            final Set<String> expected = matched(witness.get("default"), kinds, Set.of(kind));
            faulty.get(target).check(target, expected, maxAttempts.get(target), where);
        }
        // the hop: forwarded (seen on b1 or not matched there), dead-lettered or reported, once
        final Ledger hop = faulty.get("hop");
        for (String id : matched(witness.get("default"), kinds, Set.of(0))) {
            final int outcomes = Ledger.get(witness.get("b1").delivered, id) + Ledger.get(hop.deadLettered, id)
                + Ledger.get(hop.reported, id) + notMatched.getOrDefault(id, 0);
            assertEquals(1, outcomes, () -> where + ": hop of " + id + ": on b1 "
                + Ledger.get(witness.get("b1").delivered, id) + ", dead-lettered " + Ledger.get(hop.deadLettered, id)
                + ", reported " + Ledger.get(hop.reported, id) + ", not matched " + notMatched.getOrDefault(id, 0));
        }
        // 3. the churned target saw every event its rule matched, across all its replacements
        faulty.get("churn").check("churn", matched(witness.get("default"), kinds, Set.of(1, 2)),
            maxAttempts.get("churn"), where);
        // 4. replays and the mapping
        assertTrue(replay != null && replay.state().isFinal(), () -> where + ": replay " + replays);
        for (Map.Entry<String, AtomicInteger> seen : replayed.get("default").delivered.entrySet()) {
            assertEquals(1, seen.getValue().get(), () -> where + ": replayed event " + seen.getKey() + " twice");
        }
        final long replayedLeft = report.undelivered().stream()
            .filter(u -> u.eventAsString().startsWith("{\"replay-name\"")).count();
        assertEquals(replay.eventsReplayed(), replayed.get("default").delivered.size() + replayedLeft, where);
        assertEquals(MAPPING_RECORDS, mapped.size(), where);
        System.out.printf("soak %s: %d published, %d accepted (%d/%d/%d), %d malformed refused, %d replayed, %d "
                + "churned targets, %d left at close%n", where, attempted.get(), accepted.values().stream()
                .mapToInt(Set::size).sum(), accepted.get("default").size(), accepted.get("b1").size(),
            accepted.get("b2").size(), malformedRefused.get(), replay.eventsReplayed(), generation.get(),
            report.undelivered().size());
    }

    /** The events of these kinds that reached the default bus's witness (so the bus's rules matched them). */
    private static Set<String> matched(final Ledger witness, final Map<String, Integer> kinds,
                                       final Set<Integer> wanted) {
        final Set<String> ids = ConcurrentHashMap.newKeySet();
        for (String id : witness.delivered.keySet()) {
            final Integer kind = kinds.get(id);
            if (kind != null && wanted.contains(kind)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** What a faulty target does with one attempt: return to succeed, throw (anything) to fail. */
    @FunctionalInterface
    private interface Behaviour {
        void attempt(String id, int attempt) throws Exception;
    }

    /** A handler that records each attempt, runs the behaviour, and records the success when it returns. */
    private static dev.eventrouter.target.EventHandler recorded(final Ledger ledger, final Behaviour behaviour) {
        return d -> {
            final String id = id(d.payloadAsString());
            Ledger.count(ledger.attempts, id);
            behaviour.attempt(id, d.attempt());
            Ledger.count(ledger.delivered, id);
        };
    }

    /** A dead-letter handler, as a named functional type for the lambda above. */
    @FunctionalInterface
    private interface DeadLetterCounter {
        void onDeadLetter(DeadLetter letter);
    }
}
