/**
 * Targets and delivery: the target description ({@link dev.eventrouter.target.Target}), the handler SPI
 * ({@link dev.eventrouter.target.EventHandler} with its {@link dev.eventrouter.target.Delivery} flyweight and
 * {@link dev.eventrouter.target.TargetException}), input shaping ({@link dev.eventrouter.target.TargetInput},
 * {@link dev.eventrouter.target.InputTransformer}, {@link dev.eventrouter.target.EventPath}), the retry policy and
 * planner, and dead letters.
 *
 * <p>Depends on nothing else in the project. Threading: value types are immutable; a planner is confined to the
 * retry agent's thread and takes time from an injected clock; a {@code Delivery} is confined to the calling thread.
 */
package dev.eventrouter.target;
