package dev.eventrouter.bus;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
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
 * the match thread only, in ring order; released by any thread.
 */
final class EndLedger {
    /** Open tickets in ring order; ended ones are dropped from the head. */
    private final ConcurrentLinkedQueue<Ticket> open = new ConcurrentLinkedQueue<>();
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
        private final EndLedger ledger;
        final long sequence;
        private final AtomicInteger holds = new AtomicInteger(1);

        Ticket(final EndLedger ledger, final long sequence) {
            this.ledger = ledger;
            this.sequence = sequence;
        }

        /** A delivery of the event outlives the current holder: one more hold (before it is handed on). */
        void retain() {
            holds.incrementAndGet();
        }

        /** A holder is done with the event (its delivery ended, or it handed the event on after a retain). */
        void release() {
            final int left = holds.decrementAndGet();
            if (left == 0) {
                ledger.ended();
            } else if (left < 0) {
                throw new IllegalStateException("ticket of event " + sequence + " released once too often");
            }
        }

        boolean ended() {
            return holds.get() == 0;
        }
    }

    /** Match thread: the ticket of the event at {@code sequence}, held by the match stage until {@link #matched}. */
    Ticket open(final long sequence) {
        final Ticket ticket = new Ticket(this, sequence);
        open.offer(ticket);
        return ticket;
    }

    /**
     * Match thread, after an event's dispatch (its ticket released): the match stage has finished events up to
     * {@code sequence}; at the end of a batch, checks the waiters.
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

    /** Any thread: a ticket ended; drops ended tickets from the head and checks the waiters. */
    private void ended() {
        dropEnded();
        if (!waiters.isEmpty()) {
            check();
        }
    }

    private void dropEnded() {
        Ticket head;
        while ((head = open.peek()) != null && head.ended()) {
            open.remove(head);   // removes that ticket, whichever thread got here first
        }
    }

    /** @return the ring sequence of the oldest event with deliveries out, or {@link Long#MAX_VALUE}. */
    long lowWater() {
        dropEnded();
        for (Ticket ticket : open) {
            if (!ticket.ended()) {
                return ticket.sequence;
            }
        }
        return Long.MAX_VALUE;
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
