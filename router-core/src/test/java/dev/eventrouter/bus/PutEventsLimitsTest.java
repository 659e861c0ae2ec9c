package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PutEvents' limits as the EventBridge API reference and user guide state them, through the public API: 10 entries,
 * DetailType of at most 128 characters, int64 integers in Detail, and the entry size as "Calculating PutEvents event
 * entry size" computes it (Time counts 14 bytes when set; Source, DetailType, Detail and each Resources entry count
 * their UTF-8 bytes), refusing an entry of exactly the limit ("must be less than"), and the sources AWS reserves.
 * And the delivery paths a user relies on: the default dead-letter handler, an asynchronous handler that throws, and
 * a bus target whose bus was deleted.
 */
@Timeout(60)
class PutEventsLimitsTest {
    /** 1 MiB since January 2026 (AWS Compute Blog, "serverless services now support payloads up to 1 MB"). */
    private static final int LIMIT = 1024 * 1024;

    private static Router start(final RouterContext context) {
        return Router.start(context.seed(3).ringSize(64).handoffBytes(16 << 20));
    }

    private static String describe(final PutEventsResult.Entry entry) {
        return entry.error() == null ? "accepted" : entry.error().code() + ": " + entry.error().message();
    }

    @Test
    void shouldRefuseElevenEntriesAndAnswerTenInOrder() {
        try (Router router = start(new RouterContext())) {
            final List<PutEventsEntry> eleven = Collections.nCopies(11, PutEventsEntry.of("s", "t", "{}"));
            assertEquals("Entries: must hold 1-10 entries, got 11",
                assertThrows(IllegalArgumentException.class, () -> router.putEvents(eleven)).getMessage());
            final PutEventsResult ten = router.putEvents(eleven.subList(0, 10));
            assertEquals(0, ten.failedEntryCount());
            assertEquals(10, ten.entries().size());
        }
    }

    @Test
    void shouldHoldDetailTypeToOneHundredTwentyEightCharacters() {
        try (Router router = start(new RouterContext())) {
            final PutEventsResult result = router.putEvents(List.of(
                PutEventsEntry.of("s", "d".repeat(128), "{}"),
                PutEventsEntry.of("s", "d".repeat(129), "{}"),
                PutEventsEntry.of("s", "é".repeat(128), "{}")));
            assertEquals(List.of("accepted", "InvalidArgument: DetailType must be at most 128 characters, got 129",
                "accepted"), result.entries().stream().map(PutEventsLimitsTest::describe).toList());
        }
    }

    @Test
    void shouldRefuseAnIntegerOutsideTheSignedSixtyFourBitRange() {
        try (Router router = start(new RouterContext())) {
            final PutEventsResult result = router.putEvents(List.of(
                PutEventsEntry.of("s", "t", "{\"n\":9223372036854775807,\"m\":-9223372036854775808}"),
                PutEventsEntry.of("s", "t", "{\"n\":9223372036854775808}"),
                PutEventsEntry.of("s", "t", "{\"a\":[1,-9223372036854775809]}"),
                PutEventsEntry.of("s", "t", "{\"n\":9223372036854775808.5,\"e\":1e30}")));
            assertEquals(List.of("accepted",
                "MalformedDetail: Detail is malformed. Reason: an integer outside the 64-bit range at character "
                    + "offset 5",
                "MalformedDetail: Detail is malformed. Reason: an integer outside the 64-bit range at character "
                    + "offset 8",
                "accepted"), result.entries().stream().map(PutEventsLimitsTest::describe).toList());
        }
    }

    /**
     * The user guide: "The total entry size must be less than" the limit, so an entry of exactly 1 MiB is refused and
     * one byte less is accepted (and delivered whole: the default event size leaves room for the envelope). AWS checks
     * the entries of a call together and fails the whole call ("Total size of the entries in the request is over the
     * limit.", a ValidationException recorded against AWS in LocalStack's
     * {@code tests/aws/services/events/test_events.snapshot.json}, {@code test_put_event_with_too_big_detail}).
     */
    @Test
    void shouldCountTimeAndResourcesInTheEntrySizeAndRefuseEntriesOfExactlyTheLimit() {
        final List<String> delivered = new CopyOnWriteArrayList<>();
        try (Router router = start(new RouterContext())) {
            router.putRule(Rule.of("r", "{\"source\":[\"s\"]}"));
            router.putTargets(null, "r", List.of(Target.handler("t", d -> delivered.add(d.payloadAsString()))));
            // Time 14 + Source 1 + DetailType 1 + Resources "r1" 2 and "é" 2 + Detail 8 + n
            final int fill = LIMIT - 1 - 14 - 1 - 1 - 2 - 2 - 8;
            final Instant time = Instant.parse("2026-11-28T10:00:00Z");
            final List<String> resources = List.of("r1", "é");
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", "{\"x\":\"" + "x".repeat(fill)
                + "\"}").withTime(time).withResources(resources))).failedEntryCount());
            assertEquals(Router.TOTAL_SIZE_OVER_LIMIT + " (1048576 bytes; the entries of a call must total less than "
                + "1048576 bytes)", assertThrows(IllegalArgumentException.class, () -> router.putEvents(List.of(
                    PutEventsEntry.of("s", "t", "{\"x\":\"" + "x".repeat(fill + 1) + "\"}").withTime(time)
                        .withResources(resources)))).getMessage());
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", "{\"x\":\"" + "x".repeat(fill + 14)
                + "\"}").withResources(resources))).failedEntryCount(),
                "without Time the entry has 14 bytes more room");
            assertTrue(router.close(Duration.ofSeconds(30)).drained());
            assertEquals(2, delivered.size());
            assertTrue(delivered.get(0).endsWith("\"detail\":{\"x\":\"" + "x".repeat(fill) + "\"}}"));
        }
    }

    @Test
    void shouldKeepThePreviousLimitWhenAskedTo() {
        try (Router router = start(new RouterContext().ingestLimits(IngestLimits.BEFORE_2026))) {
            final String detail = "{\"x\":\"" + "x".repeat(256 * 1024 - 2 - 8) + "\"}";
            assertEquals(Router.TOTAL_SIZE_OVER_LIMIT + " (262144 bytes; the entries of a call must total less than "
                + "262144 bytes)", assertThrows(IllegalArgumentException.class,
                    () -> router.putEvents(List.of(PutEventsEntry.of("s", "t", detail)))).getMessage());
            final String lessOne = "{\"x\":\"" + "x".repeat(256 * 1024 - 2 - 8 - 1) + "\"}";
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", lessOne))).failedEntryCount());
        }
    }

    /**
     * Sources starting with {@code aws.} are AWS's own: a PutEvents entry with one fails alone with
     * NotAuthorizedForSourceException and AWS's message, "Not authorized for the source." (the answer AWS gives, as
     * users report it: e.g. aws.lambda, aws.guardduty), while the other entries of the call go through.
     */
    @Test
    void shouldRefuseSourcesReservedForAwsServices() {
        try (Router router = start(new RouterContext())) {
            final PutEventsResult result = router.putEvents(List.of(
                PutEventsEntry.of("aws.ec2", "EC2 Instance State-change Notification", "{}"),
                PutEventsEntry.of("myapp.aws.orders", "t", "{}"),
                PutEventsEntry.of("aws.", "t", "{}"),
                PutEventsEntry.of("awsome", "t", "{}")));
            assertEquals(List.of("NotAuthorizedForSourceException: Not authorized for the source.", "accepted",
                "NotAuthorizedForSourceException: Not authorized for the source.", "accepted"),
                result.entries().stream().map(PutEventsLimitsTest::describe).toList());
            assertEquals(2, result.failedEntryCount());
            assertFalse(result.entries().get(0).error().isRetryable());
        }
    }

    @Test
    void shouldSendFailuresOfTargetsWithoutTheirOwnToTheDefaultDeadLetterHandler() {
        final List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        final List<DeadLetter> own = new CopyOnWriteArrayList<>();
        try (Router router = start(new RouterContext().defaultDeadLetter(dead::add))) {
            router.putRule(Rule.of("r", "{\"source\":[\"s\"]}"));
            router.putTargets(null, "r", List.of(
                Target.asyncHandler("async", d -> {
                    throw new IllegalStateException("async down");
                }).withRetryPolicy(new RetryPolicy(0, 60)),
                Target.handler("mine", d -> {
                    throw new IllegalStateException("mine down");
                }).withRetryPolicy(new RetryPolicy(0, 60)).withDeadLetter(own::add)));
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", "{}"))).failedEntryCount());
            Await.until(() -> dead.size() == 1 && own.size() == 1, "both dead-lettered");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
        assertEquals("async HANDLER_ERROR java.lang.IllegalStateException: async down", dead.get(0).targetArn() + " "
            + dead.get(0).errorCode() + " " + dead.get(0).errorMessage());
        assertEquals("MaximumRetryAttempts", dead.get(0).exhaustedRetryCondition());
        assertEquals("mine", own.get(0).targetArn());
    }

    @Test
    void shouldDeadLetterABusTargetWhoseBusWasDeleted() {
        final List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        try (Router router = start(new RouterContext())) {
            router.createEventBus("gone");
            router.putRule(Rule.of("r", "{\"source\":[\"s\"]}"));
            router.putTargets(null, "r", List.of(Target.bus("hop", "gone").withDeadLetter(dead::add)));
            router.deleteEventBus("gone");
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", "{}"))).failedEntryCount());
            Await.until(() -> dead.size() == 1, "dead-lettered");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
        assertEquals(new ArrayList<>(List.of("NO_RESOURCE", "Event bus gone does not exist.")),
            List.of(dead.get(0).errorCode(), dead.get(0).errorMessage()));
        assertEquals(0, dead.get(0).retryAttempts(), "not retryable: dead-lettered at once");
    }
}
