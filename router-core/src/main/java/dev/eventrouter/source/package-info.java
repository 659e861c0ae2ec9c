/**
 * Event-source mappings (Lambda's pollers): a partitioned-source SPI ({@link dev.eventrouter.source.PartitionedSource}
 * with {@link dev.eventrouter.source.SourceRecord}s), checkpoints, and the {@link dev.eventrouter.source.Poller} agent
 * that batches records per partition (size, window, payload limit), filters them with event patterns, delivers
 * batches to a {@link dev.eventrouter.source.BatchHandler} and commits positions.
 *
 * <p>Depends on {@code pattern}, {@code match} and {@code event}. Threading: mappings are stepped only on the
 * poller's thread (one duty-cycle thread, one timer wheel, an injected clock); counters and adds from any thread.
 */
package dev.eventrouter.source;
