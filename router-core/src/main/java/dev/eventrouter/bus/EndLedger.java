package dev.eventrouter.bus;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Tells when events have <em>ended</em>: every delivery the match stage started for them delivered, dead-lettered,
 * dropped by a counted policy, or reported by close. Deliveries end out of order (a retry waits, an asynchronous
 * target queues, a completing target answers later), so each matched event gets a {@link Ticket} counting its
 * deliveries still out: the match stage holds one count while it dispatches, each delivery that outlives the
 * dispatch (queued to a worker, in flight at a completing target, waiting for a retry) holds one, and passes it on
 * when it hands the event to the next holder. The low-water mark is the oldest event whose ticket is still held;
 * {@link #afterEnded} runs its callback once the match stage has passed the events accepted before the call and the
 * mark has passed them too.
 *
 * <p>Opt in ({@link RouterContext#trackEnds}): it allocates one ticket per matched event. Tickets are opened by
 * the match thread only, in ring order; released by any thread. Only tickets with deliveries still out after the
 * dispatch are kept (a retry may hold one for a day): what ends at once is never stored.
 */
final class EndLedger {
    /** The events with deliveries still out after their dispatch, by ring sequence; removed as they end. */
    private final ConcurrentSkipListMap<Long, Ticket> open = new ConcurrentSkipListMap<>();
    private final ConcurrentLinkedQueue<RingWaiter> waiters = new ConcurrentLinkedQueue<>();
    /** The last ring sequence the match stage finished (its tickets are open or ended). */
    private volatile long matched = -1;
    private volatile boolean closed;
    /** Single writer: the handoff's consumer position (what the writer moved into the ring); else MAX_VALUE. */
    private final LongSupplier consumed;
    /** The ring's cursor (the last sequence published). */
    private final LongSupplier cursor;

    EndLedger(final LongSupplier consumed, final LongSupplier cursor) {
        this.consumed = consumed;
        this.cursor = cursor;
    }

    /** One event's deliveries still out, plus the match stage's own hold while it dispatches. */
    static final class Ticket {
        private static final AtomicIntegerFieldUpdater<Ticket> HOLDS =
            AtomicIntegerFieldUpdater.newUpdater(Ticket.class, "holds");
        private final EndLedger ledger;
        final long sequence;
        private volatile int holds = 1;
        /** Kept in {@link #open} (its deliveries outlived the dispatch): only then is there anything to remove. */
        private volatile boolean kept;

        Ticket(final EndLedger ledger, final long sequence) {
            this.ledger = ledger;
            this.sequence = sequence;
        }

        /** A delivery of the event outlives the current holder: one more hold (before it is handed on). */
        void retain() {
            HOLDS.incrementAndGet(this);
        }

        /** A holder is done with the event (its delivery ended, or it handed the event on after a retain). */
        void release() {
            final int left = HOLDS.decrementAndGet(this);
            if (left == 0) {
                ledger.ended(this);
            } else if (left < 0) {
                throw new IllegalStateException("ticket of event " + sequence + " released once too often");
            }
        }
    }

    /**
     * Match thread: the ticket of the event at {@code sequence}, held by the match stage until
     * {@link #dispatched}.
     */
    Ticket open(final long sequence) {
        return new Ticket(this, sequence);
    }

    /**
     * Match thread, after an event's dispatch: keeps its ticket when deliveries are still out (before the match
     * stage's own hold goes, so the ticket cannot end before it is kept), releases that hold, and records the event
     * as matched.
     */
    void dispatched(final Ticket ticket, final boolean endOfBatch) {
        if (ticket.holds > 1) {
            ticket.kept = true;
            open.put(ticket.sequence, ticket);
        }
        ticket.release();
        matched(ticket.sequence, endOfBatch);
    }

    /**
     * Match thread: the match stage has finished events up to {@code sequence} (one without a ticket: its bus was
     * gone); at the end of a batch, checks the waiters.
     */
    void matched(final long sequence, final boolean endOfBatch) {
        matched = sequence;
        if (endOfBatch && !waiters.isEmpty()) {
            check();
        }
    }

    /**
     * Calls {@code then} once every event handed over before this call has ended ({@code true}), or with
     * {@code false} when the router closes first.
     *
     * @param handoffPosition single writer: the handoff's producer position now; else -1.
     * @param ringSequence    multi-producer: the ring's cursor now; else -1.
     */
    void afterEnded(final long handoffPosition, final long ringSequence, final Consumer<Boolean> then) {
        waiters.add(new RingWaiter(handoffPosition, ringSequence, then));
        if (closed) {
            failWaiters();
        } else {
            check();
        }
    }

    /** Any thread: a ticket ended; forgets it and checks the waiters. */
    private void ended(final Ticket ticket) {
        if (ticket.kept) {
            open.remove(ticket.sequence);   // what ended at its dispatch was never kept: nothing to box or search
        }
        if (!waiters.isEmpty()) {
            check();
        }
    }

    /** @return tickets the ledger keeps (tests: it must not keep ended ones behind a held one). */
    int openTickets() {
        return open.size();
    }

    /** @return the ring sequence of the oldest event with deliveries out, or {@link Long#MAX_VALUE}. */
    long lowWater() {
        final java.util.Map.Entry<Long, Ticket> oldest = open.firstEntry();
        return oldest == null ? Long.MAX_VALUE : oldest.getKey();
    }

    private void check() {
        java.lang.invoke.VarHandle.fullFence();
        if (waiters.isEmpty()) {
            return;
        }
        final long through = matched;
        final long low = lowWater();
        final long consumedNow = consumed.getAsLong();
        final long cursorNow = cursor.getAsLong();
        for (RingWaiter waiter : waiters) {
            final long upTo = waiter.resolve(consumedNow, cursorNow);
            if (upTo != RingWaiter.UNRESOLVED && through >= upTo && low > upTo && waiters.remove(waiter)) {
                waiter.run(Boolean.TRUE);
            }
        }
    }

    /** The router closed: waiters not passed yet are told {@code false}, now and from now on. */
    void close() {
        closed = true;
        failWaiters();
    }

    private void failWaiters() {
        RingWaiter waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.run(Boolean.FALSE);
        }
    }
}
