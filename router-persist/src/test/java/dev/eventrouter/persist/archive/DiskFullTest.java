package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An archive on a full disk (a 2 MiB tmpfs mounted for the test; skipped where mounting is not allowed). Before,
 * Chronicle's InternalError killed the archive thread, the ring stopped behind it and the router stalled, and a torn
 * entry full of zeros was left that dump printed. Now the archive reports FAILED, its bus refuses new events with
 * the reason (per entry), other buses go on, and readers never serve a torn entry.
 */
@Timeout(120)
class DiskFullTest {
    @TempDir
    Path dir;
    private Path small;
    private boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        small = Files.createDirectories(dir.resolve("small"));
        final Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString())
            .redirectErrorStream(true).start();
        mounted = mount.waitFor() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here: " + new String(mount.getInputStream()
            .readAllBytes(), StandardCharsets.UTF_8));
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", small.toString()).start().waitFor();
        }
    }

    @Test
    void shouldRefuseEventsForTheBusInsteadOfStallingWhenTheArchiveDiskIsFull() throws Exception {
        final ArchiveStage archives = new ArchiveStage(RollCycles.FIVE_MINUTELY);
        final List<String> other = new CopyOnWriteArrayList<>();
        final Router router = Router.start(new RouterContext().addStage(archives));
        router.createEventBus("other");
        router.putRule(Rule.of("all", "{\"source\":[\"s\"]}").onBus("other"));
        router.putTargets("other", "all", List.of(Target.handler("t", d -> other.add(d.payloadAsString()))));
        archives.create(router, new ArchiveSpec("full", null, null, 0, small.resolve("archive")));
        final String padding = "x".repeat(900);
        int accepted = 0;
        String refusal = null;
        int next = 0;
        for (; next < 500_000 && refusal == null; next++) {
            try {
                if (router.eventBus(null).publish(event(next, padding))) {
                    accepted++;
                }
            } catch (IllegalStateException e) {
                refusal = e.getMessage();
            }
        }
        assertTrue(refusal != null && refusal.startsWith("event bus arn:aws:events:us-east-1:123456789012:"
            + "event-bus/default refuses events: archive full cannot write to " + small.resolve("archive")), refusal);
        assertEquals("InternalFailure", router.putEvents(List.of(dev.eventrouter.bus.PutEventsEntry.of("s", "t",
            "{}"))).entries().get(0).error().code());
        assertEquals("FAILED", archives.describe("full").state());
        // events accepted before the refusal may still be queued for the archive; each would fail again after
        // resume and refuse the bus before this test's own event, so let the archive account for all of them first
        final int acceptedBeforeResume = accepted;
        dev.eventrouter.bus.Await.until(() -> {
            final ArchiveDescription now = archives.describe("full");
            return now.eventCount() + now.failedAppends() + router.stageErrors() >= acceptedBeforeResume;
        }, "the archive has seen every accepted event");
        // resume opens the bus again; the disk is still full, so the next write fails and closes it again
        archives.resume(router, "full");
        assertEquals(null, router.eventBus(null).refusal());
        assertEquals("ENABLED", archives.describe("full").state());
        // (a small event may still fit in a page already mapped: keep publishing until a write needs a new one)
        String refusedAgain = null;
        for (int n = next; n < next + 500_000 && refusedAgain == null; n++) {
            try {
                if (router.eventBus(null).publish(event(n, padding))) {
                    accepted++;
                }
            } catch (IllegalStateException e) {
                refusedAgain = e.getMessage();
            }
        }
        assertTrue(refusedAgain != null && refusedAgain.contains("archive full cannot write to "), refusedAgain);
        assertEquals("archive nope does not exist", org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> archives.resume(router, "nope")).getMessage());

        // the router did not stall: another bus still delivers, and close drains
        assertTrue(router.eventBus("other").publish("{\"source\":\"s\",\"n\":1}".getBytes(StandardCharsets.UTF_8)));
        dev.eventrouter.bus.Await.until(() -> other.size() == 1, "the other bus delivers");
        assertTrue(router.close(Duration.ofSeconds(30)).drained());
        final ArchiveDescription described = archives.describe("full");
        assertTrue(described.failedAppends() >= 1, described.toString());
        // a fault writing a mapped page can surface after the write, outside the archive's own code: then it is
        // counted as a stage error
        assertTrue(accepted <= described.eventCount() + described.failedAppends() + router.stageErrors(),
            accepted + " accepted, " + described + ", " + router.stageErrors() + " stage errors");

        // whatever is on disk reads as whole events or as a clear error, never a torn entry
        long read = 0;
        int lastId = -1;
        try (ArchiveStore store = ArchiveStore.openReadOnly(small.resolve("archive"), RollCycles.FIVE_MINUTELY);
             ArchiveReader reader = store.reader()) {
            while (reader.next()) {
                final String text = reader.eventAsString();
                // whole, and in publication order (events that failed to archive leave gaps in the ids)
                assertTrue(text.startsWith("{\"id\":\"e") && text.endsWith("\"}}"), text);
                final int id = Integer.parseInt(text.substring(8, text.indexOf('"', 8)));
                assertTrue(id > lastId, id + " after " + lastId);
                lastId = id;
                read++;
            }
        } catch (CorruptArchiveException e) {
            assertTrue(e.getMessage().contains("(corrupt file?)"), e.getMessage());
        }
        assertTrue(read <= described.eventCount(), read + " read of " + described.eventCount());
    }

    private static byte[] event(final int n, final String padding) {
        return ("{\"id\":\"e" + n + "\",\"source\":\"s\",\"detail\":{\"p\":\"" + padding + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
    }
}
