/**
 * Event buses and the router: {@link dev.eventrouter.bus.Router} (buses, rules, targets, PutEvents, raw publish,
 * metrics, close), its configuration {@link dev.eventrouter.bus.RouterContext}, the single-writer Disruptor
 * pipeline, the match stage, asynchronous target workers and the retry agent; also PutEvents entry validation
 * ({@link dev.eventrouter.bus.EnvelopeEncoder}) and ARNs ({@link dev.eventrouter.bus.EventArns}).
 *
 * <p>Depends on {@code event}, {@code pattern}, {@code match} and {@code target}; nothing depends on it but the
 * command line. Threading: {@code Router} is thread-safe; publishing never locks; rule and target changes are
 * serialized and swapped in through one volatile reference per bus; the pipeline's threads, the retry agent and
 * the asynchronous workers are described in docs/router.md.
 */
package dev.eventrouter.bus;
