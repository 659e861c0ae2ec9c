package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.pattern.InvalidPatternException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ArchiveStageTest {
    private static final long T0 = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(T0);

    private static String envelope(final String source, final int n, final String extra) {
        return "{\"version\":\"0\",\"id\":\"e" + n + "\",\"detail-type\":\"t\",\"source\":\"" + source + "\","
            + "\"account\":\"123456789012\",\"time\":\"2026-11-28T10:00:00Z\",\"region\":\"us-east-1\","
            + "\"resources\":[]," + extra + "\"detail\":{\"n\":" + n + "}}";
    }

    private static List<String> read(final Path archive) {
        final List<String> events = new ArrayList<>();
        try (ArchiveStore store = ArchiveStore.open(archive, RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            while (reader.next()) {
                events.add(reader.eventAsString());
            }
        }
        return events;
    }

    @Test
    void shouldArchiveMatchingEventsOfItsBusOnlyAndNeverReplayedOnes() {
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        try (Router router = Router.start(new RouterContext().clock(clock::get).addStage(archives))) {
            final EventBus orders = router.createEventBus("orders");
            archives.create(router, new ArchiveSpec("shop", "orders", "{\"source\":[\"shop\"]}", 0,
                dir.resolve("shop")));
            archives.create(router, new ArchiveSpec("everything", null, null, 0, dir.resolve("all")));
            final List<String> expectedShop = new ArrayList<>();
            for (int n = 0; n < 6; n++) {
                final String event = envelope(n % 2 == 0 ? "shop" : "pos", n, "");
                clock.addAndGet(1_000);
                assertTrue(orders.publish(event.getBytes(StandardCharsets.UTF_8)));
                if (n % 2 == 0) {
                    expectedShop.add(event);
                }
            }
            assertTrue(orders.publish(envelope("shop", 99, "\"replay-name\":\"r1\",")
                .getBytes(StandardCharsets.UTF_8)));
            final String id = router.putEvents(List.of(PutEventsEntry.of("app", "t", "{}"))).entries().get(0)
                .eventId();

            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(expectedShop, read(dir.resolve("shop")));
            final List<String> all = read(dir.resolve("all"));
            assertEquals(1, all.size());
            assertTrue(all.get(0).contains(id));
            assertEquals(0, router.stageErrors());
        }
    }

    @Test
    void shouldDescribeCountsAndTimesAndKeepThemWhenTheArchiveIsReopened() {
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        try (Router router = Router.start(new RouterContext().clock(clock::get).addStage(archives))) {
            final Path path = dir.resolve("a");
            archives.create(router, new ArchiveSpec("a", null, null, 7, path));
            assertEquals(new ArchiveDescription(new ArchiveSpec("a", null, null, 7, path), "ENABLED", 0, 0, -1, -1, -1, 0, null)
                .toString(), archives.describe("a").toString().replaceFirst("sizeBytes=\\d+", "sizeBytes=0"));
            for (int n = 0; n < 3; n++) {
                clock.set(T0 + n * 400_000L);
                router.eventBus(null).publish(envelope("s", n, "").getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            final ArchiveDescription described = archives.describe("a");
            assertEquals(3, described.eventCount());
            assertEquals(T0, described.firstEventTime());
            assertEquals(T0 + 800_000L, described.lastEventTime());
            assertTrue(described.sizeBytes() > 0 && described.durablePosition() >= 0, described.toString());
        }
        final ArchiveStage reopened = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        try (Router router = Router.start(new RouterContext().addStage(reopened))) {
            reopened.create(router, new ArchiveSpec("a", null, null, 7, dir.resolve("a")));
            final ArchiveDescription described = reopened.describe("a");
            assertEquals(3, described.eventCount(), "three events in three five-minute cycles");
            assertEquals(T0, described.firstEventTime());
            assertEquals(T0 + 800_000L, described.lastEventTime());
        }
    }

    @Test
    void shouldRefuseBadArchivesWithTheirNameWhenCreated() {
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        try (Router router = Router.start(new RouterContext().addStage(archives))) {
            archives.create(router, new ArchiveSpec("a", null, null, 0, dir.resolve("a")));
            assertEquals("archive a already exists", assertThrows(IllegalArgumentException.class,
                () -> archives.create(router, new ArchiveSpec("a", null, null, 0, dir.resolve("b")))).getMessage());
            assertEquals("Event bus nope does not exist.", assertThrows(IllegalArgumentException.class,
                () -> archives.create(router, new ArchiveSpec("b", "nope", null, 0, dir.resolve("b")))).getMessage());
            assertEquals("archive c: EventPattern cannot test replay-name (replayed events are never archived)",
                assertThrows(IllegalArgumentException.class, () -> archives.create(router,
                    new ArchiveSpec("c", null, "{\"replay-name\":[\"x\"]}", 0, dir.resolve("c")))).getMessage());
            final InvalidPatternException bad = assertThrows(InvalidPatternException.class, () -> archives.create(
                router, new ArchiveSpec("d", null, "{\"source\":\"x\"}", 0, dir.resolve("d"))));
            assertTrue(bad.getMessage().startsWith("rule \"archive d\": $.source: "), bad.getMessage());
            assertEquals("RetentionDays=-1: must be 0 (forever) or more".replace("Ret", "archive e: Ret"),
                assertThrows(IllegalArgumentException.class,
                    () -> new ArchiveSpec("e", null, null, -1, dir)).getMessage());
            assertEquals(List.of("a"), archives.list());
            archives.delete("a");
            router.eventBus(null).publish(envelope("s", 1, "").getBytes(StandardCharsets.UTF_8));
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertFalse(Files.exists(dir.resolve("a")), "a deleted archive's files are removed");
        }
    }

    @Test
    void shouldDeleteWholeCyclesOlderThanTheRetentionButNeverTheCurrentOne() {
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        final long day = 86_400_000L;
        try (Router router = Router.start(new RouterContext().clock(clock::get).addStage(archives))) {
            archives.create(router, new ArchiveSpec("kept", null, null, 1, dir.resolve("kept")));
            for (long at : new long[] {T0 - 3 * day, T0 - 2 * day, T0 - day + 600_000, T0}) {
                clock.set(at);
                router.eventBus(null).publish(envelope("s", (int) ((at - T0) / 1000), "")
                    .getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            final ArchiveDescription described = archives.describe("kept");
            assertEquals(2, described.eventCount(), described.toString());
            assertEquals(T0 - day + 600_000, described.firstEventTime());
        }
        assertEquals(2, read(dir.resolve("kept")).size());
    }

    @Test
    void shouldApplyANewPatternToLaterEventsWhenUpdated() {
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        try (Router router = Router.start(new RouterContext().clock(clock::get).addStage(archives))) {
            final Path path = dir.resolve("u");
            archives.create(router, new ArchiveSpec("u", null, "{\"source\":[\"a\"]}", 0, path));
            final EventBus bus = router.eventBus(null);
            bus.publish(envelope("a", 1, "").getBytes(StandardCharsets.UTF_8));
            bus.publish(envelope("b", 2, "").getBytes(StandardCharsets.UTF_8));
            bus.publish(envelope("a", 3, "").getBytes(StandardCharsets.UTF_8));
            await(archives, "u", 2);  // the stage reads in order: event 2 has been seen (and left out)
            archives.update(router, new ArchiveSpec("u", null, "{\"source\":[\"b\"]}", 3, path));
            bus.publish(envelope("a", 4, "").getBytes(StandardCharsets.UTF_8));
            bus.publish(envelope("b", 5, "").getBytes(StandardCharsets.UTF_8));
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(List.of(envelope("a", 1, ""), envelope("a", 3, ""), envelope("b", 5, "")), read(path));
            assertEquals(3, archives.describe("u").spec().retentionDays());
            assertEquals("archive u: the event bus and directory of an archive cannot change", assertThrows(
                IllegalArgumentException.class, () -> archives.update(router,
                    new ArchiveSpec("u", null, null, 0, dir.resolve("elsewhere")))).getMessage());
        }
    }

    private static void await(final ArchiveStage archives, final String name, final long count) {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (archives.describe(name).eventCount() < count) {
            assertTrue(System.nanoTime() < deadline, "gave up waiting for " + count + " archived events");
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }
}
