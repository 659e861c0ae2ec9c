/**
 * Event bytes: the limits applied to them ({@link dev.eventrouter.event.EventLimits}) and the error for bytes that
 * are not a well-formed event ({@link dev.eventrouter.event.MalformedEventException}).
 *
 * <p>Depends on nothing else in the project. Threading: immutable values.
 */
package dev.eventrouter.event;
