package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** ParallelizationFactor: lanes by key, batches in flight at once, order per key, the checkpoint behind them all. */
class ParallelizationTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final InMemorySource source = new InMemorySource(1);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();

    /** An asynchronous handler whose batches stay in flight until the test completes them. */
    private final List<CompletableFuture<List<Long>>> inFlight = new ArrayList<>();
    private final List<List<SourceRecord>> batches = new ArrayList<>();

    private final AsyncBatchHandler held = (partition, records) -> {
        final CompletableFuture<List<Long>> answer = new CompletableFuture<>();
        inFlight.add(answer);
        batches.add(List.copyOf(records));
        return answer;
    };

    private void append(final String key, final int value) {
        source.append(0, key, clock.get(), ("{\"k\":\"" + key + "\",\"v\":" + value + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    private static String keyOf(final SourceRecord record) {
        return record.key();
    }

    @Test
    void shouldHaveAtMostTheFactorOfBatchesInFlightPerPartitionAndKeepEachKeyInOrder() {
        final Poller poller = new Poller(clock::get);
        final EventSourceMapping mapping = poller.addAsync(MappingConfig.of("m", 2, 0).withParallelizationFactor(3),
            source, checkpoints, held);
        final String[] keys = {"a", "b", "c", "d", "e", "f", "g", "h"};
        for (int i = 0; i < 200; i++) {
            append(keys[i % keys.length], i);
        }
        final Map<String, Integer> lastSeen = new HashMap<>();
        int maxInFlight = 0;
        for (int round = 0; round < 1000 && mapping.records() < 200; round++) {
            cycles(poller, 2);
            final long open = inFlight.stream().filter(f -> !f.isDone()).count();
            maxInFlight = Math.max(maxInFlight, (int) open);
            // complete the newest batch first: lanes finish out of order
            for (int i = inFlight.size() - 1; i >= 0; i--) {
                if (!inFlight.get(i).isDone()) {
                    inFlight.get(i).complete(null);
                    break;
                }
            }
        }
        assertEquals(200, mapping.records());
        assertEquals(3, maxInFlight, "three lanes, never more");
        for (List<SourceRecord> batch : batches) {
            for (SourceRecord record : batch) {
                final int value = (int) record.position();
                final Integer previous = lastSeen.put(keyOf(record), value);
                assertTrue(previous == null || previous < value, "key " + keyOf(record) + ": " + previous
                    + " then " + value);
            }
        }
        assertEquals(200, checkpoints.load("m", 0));
    }

    @Test
    void shouldCheckpointOnlyBelowTheOldestUnfinishedRecordWhenLanesFinishOutOfOrder() {
        final Poller poller = new Poller(clock::get);
        poller.addAsync(MappingConfig.of("m", 1, 0).withParallelizationFactor(10), source, checkpoints, held);
        append("a", 0);
        append("b", 1);
        append("c", 2);
        cycles(poller, 1);
        final int lanes = inFlight.size();
        assertTrue(lanes >= 2, "at least two of the three keys are in different lanes of ten: " + lanes);
        // finish every batch but the one holding position 0
        for (int i = 0; i < inFlight.size(); i++) {
            if (batches.get(i).get(0).position() != 0) {
                inFlight.get(i).complete(null);
            }
        }
        cycles(poller, 2);
        assertEquals(-1, checkpoints.load("m", 0), "position 0 is still in flight");
        inFlight.get(0).complete(null);
        cycles(poller, 3);
        inFlight.forEach(f -> f.complete(null));
        cycles(poller, 3);
        assertEquals(3, checkpoints.load("m", 0));
    }

    @Test
    void shouldKeepOtherKeysFlowingWhileOneKeysBatchIsRetried() {
        final Poller poller = new Poller(clock::get);
        final List<String> delivered = new ArrayList<>();
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 3, 0).withParallelizationFactor(2),
            source, checkpoints, (partition, records) -> {
                final SourceRecord record = records.get(0);
                if (record.key().equals("bad") && clock.get() < 1_010_000) {
                    throw new IllegalStateException("bad key down");
                }
                delivered.add(String.join(",", records.stream().map(r -> r.key() + r.position()).toList()));
                return null;
            });
        // find a key that shares no lane with "bad" among a few candidates
        append("bad", 0);
        final String other = otherLaneKey();
        for (int i = 1; i <= 5; i++) {
            append(other, i);
        }
        cycles(poller, 10);
        assertEquals(List.of(other + 1, other + 2, other + 3, other + 4, other + 5), delivered.stream()
            .flatMap(d -> java.util.Arrays.stream(d.split(","))).toList(),
            "the other lane goes on while bad's batch waits for its retry (within the read window of 2 x 3)");
        assertEquals(-1, checkpoints.load("m", 0), "nothing committed past the failed record");
        clock.addAndGet(10_000);
        cycles(poller, 3);
        assertEquals("bad0", delivered.get(delivered.size() - 1));
        assertEquals(6, checkpoints.load("m", 0));
        assertTrue(mapping.failedBatches() >= 1);
    }

    /** A key in a different lane of two from "bad" (lanes are a hash of the key). */
    private static String otherLaneKey() {
        final InMemorySource probe = new InMemorySource(1);
        for (String candidate : List.of("x", "y", "z", "w", "v", "u")) {
            final List<String> lanes = new ArrayList<>();
            final Poller poller = new Poller(() -> 0);
            probe.append(0, "bad", 0, "{}".getBytes(StandardCharsets.UTF_8));
            probe.append(0, candidate, 0, "{}".getBytes(StandardCharsets.UTF_8));
            final List<CompletableFuture<List<Long>>> held = new ArrayList<>();
            poller.addAsync(MappingConfig.of("probe" + candidate, 1, 0).withParallelizationFactor(2), probe,
                CheckpointStore.inMemory(), (partition, records) -> {
                    lanes.add(records.get(0).key());
                    final CompletableFuture<List<Long>> f = new CompletableFuture<>();
                    held.add(f);
                    return f;
                });
            poller.doWork();
            if (lanes.size() == 2) {
                return candidate;  // both in flight at once: different lanes
            }
        }
        throw new AssertionError("no key in the other lane");
    }

    @Test
    void shouldRetryABatchWhoseAsynchronousAnswerFailed() {
        final Poller poller = new Poller(clock::get);
        final EventSourceMapping mapping = poller.addAsync(MappingConfig.of("m", 5, 0), source, checkpoints, held);
        append("a", 0);
        append("a", 1);
        cycles(poller, 2);
        inFlight.get(0).completeExceptionally(new IllegalStateException("remote down"));
        cycles(poller, 2);
        assertEquals(1, inFlight.size(), "not retried before the delay");
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 2);
        assertEquals(2, inFlight.size());
        assertEquals(batches.get(0), batches.get(1), "the same batch again");
        inFlight.get(1).complete(null);
        cycles(poller, 2);
        assertEquals(2, mapping.records());
        assertEquals(1, mapping.failedBatches());
        assertEquals(2, checkpoints.load("m", 0));
    }

    @Test
    void shouldStopPollingWhenDisabledAndDropTheMappingWhenDeleted() {
        final Poller poller = new Poller(clock::get);
        final List<Long> seen = new ArrayList<>();
        final EventSourceMapping mapping = poller.add(MappingConfig.of("m", 10, 0), source, checkpoints,
            (partition, records) -> {
                records.forEach(r -> seen.add(r.position()));
                return null;
            });
        mapping.enabled(false);
        append("a", 0);
        cycles(poller, 2);
        assertEquals(List.of(), seen);
        mapping.enabled(true);
        cycles(poller, 2);
        assertEquals(List.of(0L), seen);
        mapping.delete();
        append("a", 1);
        cycles(poller, 2);
        assertEquals(List.of(0L), seen, "deleted: no longer polled");
        assertEquals(1, checkpoints.load("m", 0));
    }

    @Test
    void shouldNameTheFactorWhenItIsOutOfRange() {
        assertEquals("ParallelizationFactor=11: must be between 1 and 10", assertThrows(IllegalArgumentException.class,
            () -> MappingConfig.of("m", 1, 0).withParallelizationFactor(11)).getMessage());
        assertEquals("ParallelizationFactor=0: must be between 1 and 10", assertThrows(IllegalArgumentException.class,
            () -> MappingConfig.of("m", 1, 0).withParallelizationFactor(0)).getMessage());
    }

    @Test
    void shouldTreatAHandlerThatThrowsInsteadOfAnsweringAsAFailedBatch() {
        final Poller poller = new Poller(clock::get);
        final int[] calls = {0};
        final EventSourceMapping mapping = poller.addAsync(MappingConfig.of("m", 5, 0), source, checkpoints,
            (partition, records) -> {
                if (calls[0]++ == 0) {
                    throw new IllegalStateException("could not even start");
                }
                return CompletableFuture.completedFuture(null);
            });
        append("a", 0);
        poller.doWork();
        assertEquals(1, mapping.failedBatches());
        assertEquals(-1, checkpoints.load("m", 0));
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 3);
        assertEquals(1, mapping.records());
        assertEquals(1, checkpoints.load("m", 0));
    }

    /**
     * An answer that arrives after its mapping was deleted used to commit under the mapping's name, so a new mapping
     * of that name started past records the old one never finished.
     */
    @Test
    void shouldNotCommitAnswersThatArriveAfterTheMappingWasDeleted() {
        final Poller poller = new Poller(clock::get);
        final EventSourceMapping mapping = poller.addAsync(MappingConfig.of("m", 1, 0).withParallelizationFactor(2),
            source, checkpoints, held);
        for (int i = 0; i < 4; i++) {
            append(i % 2 == 0 ? "a" : "c", i);   // "a" and "c" take different lanes of two
        }
        cycles(poller, 2);
        assertEquals(2, inFlight.size());
        inFlight.get(0).complete(null);
        cycles(poller, 1);
        final long before = checkpoints.load("m", 0);
        mapping.delete();
        inFlight.get(1).complete(null);
        cycles(poller, 2);
        assertEquals(before, checkpoints.load("m", 0), "nothing saved after the delete");
        final List<Long> again = new ArrayList<>();
        poller.add(MappingConfig.of("m", 10, 0), source, checkpoints, (partition, records) -> {
            records.forEach(r -> again.add(r.position()));
            return null;
        });
        cycles(poller, 2);
        assertTrue(again.containsAll(batches.get(1).stream().map(SourceRecord::position).toList()),
            "the batch answered after the delete is delivered again: " + again);
    }

    /**
     * Lanes run ahead of the checkpoint by at most ParallelizationFactor x BatchSize records: before, a lane stuck
     * retrying let the others read on without limit, so a crash re-delivered everything they had done since.
     */
    @Test
    void shouldBoundHowFarLanesRunAheadOfTheCheckpoint() {
        final Poller poller = new Poller(clock::get);
        final List<Long> delivered = new ArrayList<>();
        poller.add(MappingConfig.of("m", 2, 0).withParallelizationFactor(2), source, checkpoints,
            (partition, records) -> {
                if (records.get(0).key().equals("bad") && clock.get() < 1_010_000) {
                    throw new IllegalStateException("bad key down");
                }
                records.forEach(r -> delivered.add(r.position()));
                return null;
            });
        append("bad", 0);
        final String other = otherLaneKey();
        for (int i = 1; i <= 20; i++) {
            append(other, i);
        }
        cycles(poller, 30);
        assertEquals(List.of(1L, 2L, 3L), delivered, "the window is 2 x 2 = 4 records from the checkpoint (-1)");
        clock.addAndGet(10_000);
        cycles(poller, 30);
        assertEquals(21, checkpoints.load("m", 0));
        assertEquals(21, new java.util.HashSet<>(delivered).size());
    }
}
