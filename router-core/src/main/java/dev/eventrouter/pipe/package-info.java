/**
 * EventBridge Pipes: a source (stream or queue) through filters, an optional enrichment, an optional input
 * transformer and a target, run as an event-source mapping on a {@link dev.eventrouter.source.Poller}.
 */
package dev.eventrouter.pipe;
