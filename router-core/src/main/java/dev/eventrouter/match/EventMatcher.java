package dev.eventrouter.match;

import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * Matches events against the automaton of an {@link AutomatonSource}. Single-threaded: use one matcher per thread;
 * in steady state {@link #match(byte[], int, int, MatchHandler)} does not allocate. The automaton is read once per
 * event, so a {@link RuleSet} change is seen by the next event and never half-way through one.
 *
 * <pre>{@code
 * RuleSet rules = new RuleSet();
 * rules.put("big-orders", "{\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}");
 * EventMatcher matcher = new EventMatcher(rules);
 * matcher.match(eventBytes, 0, eventBytes.length, rule -> System.out.println(rule.name()));
 * }</pre>
 */
public final class EventMatcher {
    private final AutomatonSource source;
    private final EventLimits limits;
    private final MatchState state = new MatchState();
    private final EventScanner scanner = new EventScanner(state);
    /** For the overlay of a layered automaton ({@link LayeredRules}): a second pass until its compaction lands. */
    private final MatchState overlayState = new MatchState();
    private final EventScanner overlayScanner = new EventScanner(overlayState);
    private boolean recordSpans;
    private byte[] copy = new byte[1024];

    /** @param source the automaton to use, read once per event. */
    public EventMatcher(final AutomatonSource source) {
        this(source, EventLimits.DEFAULT);
    }

    /**
     * @param source the automaton to use, read once per event.
     * @param limits size and depth limits for events.
     */
    public EventMatcher(final AutomatonSource source, final EventLimits limits) {
        this.source = source;
        this.limits = limits;
    }

    /**
     * Matches one event.
     *
     * @param bytes   UTF-8 JSON.
     * @param offset  first byte of the event.
     * @param length  number of bytes.
     * @param handler told of each matched rule once, after the whole event was scanned.
     * @return the number of rules matched.
     * @throws MalformedEventException when the bytes are not a JSON object or exceed the limits; the handler is
     *                                 then not called.
     */
    public int match(final byte[] bytes, final int offset, final int length, final MatchHandler handler) {
        return match(bytes, offset, length, handler, false, NO_SPANS, 0);
    }

    /**
     * Matches an event whose bytes an earlier scan already found to be a well-formed event within this matcher's
     * limits (a router's publisher validates before it hands an event on): containers no rule names are skipped by
     * counting brackets outside strings, a word at a time, instead of being validated again. The answer for bytes
     * that are valid is the same as {@link #match(byte[], int, int, MatchHandler)}'s; for bytes that are not, it is
     * unspecified (a {@link MalformedEventException} or an answer), but the scan never reads outside the bytes.
     *
     * @see #match(byte[], int, int, MatchHandler)
     */
    public int matchValidated(final byte[] bytes, final int offset, final int length, final MatchHandler handler) {
        return match(bytes, offset, length, handler, true, NO_SPANS, 0);
    }

    /**
     * As {@link #matchValidated(byte[], int, int, MatchHandler)}, with the spans of containers that the validating
     * matcher recorded ({@link #recordSpans}): a container no rule names that starts where a span starts is jumped
     * over in one step. A span that does not fit the bytes is ignored.
     *
     * @param spans     pairs of (start, end) offsets relative to {@code offset}.
     * @param spanCount the number of pairs.
     */
    public int matchValidated(final byte[] bytes, final int offset, final int length, final MatchHandler handler,
                              final int[] spans, final int spanCount) {
        return match(bytes, offset, length, handler, true, spans, spanCount);
    }

    /** Most container spans a validating match records (see {@link #recordSpans}). */
    public static final int MAX_SPANS = 16;

    /**
     * Makes this matcher's later {@link #match} calls (the validating ones) record the spans of the containers they
     * skip that are at least 128 bytes long, as (start, end) pairs relative to the event's first byte, in the order
     * they close, up to {@link #MAX_SPANS} ({@link #lastSpans()}). A validating stage (the router's publisher) hands
     * them on with the event to {@link #matchValidated(byte[], int, int, MatchHandler, int[], int)}.
     */
    public void recordSpans(final boolean on) {
        recordSpans = on;
    }

    /** @return the spans the last {@link #match} recorded, {@link #lastSpanCount()} pairs; overwritten by the next. */
    public int[] lastSpans() {
        return scanner.recordedSpans();
    }

    /** @return the number of spans the last {@link #match} recorded (see {@link #recordSpans}). */
    public int lastSpanCount() {
        return scanner.recordedSpanCount();
    }

    private static final int[] NO_SPANS = new int[0];

    private int match(final byte[] bytes, final int offset, final int length, final MatchHandler handler,
                      final boolean validated, final int[] spans, final int spanCount) {
        checkSize(length);
        final MatchAutomaton automaton = source.current();
        final MatchAutomaton overlay = automaton.overlay;
        state.reset(automaton);
        // a layered automaton's base pass validates the bytes (unless they came validated) and records the spans of
        // what it skipped: the overlay pass trusts the bytes and jumps over those containers
        scanner.scan(automaton, bytes, offset, length, limits.maxDepth(), validated, spans, spanCount,
            recordSpans || (overlay != null && !validated));
        if (overlay == null) {
            return state.resolve(handler);
        }
        final int matched = state.verify();
        overlayState.reset(overlay);
        overlayScanner.scan(overlay, bytes, offset, length, limits.maxDepth(), true,
            validated ? spans : scanner.recordedSpans(), validated ? spanCount : scanner.recordedSpanCount(), false);
        overlayState.continueBudget(state);
        final int overlayMatched = overlayState.verify();
        return state.report(matched, handler) + overlayState.report(overlayMatched, handler);
    }

    private void checkSize(final int length) {
        if (length > limits.maxBytes()) {
            throw new MalformedEventException(limits.maxBytes(),
                "event of " + length + " bytes exceeds the limit of " + limits.maxBytes() + " bytes");
        }
    }

    /** Matches a whole array. @see #match(byte[], int, int, MatchHandler) */
    public int match(final byte[] bytes, final MatchHandler handler) {
        return match(bytes, 0, bytes.length, handler);
    }

    /**
     * Matches an event held in a buffer. A buffer over a heap array is read in place; an off-heap buffer is first
     * copied into a reusable array.
     *
     * @see #match(byte[], int, int, MatchHandler)
     */
    public int match(final DirectBuffer buffer, final int offset, final int length, final MatchHandler handler) {
        final byte[] array = buffer.byteArray();
        if (array != null) {
            return match(array, buffer.wrapAdjustment() + offset, length, handler);
        }
        checkSize(length);
        if (copy.length < length) {
            copy = new byte[Math.max(length, copy.length * 2)];
        }
        buffer.getBytes(offset, copy, 0, length);
        return match(copy, 0, length, handler);
    }

    /** Matches a JSON string (allocates; for tools and tests). */
    public int match(final String json, final MatchHandler handler) {
        return match(json.getBytes(StandardCharsets.UTF_8), handler);
    }

    /**
     * @return whether the event last matched (or refused) held an object or an array as an element of an array.
     * Only such an event can exceed the per-event bound of array-consistent verification, so an event without one
     * cannot be refused by any rules for that reason (see docs/patterns.md, "work per event").
     */
    public boolean lastEventNestsInArray() {
        return scanner.nestsInArray();
    }

    /** Test seam: see {@link MatchState#stampsFrom(int)}. */
    void stampsFrom(final int value) {
        state.stampsFrom(value);
        overlayState.stampsFrom(value);
    }
}
