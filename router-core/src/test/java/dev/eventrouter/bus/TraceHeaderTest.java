package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PutEvents' TraceHeader ("An AWS X-Ray trace header, which is an http header (X-Amzn-Trace-Id) that contains the
 * trace-id associated with the event", 1-500 characters: PutEventsRequestEntry, API reference) travels beside the
 * event, never in it, to every kind of target: synchronous, asynchronous, completing, a retry, the next bus.
 */
@Timeout(60)
class TraceHeaderTest {
    private static final String TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void shouldCarryTheTraceHeaderBesideTheEventToEveryKindOfTarget(final ProducerMode mode) throws Exception {
        final ManualClock clock = new ManualClock();
        clock.update(1_800_000_000_000L);
        final List<String> seen = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        try (Router router = Router.start(new RouterContext().producerMode(mode).clock(clock))) {
            router.createEventBus("next");
            router.putRule(Rule.of("r", "{\"source\":[\"s\"]}"));
            router.putRule(Rule.of("n", "{\"source\":[\"s\"]}").onBus("next"));
            router.putTargets(null, "r", List.of(
                Target.handler("sync", d -> seen.add("sync " + d.traceHeaderAsString() + " " + d.payloadAsString()
                    .contains("Root="))),
                Target.asyncHandler("async", d -> seen.add("async " + d.traceHeaderAsString())),
                Target.completing("completing", (d, done) -> {
                    seen.add("completing " + d.traceHeaderAsString());
                    done.succeeded();
                }),
                Target.handler("flaky", d -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                    seen.add("retry " + d.traceHeaderAsString());
                }).withRetryPolicy(new RetryPolicy(3, 3_600)),
                Target.bus("hop", "next")));
            router.putTargets("next", "n", List.of(Target.handler("there", d -> seen.add("next bus "
                + d.traceHeaderAsString()))));
            final PutEventsResult put = router.putEvents(List.of(
                PutEventsEntry.of("s", "t", "{}").withTraceHeader(TRACE), PutEventsEntry.of("s", "t", "{\"b\":1}")));
            assertEquals(0, put.failedEntryCount());
            Await.until(() -> router.retries().nextDue() > 0, "the flaky target's retry planned");
            clock.update(router.retries().nextDue());
            Await.until(() -> seen.size() == 10, "every target reached for both events: " + seen);
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
        // the flaky target failed the traced event's first attempt (its retry carried the header) and took the other
        // event at once; the payload never holds the header
        assertEquals(List.of("async " + TRACE, "async null", "completing " + TRACE, "completing null",
            "next bus " + TRACE, "next bus null", "retry " + TRACE, "retry null", "sync " + TRACE + " false",
            "sync null false"), seen.stream().sorted().toList());
    }

    @ParameterizedTest
    @EnumSource(ProducerMode.class)
    void shouldRefuseATraceHeaderThatCannotTravelAsAnHttpHeader(final ProducerMode mode) {
        try (Router router = Router.start(new RouterContext().producerMode(mode))) {
            final PutEventsResult put = router.putEvents(List.of(
                PutEventsEntry.of("s", "t", "{}").withTraceHeader(""),
                PutEventsEntry.of("s", "t", "{}").withTraceHeader("x".repeat(501)),
                PutEventsEntry.of("s", "t", "{}").withTraceHeader("Root=\u00e9"),
                PutEventsEntry.of("s", "t", "{}").withTraceHeader("x".repeat(500))));
            assertEquals(3, put.failedEntryCount());
            assertEquals("Parameter TraceHeader is not valid. Reason: must be 1-500 characters, got 0",
                put.entries().get(0).error().message());
            assertEquals("Parameter TraceHeader is not valid. Reason: must be 1-500 characters, got 501",
                put.entries().get(1).error().message());
            assertEquals("Parameter TraceHeader is not valid. Reason: must be printable ASCII (it travels as an HTTP "
                + "header)", put.entries().get(2).error().message());
            assertNull(put.entries().get(3).error());
        }
    }
}
