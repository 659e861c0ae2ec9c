package dev.eventrouter.persist.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.persist.archive.ArchiveSpec;
import dev.eventrouter.persist.archive.ArchiveStage;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ReplayTest {
    private static final long T0 = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    private final AtomicLong routerClock = new AtomicLong(T0);
    private final AtomicLong replayClock = new AtomicLong(T0 + 3_600_000);
    private final List<String> r1 = new CopyOnWriteArrayList<>();
    private final List<String> r2 = new CopyOnWriteArrayList<>();
    private final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
    private Router router;
    private ReplayAgent replays;

    @BeforeEach
    void setUp() {
        router = Router.start(new RouterContext().clock(routerClock::get).addStage(archives));
        archives.create(router, new ArchiveSpec("all", null, null, 0, dir.resolve("all")));
        router.putRule(Rule.of("r1", "{\"detail\":{\"n\":[{\"exists\":true}]}}"));
        router.putRule(Rule.of("r2", "{\"detail\":{\"n\":[{\"exists\":true}]}}"));
        router.putTargets(null, "r1", List.of(Target.handler("t", d -> r1.add(d.payloadAsString()))));
        router.putTargets(null, "r2", List.of(Target.handler("t", d -> r2.add(d.payloadAsString()))));
        for (int n = 0; n < 10; n++) {
            routerClock.set(T0 + n * 1_000L);
            assertTrue(router.eventBus(null).publish(("{\"id\":\"e" + n + "\",\"detail\":{\"n\":" + n + "}}")
                .getBytes(StandardCharsets.UTF_8)));
        }
        // the archive stage and the match stage run side by side: wait for both before clearing
        await(() -> archives.describe("all").eventCount() == 10 && r1.size() == 10 && r2.size() == 10,
            "archived and delivered");
        r1.clear();
        r2.clear();
        replays = ReplayAgent.start(router, replayClock::get, 2, RollCycles.FIVE_MINUTELY);
    }

    @AfterEach
    void tearDown() {
        replays.close();
        router.close(Duration.ofSeconds(10));
    }

    private static void await(final BooleanSupplier condition, final String what) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "gave up waiting for " + what);
            LockSupport.parkNanos(100_000);
        }
    }

    @Test
    void shouldLetCallersArchiveAndReplayOnlyWhereTheBusPolicyAllows() {
        final String bus = "arn:aws:events:us-east-1:123456789012:event-bus/default";
        final Principal other = Principal.account("222222222222");
        final AccessDeniedException archive = assertThrows(AccessDeniedException.class, () -> archives.create(
            router, other, new ArchiveSpec("theirs", bus, null, 0, dir.resolve("theirs"))));
        assertEquals("User: arn:aws:iam::222222222222:root is not authorized to perform: events:CreateArchive on "
            + "resource: " + bus + " because no resource-based policy allows the events:CreateArchive action",
            archive.getMessage());
        final ReplaySpec spec = new ReplaySpec("theirs", dir.resolve("all"), T0, T0 + 10_000, bus, List.of("r1"), 0);
        assertThrows(AccessDeniedException.class, () -> replays.start(other, spec));
        // the bus's own account needs no policy; a name is in the caller's account
        final Replay own = replays.start(Principal.account("123456789012"), spec.onBus(null));
        assertEquals(bus, own.spec().eventBus());
        router.putPolicy(bus, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":"
            + "{\"AWS\":\"222222222222\"},\"Action\":[\"events:StartReplay\",\"events:CancelReplay\"],"
            + "\"Resource\":\"" + bus + "\"}}");
        final Replay theirs = replays.start(other, new ReplaySpec("theirs-2", dir.resolve("all"), T0, T0 + 10_000,
            bus, List.of("r1"), 0));
        replays.cancel(other, theirs.spec().name());
        assertThrows(AccessDeniedException.class, () -> archives.create(router, other,
            new ArchiveSpec("theirs", bus, null, 0, dir.resolve("theirs"))), "StartReplay is not CreateArchive");
        assertThrows(AccessDeniedException.class, () -> archives.delete(router, other, "all"));
        archives.delete(router, Principal.account("123456789012"), "all");
        assertThrows(IllegalArgumentException.class, () -> archives.describe("all"));
    }

    @Test
    void shouldReplayTheRangeInOrderToTheNamedRulesOnlyWithReplayNameAndNeverReArchive() {
        final Replay replay = replays.start(new ReplaySpec("r-1", dir.resolve("all"), T0 + 2_000, T0 + 5_000, null,
            List.of("r1"), 0));
        await(() -> replay.state() == ReplayState.COMPLETED, "completed");
        await(() -> r1.size() == 3, "three replayed events delivered");
        assertEquals(List.of("{\"replay-name\":\"r-1\",\"id\":\"e2\",\"detail\":{\"n\":2}}",
            "{\"replay-name\":\"r-1\",\"id\":\"e3\",\"detail\":{\"n\":3}}",
            "{\"replay-name\":\"r-1\",\"id\":\"e4\",\"detail\":{\"n\":4}}"), r1);
        assertEquals(3, replay.eventsReplayed());
        assertEquals(T0 + 4_000, replay.lastReplayedEventTime());
        assertTrue(router.close(Duration.ofSeconds(10)).drained());
        assertEquals(List.of(), r2, "r2 was not named");
        assertEquals(10, archives.describe("all").eventCount(), "replayed events are not archived again");
    }

    /**
     * StartReplay replays "events that occurred between" EventStartTime and EventEndTime: a PutEvents entry with an
     * explicit Time a day back is replayed with that day's range, and not with the range it was ingested in.
     */
    @Test
    void shouldSelectEventsByTheirOwnTimeNotByWhenTheyWereArchived() {
        routerClock.set(T0 + 20_000);
        final Instant dayBefore = Instant.ofEpochMilli(T0 - 86_400_000L);
        assertEquals(0, router.putEvents(List.of(dev.eventrouter.bus.PutEventsEntry.of("s", "t", "{\"n\":99}")
            .withTime(dayBefore))).failedEntryCount());
        await(() -> archives.describe("all").eventCount() == 11 && r1.size() == 1, "archived and delivered");
        r1.clear();
        final Replay yesterday = replays.start(new ReplaySpec("yesterday", dir.resolve("all"), dayBefore.toEpochMilli(),
            dayBefore.toEpochMilli() + 1_000, null, List.of("r1"), 0));
        await(() -> yesterday.state() == ReplayState.COMPLETED, "completed");
        await(() -> r1.size() == 1, "delivered");
        assertTrue(r1.get(0).startsWith("{\"replay-name\":\"yesterday\",\"version\":\"0\""), r1.get(0));
        assertTrue(r1.get(0).contains("\"time\":\"" + dayBefore + "\""), r1.get(0));
        final Replay ingested = replays.start(new ReplaySpec("ingested", dir.resolve("all"), T0 + 20_000,
            T0 + 21_000, null, List.of("r1"), 0));
        await(() -> ingested.state() == ReplayState.COMPLETED, "completed");
        assertEquals(0, ingested.eventsReplayed(), "the event's time is a day earlier than its archive time");
    }

    @Test
    void shouldFollowTheOriginalTimingWhenPaced() {
        final Replay replay = replays.start(new ReplaySpec("paced", dir.resolve("all"), T0, T0 + 10_000, null,
            List.of(), 1.0));
        await(() -> replay.eventsReplayed() == 1, "the first event goes at once");
        replayClock.addAndGet(2_500);
        await(() -> replay.eventsReplayed() == 3, "events 1 and 2 are due 1 s and 2 s later");
        assertEquals(ReplayState.RUNNING, replay.state());
        replayClock.addAndGet(10_000);
        await(() -> replay.state() == ReplayState.COMPLETED, "the rest");
        assertEquals(10, replay.eventsReplayed());
    }

    @Test
    void shouldCancelARunningReplayAndRefuseMoreThanTheConcurrencyLimit() {
        final Replay slow = replays.start(new ReplaySpec("slow", dir.resolve("all"), T0, T0 + 10_000, null,
            List.of(), 1.0));
        replays.start(new ReplaySpec("slow2", dir.resolve("all"), T0, T0 + 10_000, null, List.of(), 1.0));
        assertEquals("replay third: 2 replays are running; at most 2 may run at once", assertThrows(
            IllegalStateException.class, () -> replays.start(new ReplaySpec("third", dir.resolve("all"), T0,
                T0 + 1, null, List.of(), 0))).getMessage());
        await(() -> slow.eventsReplayed() == 1, "running");
        replays.cancel("slow");
        await(() -> slow.state() == ReplayState.CANCELLED, "cancelled");
        assertEquals(1, slow.eventsReplayed());
        assertEquals("replay slow already exists", assertThrows(IllegalArgumentException.class,
            () -> replays.start(new ReplaySpec("slow", dir.resolve("all"), T0, T0 + 1, null, List.of(), 0)))
            .getMessage());
    }

    @Test
    void shouldFailWithAReasonWhenTheArchiveIsMissing() {
        final Replay replay = replays.start(new ReplaySpec("lost", dir.resolve("nope"), T0, T0 + 1, null,
            List.of(), 0));
        await(() -> replay.state() == ReplayState.FAILED, "failed");
        assertEquals("archive directory " + dir.resolve("nope") + " does not exist", replay.reason());
        assertEquals("replay x: EventStartTime must be before EventEndTime", assertThrows(
            IllegalArgumentException.class, () -> new ReplaySpec("x", dir, 5, 5, null, List.of(), 0)).getMessage());
        assertEquals("replay x: speed=-1.0: must be 0 (as fast as possible) or a positive factor", assertThrows(
            IllegalArgumentException.class, () -> new ReplaySpec("x", dir, 5, 6, null, List.of(), -1)).getMessage());
        assertEquals("ReplayName=a b: must be 1-64 characters of letters, digits, '.', '-' and '_'", assertThrows(
            IllegalArgumentException.class, () -> new ReplaySpec("a b", dir, 5, 6, null, List.of(), 0)).getMessage());
    }

    /**
     * cancel() read "not final" and then wrote CANCELLING: a replay that ended between the two became a CANCELLING
     * zombie that no step would end, counted as running forever (ten of them refused every new replay).
     */
    @Test
    void shouldLeaveAReplayThatEndsDuringCancelEnded() {
        final Replay replay = new Replay(new ReplaySpec("race", dir.resolve("all"), T0, T0 + 5_000, null, List.of(),
            0), router, RollCycles.FIVE_MINUTELY);
        replay.step(replayClock::get);
        assertEquals(ReplayState.RUNNING, replay.state());
        replay.beforeCancelTransition = () -> {
            replay.beforeCancelTransition = null;
            replay.step(replayClock::get);   // the agent's step ends it while cancel() is between read and write
        };
        replay.cancel();
        assertEquals(ReplayState.CANCELLED, replay.state());
        replay.cancel();
        assertEquals(ReplayState.CANCELLED, replay.state());
    }
}
