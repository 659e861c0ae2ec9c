package dev.eventrouter.match;

/** Receives the ids of conditions that a value satisfies. Implemented by the per-thread match state. */
interface HitSink {
    /** @param conditionId a condition satisfied by the current value. */
    void hit(int conditionId);
}
