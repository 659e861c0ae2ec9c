package dev.eventrouter.source;

import java.util.List;

/**
 * The function of an event-source mapping: called with each batch on the poller's thread. Returning {@code null} or
 * an empty list means the whole batch succeeded and is committed; throwing means it failed. With
 * {@link FailurePolicy#reportBatchItemFailures()} it may return the positions of the records that failed (Lambda's
 * {@code batchItemFailures}); a position that is not in the batch makes the whole batch a failure.
 */
@FunctionalInterface
public interface BatchHandler {
    /**
     * @param partition the partition every record of the batch comes from.
     * @param records   the batch, in position order; valid only during the call.
     * @return the positions that failed, or {@code null}/empty for success.
     */
    List<Long> onBatch(int partition, List<SourceRecord> records) throws Exception;
}
