package dev.eventrouter.map;

/**
 * A Map state's ItemProcessor: runs one item (or one batch of items) and returns its result. Called on the map's
 * worker threads, up to MaxConcurrency at once, so it must be thread-safe. Throwing fails the item.
 */
@FunctionalInterface
public interface ItemProcessor {
    /**
     * @param input the item's input, UTF-8 JSON (after ItemSelector; for batches {@code {"Items":[...],
     *              "BatchInput":...}}).
     * @return the result, UTF-8 JSON.
     */
    byte[] process(byte[] input) throws Exception;
}
