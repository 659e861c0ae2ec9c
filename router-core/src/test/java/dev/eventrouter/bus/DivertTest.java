package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link EventBus#divert}: a bus whose accepted events go to a log ({@link IngestSink}) instead of the ring, and reach
 * the rules only through the {@link EventBus.Ingress} (what a distributed bus is built on). An entry counts as
 * accepted only when the log acknowledged it; authorization and validation are the bus's as for any bus.
 */
@Timeout(60)
class DivertTest {
    /** A log that keeps what it is given and answers with the futures the test completes. */
    private static final class Log implements IngestSink {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> ids = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> acks = new CopyOnWriteArrayList<>();
        volatile boolean autoAck = true;
        volatile RuntimeException throwing;
        final Duration timeout;

        Log(final Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public CompletableFuture<?> append(final EventBus bus, final String eventId, final byte[] bytes,
                                           final int offset, final int length) {
            if (throwing != null) {
                throw throwing;
            }
            events.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
            ids.add(String.valueOf(eventId));
            final CompletableFuture<Void> ack = new CompletableFuture<>();
            acks.add(ack);
            if (autoAck) {
                ack.complete(null);
            }
            return ack;
        }

        @Override
        public Duration ackTimeout() {
            return timeout;
        }
    }

    private static Router start(final List<String> delivered) {
        final Router router = Router.start(new RouterContext().seed(5));
        router.createEventBus("orders");
        router.putRule(Rule.of("all", "{\"source\":[\"shop\"]}").onBus("orders"));
        router.putTargets("orders", "all", List.of(Target.handler("t", d -> delivered.add(d.payloadAsString()))));
        return router;
    }

    @Test
    void acceptedEventsGoToTheLogAndReachTheRulesOnlyThroughTheIngress() {
        final List<String> delivered = new CopyOnWriteArrayList<>();
        try (Router router = start(delivered)) {
            final EventBus orders = router.eventBus("orders");
            final Log log = new Log(Duration.ofSeconds(10));
            final EventBus.Ingress ingress = orders.divert(log);
            final PutEventsResult result = router.putEvents(List.of(
                PutEventsEntry.of("shop", "Order", "{\"n\":1}").withEventBusName("orders"),
                PutEventsEntry.of("shop", "Order", "{\"n\":2}"),                       // the default bus: not diverted
                PutEventsEntry.of("shop", "Order", "{\"n\":3}").withEventBusName(orders.arn())));
            assertEquals(0, result.failedEntryCount());
            assertEquals(2, log.events.size());
            assertTrue(log.events.get(0).contains("\"detail\":{\"n\":1}"), log.events.get(0));
            assertTrue(log.events.get(0).contains("\"id\":\"" + result.entries().get(0).eventId() + "\""));
            assertTrue(log.events.get(1).contains("\"detail\":{\"n\":3}"));
            final byte[] raw = ("{\"id\":\"r1\",\"source\":\"shop\",\"detail-type\":\"Order\",\"detail\":{\"n\":4}}")
                .getBytes(StandardCharsets.UTF_8);
            assertTrue(orders.publish(raw));
            assertEquals(3, log.events.size());
            assertEquals(new String(raw, StandardCharsets.UTF_8), log.events.get(2));
            assertEquals(List.of(result.entries().get(0).eventId(), result.entries().get(2).eventId(), "null"), log.ids,
                "PutEvents hands the id it made; a raw publish's is in its bytes");
            assertEquals(List.of(), delivered, "nothing reaches the rules but through the ingress");

            for (String event : log.events) {
                final byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
                assertTrue(ingress.publish(bytes, 0, bytes.length));
            }
            Await.until(() -> delivered.size() == 3, "the three events read back from the log");
            assertEquals(log.events, delivered);
            assertEquals(3, log.events.size(), "the ingress never diverts");

            ingress.close();
            assertNull(orders.divertedTo());
            assertTrue(orders.publish(raw));
            Await.until(() -> delivered.size() == 4, "a publish after the diversion ended");
            assertEquals(3, log.events.size());
        }
    }

    @Test
    void anEntryIsAcceptedOnlyWhenTheLogAcknowledgedIt() {
        try (Router router = start(new ArrayList<>())) {
            final EventBus orders = router.eventBus("orders");
            final Log log = new Log(Duration.ofMillis(200));
            orders.divert(log);
            log.autoAck = false;
            final Thread acker = new Thread(() -> {
                Await.until(() -> log.acks.size() == 3, "three appends");
                log.acks.get(0).complete(null);
                log.acks.get(1).completeExceptionally(new IllegalStateException("NOT_ENOUGH_REPLICAS"));
                // the third is never answered: refused when the ack timeout passes
            });
            acker.start();
            final PutEventsResult result = router.putEvents(List.of(
                PutEventsEntry.of("shop", "Order", "{}").withEventBusName("orders"),
                PutEventsEntry.of("shop", "Order", "{}").withEventBusName("orders"),
                PutEventsEntry.of("shop", "Order", "{}").withEventBusName("orders")));
            assertEquals(2, result.failedEntryCount());
            assertTrue(result.entries().get(0).isAccepted());
            assertEquals(EntryError.INTERNAL_FAILURE, result.entries().get(1).error().code());
            assertEquals("the bus's log did not take the event: java.lang.IllegalStateException: NOT_ENOUGH_REPLICAS",
                result.entries().get(1).error().message());
            assertEquals(EntryError.INTERNAL_FAILURE, result.entries().get(2).error().code());
            assertEquals("the bus's log did not acknowledge the event in time", result.entries().get(2).error().message());

            log.throwing = new IllegalStateException("producer closed");
            final PutEventsResult thrown = router.putEvents(List.of(
                PutEventsEntry.of("shop", "Order", "{}").withEventBusName("orders")));
            assertEquals("the bus's log did not take the event: java.lang.IllegalStateException: producer closed",
                thrown.entries().get(0).error().message());
            final byte[] raw = "{\"id\":\"r\",\"source\":\"shop\",\"detail\":{}}".getBytes(StandardCharsets.UTF_8);
            final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> orders.publish(raw));
            assertEquals("event bus " + orders.arn() + ": the bus's log did not take the event: "
                + "java.lang.IllegalStateException: producer closed", refused.getMessage());
        }
    }

    @Test
    void validationAuthorizationAndRefusalsComeBeforeTheLog() {
        try (Router router = start(new ArrayList<>())) {
            final EventBus orders = router.eventBus("orders");
            final Log log = new Log(Duration.ofSeconds(10));
            orders.divert(log);
            final PutEventsResult invalid = router.putEvents(List.of(
                PutEventsEntry.of("shop", "Order", "[1]").withEventBusName("orders")));
            assertEquals(EntryError.MALFORMED_DETAIL, invalid.entries().get(0).error().code());
            final MalformedEventException malformed = assertThrows(MalformedEventException.class,
                () -> orders.publish("{\"a\":".getBytes(StandardCharsets.UTF_8)));
            assertEquals(5, malformed.offset());
            final PutEventsResult denied = router.as(Principal.account("111122223333")).putEvents(List.of(
                PutEventsEntry.of("shop", "Order", "{}").withEventBusName(orders.arn())));
            assertEquals("AccessDeniedException", denied.entries().get(0).error().code());
            final byte[] foreign = "{\"account\":\"111122223333\",\"source\":\"s\"}".getBytes(StandardCharsets.UTF_8);
            assertThrows(AccessDeniedException.class, () -> router.as(Principal.account("111122223333"))
                .publish(orders.arn(), foreign, 0, foreign.length));
            orders.refuseEvents("disk full");
            assertEquals(EntryError.INTERNAL_FAILURE, router.putEvents(List.of(
                PutEventsEntry.of("shop", "Order", "{}").withEventBusName("orders"))).entries().get(0).error().code());
            assertEquals(List.of(), log.events, "nothing refused reached the log");
            final IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> orders.divert(new Log(Duration.ofSeconds(1))));
            assertTrue(twice.getMessage().startsWith("event bus " + orders.arn() + " is already diverted to "),
                twice.getMessage());
        }
    }
}
