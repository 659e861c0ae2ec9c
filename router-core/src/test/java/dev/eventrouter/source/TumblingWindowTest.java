package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * TumblingWindowInSeconds as the Lambda developer guide describes it ("Implementing stateful Kinesis Data Streams
 * processing in Lambda"): windows open and close at regular intervals by record arrival time; every call of a window
 * gets the state the previous one returned and must return one (else it failed); at the end of the window a final
 * call (isFinalInvokeForWindow) hands over the final state, and "if the invocation fails, your Lambda function
 * suspends further processing until a successful invocation"; a state over 1 MB ends the window early. Stepped on a
 * manual clock.
 */
class TumblingWindowTest {
    private static final long T0 = 1_800_000_000_000L;   // a whole minute
    private static final long MINUTE = 60_000;
    private final AtomicLong clock = new AtomicLong(T0);
    private final InMemorySource source = new InMemorySource(1);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> calls = new ArrayList<>();

    private void append(final long at, final int n) {
        source.append(0, "k", at, ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    /** Sums {@code n} into the state {@code {"sum":S}} and logs each call. */
    private WindowedBatchHandler summing(final List<String> log) {
        return (partition, window, records) -> {
            int sum = window.state().equals("{}") ? 0 : Integer.parseInt(window.state().replaceAll("\\D", ""));
            final StringBuilder ns = new StringBuilder();
            for (SourceRecord record : records) {
                final int n = Integer.parseInt(record.dataAsString().replaceAll("\\D", ""));
                sum += n;
                ns.append(ns.length() == 0 ? "" : ",").append(n);
            }
            log.add("[" + (window.startMillis() - T0) / 1000 + "s," + (window.endMillis() - T0) / 1000 + "s) "
                + window.state() + (window.isFinalInvokeForWindow() ? " final" : " [" + ns + "]")
                + (window.isWindowTerminatedEarly() ? " early" : ""));
            return WindowedBatchHandler.Result.of("{\"sum\":" + sum + "}");
        };
    }

    @Test
    void shouldCarryTheStateThroughAWindowsCallsAndHandOverTheFinalStateWhenItEnds() {
        final Poller poller = new Poller(clock::get);
        poller.addWindowed(MappingConfig.forStream("m").withBatchSize(2).withTumblingWindowInSeconds(60), source,
            checkpoints, summing(calls));
        append(T0, 1);
        append(T0 + 10_000, 2);
        append(T0 + 20_000, 3);
        append(T0 + 65_000, 4);
        append(T0 + 70_000, 5);
        clock.set(T0 + 71_000);
        cycles(poller, 4);
        assertEquals(List.of("[0s,60s) {} [1,2]", "[0s,60s) {\"sum\":3} [3]", "[0s,60s) {\"sum\":6} final",
            "[60s,120s) {} [4,5]"), calls, "a batch holds one window; the next window's batch waits for the final");
        assertEquals(3, checkpoints.load("m", 0), "the checkpoint stops at the open window's first record");
        clock.set(T0 + 2 * MINUTE);
        cycles(poller, 1);
        assertEquals("[60s,120s) {\"sum\":9} final", calls.get(4), "closed by time, without a later record");
        assertEquals(5, checkpoints.load("m", 0));
        cycles(poller, 3);
        assertEquals(5, calls.size());
    }

    /** A restart resumes from the open window's first record: its records are delivered again from a fresh state. */
    @Test
    void shouldRebuildTheOpenWindowFromItsFirstRecordAfterARestart() {
        final Poller first = new Poller(clock::get);
        final EventSourceMapping mapping = first.addWindowed(MappingConfig.forStream("m").withBatchSize(1)
            .withTumblingWindowInSeconds(60), source, checkpoints, summing(calls));
        append(T0 + 1_000, 1);
        append(T0 + 2_000, 2);
        clock.set(T0 + 3_000);
        cycles(first, 3);
        assertEquals(List.of("[0s,60s) {} [1]", "[0s,60s) {\"sum\":1} [2]"), calls);
        assertEquals(-1, checkpoints.load("m", 0), "nothing committed while the window is open");
        mapping.delete();
        final List<String> again = new ArrayList<>();
        final Poller second = new Poller(clock::get);
        second.addWindowed(MappingConfig.forStream("m").withBatchSize(10).withTumblingWindowInSeconds(60), source,
            checkpoints, summing(again));
        clock.set(T0 + MINUTE);
        cycles(second, 3);
        assertEquals(List.of("[0s,60s) {} [1,2]", "[0s,60s) {\"sum\":3} final"), again);
        assertEquals(2, checkpoints.load("m", 0));
    }

    /** A failed final call holds the partition; a call without state is a failed call, retried with the old state. */
    @Test
    void shouldRetryAFailedFinalCallBeforeAnythingElseAndRefuseAnAnswerWithoutState() {
        final Poller poller = new Poller(clock::get);
        final int[] finals = {0};
        final boolean[] stateless = {true};
        final WindowedBatchHandler sum = summing(calls);
        poller.addWindowed(MappingConfig.forStream("m").withBatchSize(10).withTumblingWindowInSeconds(60), source,
            checkpoints, (partition, window, records) -> {
                if (window.isFinalInvokeForWindow() && finals[0]++ == 0) {
                    throw new IllegalStateException("final failed");
                }
                if (!window.isFinalInvokeForWindow() && stateless[0]) {
                    stateless[0] = false;
                    return new WindowedBatchHandler.Result(null, null);
                }
                return sum.onWindowBatch(partition, window, records);
            });
        append(T0 + 1_000, 1);
        append(T0 + MINUTE + 1_000, 2);
        clock.set(T0 + MINUTE + 2_000);
        cycles(poller, 3);
        assertEquals(List.of(), calls, "the stateless answer failed the first call");
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 3);
        assertEquals(List.of("[0s,60s) {} [1]"), calls, "retried with the state it had; then the final failed");
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 3);
        assertEquals(List.of("[0s,60s) {} [1]", "[0s,60s) {\"sum\":1} final", "[60s,120s) {} [2]"), calls);
    }

    /** An answer naming failed records still sets the state: the function accounted for the ones before them. */
    @Test
    void shouldKeepTheStateOfAPartlyFailedBatchAndRetryItsFailedRecordsWithIt() {
        final Poller poller = new Poller(clock::get);
        final WindowedBatchHandler sum = summing(calls);
        final boolean[] first = {true};
        poller.addWindowed(MappingConfig.forStream("m").withBatchSize(10).withTumblingWindowInSeconds(60)
            .withFailurePolicy(new FailurePolicy(-1, -1, false, true, null)), source, checkpoints,
            (partition, window, records) -> {
                if (first[0]) {
                    first[0] = false;   // took the first record into the state, failed the second
                    sum.onWindowBatch(partition, window, records.subList(0, 1));
                    return new WindowedBatchHandler.Result("{\"sum\":1}", List.of(records.get(1).position()));
                }
                return sum.onWindowBatch(partition, window, records);
            });
        append(T0 + 1_000, 1);
        append(T0 + 2_000, 2);
        clock.set(T0 + 3_000);
        cycles(poller, 2);
        clock.addAndGet(EventSourceMapping.RETRY_DELAY_MILLIS);
        cycles(poller, 2);
        assertEquals(List.of("[0s,60s) {} [1]", "[0s,60s) {\"sum\":1} [2]"), calls);
    }

    @Test
    void shouldEndAWindowEarlyWhenItsStatePassesOneMegabyte() {
        final Poller poller = new Poller(clock::get);
        final String big = "{\"pad\":\"" + "p".repeat(1024 * 1024) + "\"}";
        final List<String> log = new ArrayList<>();
        poller.addWindowed(MappingConfig.forStream("m").withBatchSize(1).withTumblingWindowInSeconds(60), source,
            checkpoints, (partition, window, records) -> {
                log.add((window.state().length() > 100 ? "big" : window.state())
                    + (window.isFinalInvokeForWindow() ? " final" : "")
                    + (window.isWindowTerminatedEarly() ? " early" : "") + " " + records.size());
                return WindowedBatchHandler.Result.of(records.isEmpty() ? "{}" : big);
            });
        append(T0 + 1_000, 1);
        append(T0 + 2_000, 2);
        clock.set(T0 + 3_000);
        cycles(poller, 3);
        assertEquals(List.of("{} 1", "big final early 0", "{} 1", "big final early 0"), log,
            "each over-sized state ends the window early; the next call continues it with {}");
    }

    @Test
    void shouldRefuseWindowsWhereTheyCannotHold() {
        final Poller poller = new Poller(clock::get);
        assertEquals("TumblingWindowInSeconds=901: must be between 0 and 900", assertThrows(
            IllegalArgumentException.class, () -> MappingConfig.forStream("m").withTumblingWindowInSeconds(901))
            .getMessage());
        assertEquals("ParallelizationFactor=2: a mapping with tumbling windows keeps one lane per partition, so each "
            + "window's calls are in order", assertThrows(IllegalArgumentException.class, () -> poller.addWindowed(
                MappingConfig.forStream("m").withTumblingWindowInSeconds(60).withParallelizationFactor(2), source,
                checkpoints, summing(calls))).getMessage());
        assertEquals("TumblingWindowInSeconds=60: a mapping with tumbling windows needs a WindowedBatchHandler "
            + "(Poller.addWindowed)", assertThrows(IllegalArgumentException.class, () -> poller.add(
                MappingConfig.forStream("m").withTumblingWindowInSeconds(60), source, checkpoints,
                (partition, records) -> null)).getMessage());
        final QueueSource queue = new QueueSource() {
            @Override
            public int receive(final int maxMessages, final List<SourceRecord> into) {
                return 0;
            }

            @Override
            public void delete(final List<SourceRecord> messages) {
            }
        };
        assertEquals("TumblingWindowInSeconds=60: tumbling windows are for stream sources (Kinesis, DynamoDB Streams), "
            + "not queues", assertThrows(IllegalArgumentException.class, () -> poller.add(
                MappingConfig.forQueue("q").withTumblingWindowInSeconds(60), queue, (partition, records) -> null))
                .getMessage());
        assertEquals("TumblingWindowInSeconds=0: a WindowedBatchHandler needs tumbling windows", assertThrows(
            IllegalArgumentException.class, () -> poller.addWindowed(MappingConfig.forStream("m"), source,
                checkpoints, summing(calls))).getMessage());
    }
}
