/**
 * Targets and delivery. So far: the retry policy and its planner ({@link dev.eventrouter.target.RetryPolicy},
 * {@link dev.eventrouter.target.RetryPlanner}) and the dead-letter record
 * ({@link dev.eventrouter.target.DeadLetter}); target handlers, dispatch and input shaping come next.
 *
 * <p>Depends on nothing else in the project yet. Threading: value types are immutable; a planner is confined to
 * the thread that schedules retries (a duty-cycle agent), and takes time from an injected clock.
 */
package dev.eventrouter.target;
