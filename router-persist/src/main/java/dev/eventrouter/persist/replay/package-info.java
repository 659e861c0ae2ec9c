/**
 * Replays: {@link dev.eventrouter.persist.replay.ReplayAgent} steps every
 * {@link dev.eventrouter.persist.replay.Replay} state machine on one duty-cycle thread with an injected clock,
 * publishing archived events back into a bus with {@code replay-name} and a rule filter.
 *
 * <p>Depends on {@code persist.archive} and router-core's {@code bus}. Threading: start, cancel and describe from
 * any thread; replays step only on the agent's thread.
 */
package dev.eventrouter.persist.replay;
