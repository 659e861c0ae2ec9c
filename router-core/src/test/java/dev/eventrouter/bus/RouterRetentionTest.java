package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A closed router is garbage once its owner lets go, even when a long-lived thread (here the test's own) published to
 * it: its per-thread publisher state must not keep it (and its ring and handoff buffers) reachable. Before the fix a
 * fork of tests that each started a default router ran out of a 2 GB heap.
 */
@Timeout(60)
class RouterRetentionTest {
    @Test
    void shouldNotBeKeptAliveByAThreadThatPublishedToIt() {
        WeakReference<Router> ref = publishAndClose();
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.onSpinWait();
        }
        assertNull(ref.get(), "the closed router is still reachable");
    }

    private static WeakReference<Router> publishAndClose() {
        final Router router = Router.start(new RouterContext().ringSize(64).handoffBytes(1 << 20)
            .maxEventBytes(64 * 1024));
        router.putEvents(List.of(PutEventsEntry.of("s", "t", "{}")));
        assertTrue(router.eventBus(null).publish("{\"source\":\"s\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(router.close(Duration.ofSeconds(10)).drained());
        return new WeakReference<>(router);
    }
}
