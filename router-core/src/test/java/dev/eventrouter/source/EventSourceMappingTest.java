package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.pattern.InvalidPatternException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Batching, filtering, retries and checkpoints, stepped by hand on a manual clock (no threads, no sleeping). */
class EventSourceMappingTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final InMemorySource source = new InMemorySource(2);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> batches = new ArrayList<>();

    private BatchHandler recording() {
        return (partition, records) -> {
            final StringBuilder batch = new StringBuilder("p" + partition + ":");
            records.forEach(r -> batch.append(' ').append(new String(r.data(), StandardCharsets.UTF_8)
                .replaceAll("[^0-9a-z]", "")));
            batches.add(batch.toString());
            return null;
        };
    }

    private void append(final int partition, final String... types) {
        for (String type : types) {
            source.append(partition, "k", clock.get(), ("{\"t\":\"" + type + "\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    @Test
    void shouldReleaseFullBatchesAtOnceWhenTheWindowIsZero() {
        final Poller poller = new Poller(clock::get);
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 2, 0), source, checkpoints, recording());
        append(0, "a", "b", "c", "d", "e");
        append(1, "x");
        cycles(poller, 5);
        assertEquals(List.of("p0: ta tb", "p1: tx", "p0: tc td", "p0: te"), batches);
        assertEquals(4, mapping.batches());
        assertEquals(6, mapping.records());
        assertEquals(5, checkpoints.load("m", 0));
        assertEquals(1, checkpoints.load("m", 1));
    }

    @Test
    void shouldHoldABatchUntilItsWindowExpiresWhenItIsNotFull() {
        final Poller poller = new Poller(clock::get);
        poller.add(MappingConfig.of("m", 100, 500), source, checkpoints, recording());
        append(0, "a");
        cycles(poller, 3);
        clock.addAndGet(300);
        append(0, "b");
        cycles(poller, 3);
        clock.addAndGet(199);
        cycles(poller, 3);
        assertEquals(List.of(), batches, "499 ms after the first record");
        clock.addAndGet(1);
        cycles(poller, 2);
        assertEquals(List.of("p0: ta tb"), batches, "the window counts from the first record");
        append(0, "c");
        cycles(poller, 2);
        clock.addAndGet(500);
        cycles(poller, 2);
        assertEquals(List.of("p0: ta tb", "p0: tc"), batches, "a new window for the next batch");
    }

    @Test
    void shouldReleaseBeforeTheBatchWouldExceedThePayloadLimit() {
        final Poller poller = new Poller(clock::get);
        poller.add(MappingConfig.of("m", 100, 60_000).withPayloadLimit(25), source, checkpoints, recording());
        append(0, "a", "b", "c", "d", "e");
        cycles(poller, 6);
        assertEquals(List.of("p0: ta tb", "p0: tc td"), batches, "10-byte records, 25-byte limit");
        clock.addAndGet(60_000);
        cycles(poller, 2);
        assertEquals(List.of("p0: ta tb", "p0: tc td", "p0: te"), batches);
    }

    @Test
    void shouldSkipAndCommitRecordsThatMatchNoFilter() {
        final Poller poller = new Poller(clock::get);
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 10, 0)
            .withFilters(List.of("{\"data\":{\"t\":[\"a\"]}}", "{\"data\":{\"t\":[{\"prefix\":\"b\"}]}}")), source,
            checkpoints,
            recording());
        append(0, "c", "a", "x", "bb");
        source.append(0, "k", clock.get(), "not json".getBytes(StandardCharsets.UTF_8));
        append(0, "z");
        cycles(poller, 3);
        assertEquals(List.of("p0: ta tbb"), batches);
        assertEquals(4, mapping.filtered());
        assertEquals(6, checkpoints.load("m", 0), "skipped records are committed too");
        assertEquals("rule \"FilterCriteria.Filters[1]\": $.data.t: must be an object or an array of match values "
            + "(line 1, col 14)", assertThrows(InvalidPatternException.class, () -> poller.add(MappingConfig.of("f",
                1, 0).withFilters(List.of("{\"data\":{\"t\":[\"a\"]}}", "{\"data\":{\"t\":1}}")), source, checkpoints,
                recording())).getMessage());
    }

    @Test
    void shouldRetryAFailedBatchWholeAndInOrderAfterTheRetryDelay() {
        final Poller poller = new Poller(clock::get);
        final int[] calls = {0};
        final BatchHandler flaky = (partition, records) -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("down");
            }
            return recording().onBatch(partition, records);
        };
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 3, 0), source, checkpoints, flaky);
        append(0, "a", "b", "c", "d");
        cycles(poller, 3);
        assertEquals(List.of(), batches);
        assertEquals(-1, checkpoints.load("m", 0), "nothing committed");
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS - 1);
        cycles(poller, 3);
        assertEquals(List.of(), batches);
        clock.addAndGet(1);
        cycles(poller, 3);
        assertEquals(List.of("p0: ta tb tc", "p0: td"), batches);
        assertEquals(1, mapping.failedBatches());
    }

    @Test
    void shouldResumeFromTheCheckpointWithoutRepeatingWhenRestarted() {
        final Poller first = new Poller(clock::get);
        first.add(MappingConfig.of("m", 2, 0), source, checkpoints, recording());
        append(0, "a", "b", "c");
        cycles(first, 1);
        assertEquals(List.of("p0: ta tb"), batches);
        final Poller restarted = new Poller(clock::get);
        restarted.add(MappingConfig.of("m", 2, 0), source, checkpoints, recording());
        cycles(restarted, 3);
        assertEquals(List.of("p0: ta tb", "p0: tc"), batches);
    }

    @Test
    void shouldStartWhereTheStartingPositionSaysWhenThereIsNoCheckpoint() {
        append(0, "old");
        clock.addAndGet(10);
        final long at = clock.get();
        append(0, "mid");
        final Poller poller = new Poller(clock::get);
        poller.add(MappingConfig.of("latest", 10, 0).startingAt(StartingPosition.LATEST, 0), source, checkpoints,
            recording());
        poller.add(MappingConfig.of("ts", 10, 0).startingAt(StartingPosition.AT_TIMESTAMP, at), source, checkpoints,
            recording());
        append(0, "new");
        cycles(poller, 2);
        assertEquals(List.of("p0: tnew", "p0: tmid tnew"), batches);
    }

    @Test
    void shouldNameTheSettingWhenAMappingIsInvalid() {
        assertEquals("name=a/b: must be 1-64 characters of letters, digits, '.', '-' and '_'",
            assertThrows(IllegalArgumentException.class, () -> MappingConfig.of("a/b", 1, 0)).getMessage());
        assertEquals("BatchSize=0: must be between 1 and 10000",
            assertThrows(IllegalArgumentException.class, () -> MappingConfig.of("m", 0, 0)).getMessage());
        assertEquals("MaximumBatchingWindow=300001 ms: must be between 0 and 300 s",
            assertThrows(IllegalArgumentException.class, () -> MappingConfig.of("m", 1, 300_001)).getMessage());
        assertEquals("FilterCriteria: 6 patterns exceed the limit of 5", assertThrows(IllegalArgumentException.class,
            () -> MappingConfig.of("m", 1, 0).withFilters(List.of("{}", "{}", "{}", "{}", "{}", "{}"))).getMessage());
    }

    /**
     * AWS's defaults and bounds (CreateEventSourceMapping API reference: BatchSize defaults to 100 for Kinesis and
     * DynamoDB Streams and to 10 for Amazon SQS, at most 10,000; MaximumBatchingWindowInSeconds 0-300, default 0).
     */
    @Test
    void shouldStartFromAwsDefaultsPerSourceKindAndTakeTheWindowInWholeSeconds() {
        assertEquals(100, MappingConfig.forStream("s").batchSize());
        assertEquals(10, MappingConfig.forQueue("q").batchSize());
        assertEquals(0, MappingConfig.forStream("s").maximumBatchingWindowMillis());
        assertEquals(0, MappingConfig.forQueue("q").maximumBatchingWindowMillis());
        final MappingConfig tuned = MappingConfig.forQueue("q").withBatchSize(10_000)
            .withMaximumBatchingWindowInSeconds(300);
        assertEquals(10_000, tuned.batchSize());
        assertEquals(300_000, tuned.maximumBatchingWindowMillis());
        assertEquals("MaximumBatchingWindowInSeconds=301: must be between 0 and 300", assertThrows(
            IllegalArgumentException.class, () -> tuned.withMaximumBatchingWindowInSeconds(301)).getMessage());
        assertEquals("MaximumBatchingWindowInSeconds=-1: must be between 0 and 300", assertThrows(
            IllegalArgumentException.class, () -> tuned.withMaximumBatchingWindowInSeconds(-1)).getMessage());
        assertEquals("BatchSize=10001: must be between 1 and 10000", assertThrows(IllegalArgumentException.class,
            () -> tuned.withBatchSize(10_001)).getMessage());
    }

    private final List<FailurePolicy.FailedBatch> failures = new ArrayList<>();

    private static boolean poisoned(final List<SourceRecord> records) {
        return records.stream().anyMatch(r -> new String(r.data(), StandardCharsets.UTF_8).contains("poison"));
    }

    @Test
    void shouldBisectDownToThePoisonedRecordAndReportItWhenRetriesRunOut() {
        final Poller poller = new Poller(clock::get);
        final BatchHandler handler = (partition, records) -> {
            if (poisoned(records)) {
                throw new IllegalArgumentException("poison");
            }
            return recording().onBatch(partition, records);
        };
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 8, 0).withFailurePolicy(
            new FailurePolicy(3, -1, true, false, failures::add)), source, checkpoints, handler);
        append(0, "a", "b", "c", "d", "e", "poison", "g", "h");
        for (int i = 0; i < 10; i++) {
            cycles(poller, 2);
            clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        }
        assertEquals(List.of("p0: ta tb tc td", "p0: te", "p0: tg th"), batches);
        assertEquals(List.of(new FailurePolicy.FailedBatch("m", 0, 5, 5, 1, "RetryAttemptsExhausted",
            "java.lang.IllegalArgumentException: poison", 5, 1_000_000, 1_000_000,
            "eventrouter:source:InMemorySource")), failures);
        assertEquals(1, mapping.discarded());
        assertEquals(8, checkpoints.load("m", 0));
    }

    /**
     * Splitting a batch does not count towards MaximumRetryAttempts: with no retries allowed, bisection still goes
     * down to the poisoned record (before, the first failure gave the whole batch of eight up).
     */
    @Test
    void shouldNotCountSplitsAsRetries() {
        final Poller poller = new Poller(clock::get);
        final BatchHandler handler = (partition, records) -> {
            if (poisoned(records)) {
                throw new IllegalArgumentException("poison");
            }
            return recording().onBatch(partition, records);
        };
        poller.add(MappingConfig.of("m", 8, 0).withFailurePolicy(new FailurePolicy(0, -1, true, false, failures::add)),
            source, checkpoints, handler);
        append(0, "a", "b", "c", "d", "e", "poison", "g", "h");
        for (int i = 0; i < 10; i++) {
            cycles(poller, 2);
            clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        }
        assertEquals(List.of("p0: ta tb tc td", "p0: te", "p0: tg th"), batches);
        assertEquals(1, failures.size());
        assertEquals(5, failures.get(0).startPosition());
        assertEquals(1, failures.get(0).batchSize());
        assertEquals(2, failures.get(0).approximateInvokeCount(), "invoked with [poison, g, h], then alone");
        assertEquals(8, checkpoints.load("m", 0));
    }

    /** Without ReportBatchItemFailures a returned failure list means nothing (Lambda ignores the response). */
    @Test
    void shouldIgnoreReportedItemsWhenReportBatchItemFailuresIsOff() {
        final Poller poller = new Poller(clock::get);
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 4, 0), source, checkpoints,
            (partition, records) -> {
                recording().onBatch(partition, records);
                return List.of(records.get(0).position());
            });
        append(0, "a", "b", "c");
        cycles(poller, 2);
        assertEquals(List.of("p0: ta tb tc"), batches);
        assertEquals(3, checkpoints.load("m", 0));
        assertEquals(0, mapping.failedBatches());
        assertEquals(3, mapping.records());
    }

    @Test
    void shouldCommitUpToTheLowestFailedItemAndRetryFromItWhenItemsAreReported() {
        final Poller poller = new Poller(clock::get);
        final int[] calls = {0};
        final BatchHandler handler = (partition, records) -> {
            recording().onBatch(partition, records);
            return calls[0]++ == 0 ? List.of(3L, 1L) : null;
        };
        poller.add(MappingConfig.of("m", 4, 0).withFailurePolicy(new FailurePolicy(-1, -1, false, true, null)), source,
            checkpoints, handler);
        append(0, "a", "b", "c", "d", "e");
        cycles(poller, 2);
        assertEquals(1, checkpoints.load("m", 0), "committed before the lowest failure");
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 3);
        assertEquals(List.of("p0: ta tb tc td", "p0: tb tc td", "p0: te"), batches,
            "retried from the lowest failure; later successes are delivered again");
        assertEquals(5, checkpoints.load("m", 0));
    }

    @Test
    void shouldTreatAnUnknownItemAsAWholeBatchFailureAndGiveUpOldBatches() {
        final Poller poller = new Poller(clock::get);
        poller.add(MappingConfig.of("m", 10, 0).withFailurePolicy(new FailurePolicy(-1, 5_000, false, true,
            failures::add)), source, checkpoints, (partition, records) -> List.of(99L));
        append(0, "a", "b");
        for (int i = 0; i < 7; i++) {
            cycles(poller, 2);
            clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        }
        assertEquals(List.of(new FailurePolicy.FailedBatch("m", 0, 0, 1, 2, "RecordAgeExceeded",
            "batchItemFailures names 99, not a position of the batch", 7, 1_000_000, 1_000_000,
            "eventrouter:source:InMemorySource")), failures);
        assertEquals(2, checkpoints.load("m", 0));
        assertEquals("MaximumRetryAttempts=-2: must be -1 (infinite) or between 0 and 10000", assertThrows(
            IllegalArgumentException.class, () -> new FailurePolicy(-2, -1, false, false, null)).getMessage());
    }

    @Test
    void shouldNotCancelAnotherMappingsWindowWhenReleasingABatchWhoseTimerExpiredLongAgo() {
        final Poller poller = new Poller(clock::get);
        final InMemorySource other = new InMemorySource(1);
        final List<String> late = new ArrayList<>();
        final EventSourceMapping first = poller.add(MappingConfig.of("first", 100, 10), source, checkpoints,
            recording());
        poller.add(MappingConfig.of("second", 100, 1_024), other, checkpoints, (partition, records) -> {
            late.add("second");
            return null;
        });
        append(0, "a");
        cycles(poller, 1);
        first.enabled(false);
        clock.addAndGet(10);
        cycles(poller, 1);  // first's timer expires; its batch waits, the mapping is disabled
        other.append(0, "k", clock.get(), "{}".getBytes(StandardCharsets.UTF_8));
        cycles(poller, 1);  // second's window ends 1,024 ms later: the wheel gives it first's old timer id
        first.enabled(true);
        cycles(poller, 1);
        assertEquals(List.of("p0: ta"), batches);
        clock.addAndGet(1_024);
        cycles(poller, 2);
        assertEquals(List.of("second"), late, "second's window still expires");
    }
}
