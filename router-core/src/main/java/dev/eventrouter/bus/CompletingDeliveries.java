package dev.eventrouter.bus;

import dev.eventrouter.target.Completion;
import dev.eventrouter.target.Delivery;
import dev.eventrouter.target.TargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

/**
 * The deliveries of one {@link dev.eventrouter.target.Target.Kind#COMPLETING} target that are in flight: a pool of
 * flights (made on demand up to the capacity, then reused), each holding its own copy of the event until the
 * handler's completion arrives. Starting a delivery copies the event into a free flight (no allocation once the
 * flights exist and their arrays have grown to the events); no free flight means the target is saturated and the
 * attempt fails as throttled, to be retried. A failed completion
 * hands a copy to the retry agent. No thread of its own.
 *
 * <p>Accounting: every start counts in {@code started} before it reads {@link #halted}, every end (completion,
 * refusal, synchronous failure) in {@code ended}; the deliveries are idle when both agree ({@code ended} read
 * first). Close halts them, then reports each flight still out, and each that failed after the halt, as
 * undelivered; those are not retried, and a success that arrives late is still counted.
 */
final class CompletingDeliveries {
    private static final int FREE = 0;
    private static final int FLYING = 1;
    private static final int DONE = 2;

    private final ManyToManyConcurrentArrayQueue<Flight> pool;
    /** Every flight made so far; made on demand, up to the capacity, so an idle target costs little memory. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Flight> flights;
    private final AtomicInteger made = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    /** Orders failed completions against {@link #halt()} and {@link #leftovers()}. */
    private final Object lock = new Object();
    private final List<Undelivered> lateFailures = new ArrayList<>();
    private TargetBinding binding;
    private String saturated;
    private String stopping;
    private volatile boolean halted;
    private boolean reported;

    CompletingDeliveries(final int capacity) {
        pool = new ManyToManyConcurrentArrayQueue<>(capacity);
        flights = new java.util.concurrent.atomic.AtomicReferenceArray<>(pool.capacity());
    }

    void bind(final TargetBinding target) {
        binding = target;
        // made once: a saturated target refuses every event on the match thread, which must not build text for it
        saturated = flights.length() + " deliveries of target " + target.target.id() + " are in flight";
        stopping = "target " + target.target.id() + " is stopping";
    }

    /**
     * Starts one delivery: copies the event into a flight and calls the handler. Never throws.
     *
     * @return whether the delivery was started (its outcome comes through the completion); {@code false} with the
     *         failure in {@code attempt} when no flight is free, the deliveries are halted, or the handler threw
     *         before completing.
     */
    boolean start(final byte[] event, final int offset, final int length, final long ingestionTime,
                  final int retriesDone, final Attempt attempt) {
        started.incrementAndGet();
        final Flight flight = halted ? null : freeFlight();
        if (flight == null) {
            ended.incrementAndGet();
            binding.metrics.throttled.increment();
            binding.metrics.failed.increment();
            attempt.fail(TargetException.THROTTLING, halted ? stopping : saturated, true);
            return false;
        }
        try {
            flight.load(event, offset, length, ingestionTime, retriesDone, attempt);
        } catch (Throwable e) {
            flight.release();
            binding.metrics.failed.increment();
            attempt.fail(TargetBinding.DISPATCH_ERROR, e.toString(), true);
            return false;
        }
        flight.ticket = attempt.ticket;
        if (flight.ticket != null) {
            flight.ticket.retain();   // before the handler can complete
        }
        flight.state.set(FLYING);
        try {
            binding.target.completing().onEvent(flight.delivery, flight);
            return true;
        } catch (TargetException e) {
            return flight.failedNow(attempt, e.errorCode(), e.getMessage(), e.isRetryable());
        } catch (Throwable e) {
            return flight.failedNow(attempt, TargetBinding.HANDLER_ERROR, e.toString(), true);
        }
    }

    /** @return a free flight: a pooled one, else a new one while fewer than the capacity exist; else null. */
    private Flight freeFlight() {
        final Flight pooled = pool.poll();
        if (pooled != null) {
            return pooled;
        }
        while (true) {
            final int count = made.get();
            if (count == flights.length()) {
                return null;
            }
            if (made.compareAndSet(count, count + 1)) {
                final Flight flight = new Flight();
                flights.set(count, flight);
                return flight;
            }
        }
    }

    /**
     * Stops starting deliveries and retrying failed ones: what is in flight now, and what fails from now on, is
     * reported by {@link #leftovers()}. Call before the retry agent's leftovers are taken: a failure before the
     * halt is in the retry agent's hands.
     */
    void halt() {
        synchronized (lock) {
            halted = true;
        }
    }

    /** @return whether nothing is in flight ({@code ended} is read first). */
    boolean isIdle() {
        final long done = ended.get();
        return done == started.get();
    }

    /** @return deliveries started so far (a progress signature for draining). */
    long started() {
        return started.get();
    }

    /** @return copies of the events still in flight, for the close report (after {@link #halt()}). */
    List<Undelivered> leftovers() {
        synchronized (lock) {
            reported = true;
            final List<Undelivered> left = new ArrayList<>(lateFailures);
            for (int i = 0; i < flights.length(); i++) {
                final Flight flight = flights.get(i);
                if (flight != null && flight.state.get() == FLYING) {
                    left.add(flight.undelivered("in flight at a completing target when the router closed"));
                }
            }
            return left;
        }
    }

    /** One delivery's event, its delivery flyweight and its completion. */
    private final class Flight implements Completion {
        final Delivery delivery = new Delivery();
        final AtomicInteger state = new AtomicInteger(FREE);
        byte[] bytes = new byte[0];
        int length;
        long ingestionTime;
        int retriesDone;
        byte[] trace = EventSlot.NO_TRACE;
        int traceLength;
        /** The event's ticket when the router tracks ends: held while the delivery is in flight. */
        EndLedger.Ticket ticket;

        void load(final byte[] event, final int offset, final int len, final long ingestion, final int retries,
                  final Attempt attempt) {
            if (bytes.length < len) {
                bytes = new byte[Math.max(len, Math.max(1024, bytes.length * 2))];
            }
            System.arraycopy(event, offset, bytes, 0, len);
            trace = EventSlot.traceRoom(trace, attempt.traceLength);
            System.arraycopy(attempt.trace, 0, trace, 0, attempt.traceLength);
            traceLength = attempt.traceLength;
            length = len;
            ingestionTime = ingestion;
            retriesDone = retries;
            binding.wrap(delivery, bytes, 0, len, ingestion, retries, attempt);
            delivery.withTraceHeader(trace, traceLength);   // the flight's own copy: it outlives the attempt
        }

        /** The handler threw: a failed attempt unless it completed first. */
        boolean failedNow(final Attempt attempt, final String code, final String message, final boolean retryable) {
            if (!state.compareAndSet(FLYING, DONE)) {
                return true;   // completed before the throw: the completion decided
            }
            release();
            binding.metrics.failed.increment();
            attempt.fail(code, message, retryable);
            return false;
        }

        @Override
        public void succeeded() {
            if (state.compareAndSet(FLYING, DONE)) {
                binding.metrics.delivered.increment();
                release();
            }
        }

        @Override
        public void failed(final TargetException failure, final long retryAfterMillis) {
            synchronized (lock) {
                if (!state.compareAndSet(FLYING, DONE)) {
                    return;
                }
                try {
                    if (!halted) {
                        // the failure's time is read before it is counted: whoever sees the count (a test moving the
                        // clock) knows the backoff starts from a time before its move
                        final PendingDelivery pending = new PendingDelivery(binding, TargetBinding.copy(bytes, 0,
                            length), ingestionTime, retriesDone, failure.errorCode(), failure.getMessage(),
                            failure.isRetryable(), Math.max(0, retryAfterMillis));
                        pending.trace = EventSlot.traceCopy(trace, traceLength);
                        pending.ticket = ticket;   // handed on: the retry holds it now
                        ticket = null;
                        binding.metrics.failed.increment();
                        binding.router().retries().submit(pending);
                    } else {
                        binding.metrics.failed.increment();
                        if (!reported) {
                            lateFailures.add(undelivered("failed after the router closed: " + failure.errorCode()
                                + ": " + failure.getMessage()));
                        }
                        // else it was in flight when the leftovers were taken, and reported then
                    }
                } finally {
                    release();
                }
            }
        }

        Undelivered undelivered(final String reason) {
            return new Undelivered(binding.ruleArn, binding.target.id(), reason,
                TargetBinding.copy(bytes, 0, length));
        }

        void release() {
            final EndLedger.Ticket held = ticket;
            ticket = null;
            state.set(FREE);
            pool.offer(this);
            ended.incrementAndGet();
            if (held != null) {
                held.release();
            }
        }
    }
}
