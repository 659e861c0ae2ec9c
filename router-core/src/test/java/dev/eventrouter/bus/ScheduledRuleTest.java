package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scheduled rules on a manual clock. The scheduled event's shape is the user guide's ("Creating a rule that runs on
 * a schedule" / the events reference's "Scheduled Event" example): {@code source aws.events}, {@code detail-type
 * Scheduled Event}, {@code resources} the rule's ARN, {@code detail {}}, {@code time} the scheduled time; it reaches
 * that rule's targets only. PutRule: a schedule is for the default bus only ("ScheduleExpression is supported only
 * on the default event bus."), and a rule may have a pattern, a schedule or both.
 */
@Timeout(60)
class ScheduledRuleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-12-03T09:58:30Z").toEpochMilli();
    private static final String ARN = "arn:aws:events:us-east-1:123456789012:rule/";

    private final ManualClock clock = new ManualClock();
    private final List<String> got = new CopyOnWriteArrayList<>();

    private Router start() {
        clock.update(T0);
        return Router.start(new RouterContext().clock(clock).seed(11).maxEventBytes(16 * 1024).handoffBytes(1 << 20));
    }

    private Target collect(final String id) {
        return Target.handler(id, d -> got.add(d.payloadAsString()));
    }

    private static JsonNode event(final String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void expectEvents(final Router router, final int count) {
        Await.until(() -> got.size() >= count, count + " scheduled events");
        assertEquals(count, got.size(), got.toString());
    }

    @Test
    void shouldFireARateEveryPeriodFromTheRulesCreationWithAwsScheduledEvent() {
        try (Router router = start()) {
            assertEquals(ARN + "every5", router.putRule(Rule.scheduled("every5", "rate(5 minutes)")));
            router.putTargets(null, "every5", List.of(collect("t")));
            clock.update(T0 + 299_999);
            clock.update(T0 + 300_000);
            expectEvents(router, 1);
            final JsonNode first = event(got.get(0));
            assertEquals(List.of("version", "id", "detail-type", "source", "account", "time", "region", "resources",
                "detail"), iterator(first));
            assertEquals("0", first.get("version").asText());
            assertEquals("Scheduled Event", first.get("detail-type").asText());
            assertEquals("aws.events", first.get("source").asText());
            assertEquals("123456789012", first.get("account").asText());
            assertEquals("2026-12-03T10:03:30Z", first.get("time").asText());
            assertEquals("us-east-1", first.get("region").asText());
            assertEquals("[\"" + ARN + "every5\"]", first.get("resources").toString());
            assertEquals("{}", first.get("detail").toString());
            assertEquals(36, first.get("id").asText().length());
            clock.update(T0 + 900_000);   // two more periods passed: each firing is made, in order
            expectEvents(router, 3);
            assertEquals(List.of("2026-12-03T10:03:30Z", "2026-12-03T10:08:30Z", "2026-12-03T10:13:30Z"),
                got.stream().map(e -> event(e).get("time").asText()).toList());
            assertEquals(3, router.scheduledEvents());
            assertEquals(3, router.ruleMetrics(null, "every5").matched());
        }
    }

    private static List<String> iterator(final JsonNode node) {
        final List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void shouldFireACronOnItsMinuteAndOnlyToItsOwnRulesTargets() {
        try (Router router = start()) {
            router.putRule(Rule.scheduled("at10", "cron(0 10 * * ? *)"));
            router.putTargets(null, "at10", List.of(collect("mine")));
            // a rule whose pattern matches scheduled events: EventBridge sends them to the scheduled rule only
            router.putRule(Rule.of("spy", "{\"source\":[\"aws.events\"]}"));
            final List<String> spied = new CopyOnWriteArrayList<>();
            router.putTargets(null, "spy", List.of(Target.handler("spy", d -> spied.add(d.payloadAsString()))));
            clock.update(Instant.parse("2026-12-03T10:00:00Z").toEpochMilli());
            expectEvents(router, 1);
            assertEquals("2026-12-03T10:00:00Z", event(got.get(0)).get("time").asText());
            assertEquals("[\"" + ARN + "at10\"]", event(got.get(0)).get("resources").toString());
            clock.update(Instant.parse("2026-12-04T09:59:59Z").toEpochMilli());
            clock.update(Instant.parse("2026-12-04T10:00:00Z").toEpochMilli());
            expectEvents(router, 2);
            assertEquals("2026-12-04T10:00:00Z", event(got.get(1)).get("time").asText());
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(List.of(), spied);
        }
    }

    @Test
    void shouldFireARuleWithPatternAndScheduleOnBoth() {
        try (Router router = start()) {
            router.putRule(Rule.of("both", "{\"source\":[\"shop\"]}").withSchedule("rate(1 hour)"));
            router.putTargets(null, "both", List.of(collect("t")));
            router.eventBus(null).publish("{\"source\":\"shop\"}".getBytes(StandardCharsets.UTF_8));
            Await.until(() -> got.size() == 1, "the matched event");
            clock.update(T0 + 3_600_000);
            expectEvents(router, 2);
            assertEquals("aws.events", event(got.get(1)).get("source").asText());
            assertEquals(Rule.of("both", "{\"source\":[\"shop\"]}").withSchedule("rate(1 hour)").onBus("default")
                .createdBy("123456789012"), router.describeRule(null, "both"));
        }
    }

    @Test
    void shouldNotFireADisabledOrDeletedRuleAndResumeWhenEnabled() {
        try (Router router = start()) {
            router.putRule(Rule.scheduled("tick", "rate(1 minute)"));
            router.putTargets(null, "tick", List.of(collect("t")));
            router.disableRule(null, "tick");
            clock.update(T0 + 60_000);
            router.enableRule(null, "tick");   // the count kept: the next firing is T0 + 2 min
            clock.update(T0 + 120_000);
            expectEvents(router, 1);
            assertEquals("2026-12-03T10:00:30Z", event(got.get(0)).get("time").asText());
            router.removeTargets(null, "tick", List.of("t"));
            router.deleteRule(null, "tick");
            clock.update(T0 + 600_000);
            router.putRule(Rule.scheduled("marker", "rate(1 minute)"));   // put at T0 + 10 min
            router.putTargets(null, "marker", List.of(collect("m")));
            clock.update(T0 + 660_000);
            expectEvents(router, 2);
            assertEquals("[\"" + ARN + "marker\"]", event(got.get(1)).get("resources").toString());
        }
    }

    /** Putting a rule again with the same schedule keeps its count; a new schedule counts from the new put. */
    @Test
    void shouldKeepARatesCountWhenTheRuleIsPutAgainWithTheSameSchedule() {
        try (Router router = start()) {
            router.putRule(Rule.scheduled("five", "rate(5 minutes)"));
            router.putTargets(null, "five", List.of(collect("t")));
            clock.update(T0 + 120_000);
            router.putRule(Rule.scheduled("five", "rate(5 minutes)").withDescription("same schedule, new text"));
            clock.update(T0 + 300_000);
            expectEvents(router, 1);
            assertEquals("2026-12-03T10:03:30Z", event(got.get(0)).get("time").asText(), "counted from the first put");
            router.putRule(Rule.scheduled("five", "rate(10 minutes)"));   // put at T0 + 5 min
            clock.update(T0 + 899_999);
            clock.update(T0 + 900_000);
            expectEvents(router, 2);
            assertEquals("2026-12-03T10:13:30Z", event(got.get(1)).get("time").asText(), "counted from the new put");
        }
    }

    @Test
    void shouldRetryAScheduledDeliveryThatFailed() {
        final AtomicInteger calls = new AtomicInteger();
        try (Router router = start()) {
            router.putRule(Rule.scheduled("flaky", "rate(10 minutes)"));
            router.putTargets(null, "flaky", List.of(Target.handler("t", d -> {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("down");
                }
                got.add(d.payloadAsString());
            }).withRetryPolicy(new RetryPolicy(3, 3600))));
            clock.update(T0 + 600_000);
            Await.until(() -> router.targetMetrics(null, "flaky", "t").failed() == 1, "the first attempt failed");
            clock.update(T0 + 602_000);   // past the first backoff (at most 1 s)
            expectEvents(router, 1);
            assertEquals("2026-12-03T10:08:30Z", event(got.get(0)).get("time").asText());
            assertEquals(1, router.targetMetrics(null, "flaky", "t").retried());
        }
    }

    @Test
    void shouldRefuseASchedulesOutsideTheDefaultBusAndBadExpressions() {
        try (Router router = start()) {
            router.createEventBus("orders");
            assertEquals("ScheduleExpression is supported only on the default event bus.",
                assertThrows(IllegalArgumentException.class, () -> router.putRule(
                    Rule.scheduled("s", "rate(5 minutes)").onBus("orders"))).getMessage());
            assertEquals("Parameter ScheduleExpression is not valid. Reason: a rate of 1 takes a singular unit and a "
                + "larger one a plural unit, got '1 minutes'.", assertThrows(IllegalArgumentException.class,
                    () -> Rule.scheduled("s", "rate(1 minutes)")).getMessage());
            assertEquals("rule s: Parameter(s) EventPattern or ScheduleExpression must be specified.",
                assertThrows(IllegalArgumentException.class,
                    () -> new Rule("s", null, null, RuleState.ENABLED, null)).getMessage());
        }
    }
}
