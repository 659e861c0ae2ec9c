package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RouterAdminTest {
    private static final byte[] EVENT = "{\"source\":\"app\",\"n\":1}".getBytes(StandardCharsets.UTF_8);

    private static String message(final org.junit.jupiter.api.function.Executable executable) {
        return assertThrows(IllegalArgumentException.class, executable).getMessage();
    }

    @Test
    void shouldRefuseToDeleteTheDefaultBusOrABusWithRulesAndDiscardItsPendingEventsWhenDeleted() throws Exception {
        try (Router router = Router.start(new RouterContext())) {
            assertEquals("the default event bus cannot be deleted", message(() -> router.deleteEventBus(null)));
            final EventBus gone = router.createEventBus("gone");
            router.putRule(Rule.of("r", "{\"source\":[\"app\"]}").onBus("gone"));
            assertEquals("event bus arn:aws:events:us-east-1:123456789012:event-bus/gone still has rules [r]; "
                + "delete them first", message(() -> router.deleteEventBus("gone")));
            router.deleteRule("gone", "r");

            final CountDownLatch release = new CountDownLatch(1);
            router.putRule(Rule.of("block", "{\"source\":[\"app\"]}"));
            router.putTargets(null, "block", List.of(Target.handler("wait", d -> release.await())));
            assertTrue(router.eventBus(null).publish(EVENT));
            assertTrue(gone.publish(EVENT));
            router.deleteEventBus("gone");
            release.countDown();

            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(1, router.discardedForDeletedBus());
            assertEquals("Event bus gone does not exist.", message(() -> router.eventBus("gone")));
            assertEquals(List.of("default"), router.eventBuses().stream().map(EventBus::name).toList());
        }
    }

    @Test
    void shouldRefusePublishingToADeletedBusHandle() {
        try (Router router = Router.start(new RouterContext())) {
            final EventBus bus = router.createEventBus("b");
            router.deleteEventBus("b");
            assertEquals("event bus arn:aws:events:us-east-1:123456789012:event-bus/b was deleted",
                assertThrows(IllegalStateException.class, () -> bus.publish(EVENT)).getMessage());
        }
    }

    @Test
    void shouldLetAReplacedAsynchronousTargetFinishItsQueueWhenTargetsChange() throws Exception {
        try (Router router = Router.start(new RouterContext())) {
            final CountDownLatch release = new CountDownLatch(1);
            final List<String> old = new CopyOnWriteArrayList<>();
            final List<String> replacement = new CopyOnWriteArrayList<>();
            router.putRule(Rule.of("r", "{\"source\":[\"app\"]}"));
            router.putTargets(null, "r", List.of(Target.asyncHandler("t", d -> {
                release.await();
                old.add(d.payloadAsString());
            })));
            final EventBus bus = router.eventBus(null);
            for (int i = 0; i < 5; i++) {
                assertTrue(bus.publish(EVENT));
            }
            // every event matched (a matched event is dispatched with the rules it was matched against)
            Await.until(() -> router.ruleMetrics(null, "r").matched() == 5, "all five matched and queued");
            router.putTargets(null, "r", List.of(Target.asyncHandler("t", d -> replacement.add(d.payloadAsString()))));
            for (int i = 0; i < 3; i++) {
                assertTrue(bus.publish(EVENT));
            }
            release.countDown();
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(5, old.size());
            assertEquals(3, replacement.size());
            assertEquals(8, router.targetMetrics(null, "r", "t").delivered());
        }
    }

    @Test
    void shouldNameTheSettingWhenTheContextIsInvalid() {
        assertEquals("ringSize=1000: must be a power of two, at least 2",
            message(() -> new RouterContext().ringSize(1000).conclude()));
        assertEquals("maxEventBytes=1114112: must be between 64 and handoffBytes/8 minus a header and a trace "
            + "header (handoffBytes=1048576)", message(() -> new RouterContext().handoffBytes(1 << 20).conclude()));
        assertEquals("account=12: must be 12 digits", message(() -> new RouterContext().account("12").conclude()));
        assertEquals("maxTargetsPerRule=0: must be 1-100",
            message(() -> new RouterContext().maxTargetsPerRule(0).conclude()));
        assertEquals("publishTimeout=PT-1S: must be zero or positive",
            message(() -> new RouterContext().publishTimeout(Duration.ofSeconds(-1)).conclude()));
        assertEquals("target t: queueCapacity=3: must be a power of two",
            message(() -> Target.asyncHandler("t", d -> { }).withQueueCapacity(3)));
        assertEquals("target t: a BUS target needs a bus name or ARN", message(() -> Target.bus("t", "")));
        assertEquals("rule r: Description must be at most 512 characters",
            message(() -> Rule.of("r", "{}").withDescription("x".repeat(513))));
    }
}
