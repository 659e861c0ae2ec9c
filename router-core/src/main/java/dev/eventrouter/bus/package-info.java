/**
 * Event buses. So far: the ingest half of PutEvents ({@link dev.eventrouter.bus.PutEventsEntry},
 * {@link dev.eventrouter.bus.EnvelopeEncoder}) and bus/rule ARNs ({@link dev.eventrouter.bus.EventArns}); the
 * router and its single-writer pipeline come next.
 *
 * <p>Depends on {@code event} and {@code match}. Threading: value types are immutable; an encoder is confined to
 * one thread.
 */
package dev.eventrouter.bus;
