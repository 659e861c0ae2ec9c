package dev.eventrouter.source;

import java.util.List;

/**
 * The function of a stream mapping with tumbling windows (TumblingWindowInSeconds), as Lambda runs one: each batch
 * holds records of one window, comes with the state the previous call of that window returned ({@code {}} first),
 * and must answer the new state; when the window has ended, one more call with no records and
 * {@link TimeWindow#isFinalInvokeForWindow()} hands over the final state (Lambda developer guide, "Implementing
 * stateful Kinesis Data Streams processing": "the response must contain a state property"; "at the end of the
 * window, the flag isFinalInvokeForWindow is set to true").
 */
@FunctionalInterface
public interface WindowedBatchHandler {
    /**
     * @param partition the partition (shard) of the records.
     * @param window    the window, its state so far and the flags.
     * @param records   the batch, in position order; empty for the final call. Valid only during the call.
     * @return the new state and the positions that failed; throwing, or a {@code null} result or state, fails the
     *         call.
     */
    Result onWindowBatch(int partition, TimeWindow window, List<SourceRecord> records) throws Exception;

    /**
     * A window as the handler sees it.
     *
     * @param startMillis             the window's start, epoch milliseconds (a multiple of its length).
     * @param endMillis               its end (exclusive).
     * @param state                   the JSON object the previous call of this window returned ({@code {}} first).
     * @param isFinalInvokeForWindow  the window has ended: the last call, without records.
     * @param isWindowTerminatedEarly the state grew past 1 MB: this final call ends the window early, and the next
     *                                call continues it with a fresh state.
     */
    record TimeWindow(long startMillis, long endMillis, String state, boolean isFinalInvokeForWindow,
                      boolean isWindowTerminatedEarly) {
    }

    /**
     * A call's answer.
     *
     * @param state             the window's new state, a JSON object's text (Lambda's {@code state}).
     * @param batchItemFailures positions that failed (used with ReportBatchItemFailures), or {@code null}.
     */
    record Result(String state, List<Long> batchItemFailures) {
        /** @return a success with this state. */
        public static Result of(final String state) {
            return new Result(state, null);
        }
    }
}
