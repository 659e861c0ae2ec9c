package dev.eventrouter.source;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A mapping's function that answers later, so that several batches of a partition (one per
 * {@link MappingConfig#parallelizationFactor() lane}) are in flight at once. Called on the poller's thread; the
 * stage may complete on any thread. The records stay untouched until the stage completes.
 */
@FunctionalInterface
public interface AsyncBatchHandler {
    /**
     * @return completes with the failed positions (or {@code null}/empty for success), or exceptionally for a failed
     *     batch, as {@link BatchHandler#onBatch} returns or throws.
     */
    CompletionStage<List<Long>> onBatch(int partition, List<SourceRecord> records);
}
