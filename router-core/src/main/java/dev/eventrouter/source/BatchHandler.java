package dev.eventrouter.source;

import java.util.List;

/**
 * The function of an event-source mapping: called with each batch on the poller's thread. Returning means the whole
 * batch succeeded and is committed; throwing means it failed and is retried.
 */
@FunctionalInterface
public interface BatchHandler {
    /**
     * @param partition the partition every record of the batch comes from.
     * @param records   the batch, in position order; valid only during the call.
     */
    void onBatch(int partition, List<SourceRecord> records) throws Exception;
}
