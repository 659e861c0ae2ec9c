/**
 * EventBridge event patterns: the immutable model ({@link dev.eventrouter.pattern.EventPattern}), the parser
 * ({@link dev.eventrouter.pattern.PatternParser}) and its error type
 * ({@link dev.eventrouter.pattern.InvalidPatternException}).
 *
 * <p>What it owns: the pattern language, its validation and its limits. What it must not depend on: the matcher,
 * the bus runtime, persistence. Threading: everything here is immutable or confined to one call; parsing runs off
 * the hot path and may allocate freely.
 *
 * <p>A parsed pattern is kept in the form the matcher needs: {@code $or} is expanded into a list of conjunctions,
 * and nested objects are flattened into dotted paths ({@code {"a":{"b":[1]}}} has the path {@code a.b}), which is
 * how EventBridge's engine sees them. See {@code docs/patterns.md} for the language and every deliberate
 * difference from event-ruler.
 */
package dev.eventrouter.pattern;
