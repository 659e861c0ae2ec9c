package dev.eventrouter.bus;

/** How the router's pipeline stages map onto threads. */
public enum StageThreading {
    /**
     * One duty-cycle thread moves events from the handoff into the ring and then matches and dispatches them
     * (polling the ring): one thread hop per event, the better choice when cores are few.
     */
    ONE_THREAD,
    /**
     * The single writer and the match stage each own a thread ({@code BatchEventProcessor}): ingest overlaps
     * matching, at the price of a hop between threads and one more busy thread.
     */
    THREAD_PER_STAGE
}
