package dev.eventrouter.bus;

/**
 * A stage that reads every accepted event from the router's ring beside the match stage, on its own thread, and
 * gates the ring: a slot is not reused until every stage has seen it, so a stage never misses an event (the
 * archive is one). Register stages with {@link RouterContext#addStage}; they run from start to close.
 */
public interface RingStage {
    /**
     * @param event      a flyweight over the ring slot, valid only during the call.
     * @param endOfBatch whether this is the last event available right now (a good moment to publish progress).
     * @throws Exception counted in {@link Router#stageErrors()}; the stage then goes on with the next event.
     */
    void onEvent(StagedEvent event, boolean endOfBatch) throws Exception;

    /** Called on the stage's thread before the first event. */
    default void onStart() {
    }

    /** Called on the stage's thread after the last event, when the router closes. */
    default void onShutdown() {
    }

    /** @return the name of the stage's thread. */
    default String name() {
        return "eventrouter-stage";
    }
}
