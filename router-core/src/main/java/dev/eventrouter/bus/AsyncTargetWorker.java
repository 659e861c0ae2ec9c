package dev.eventrouter.bus;

import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * The bounded queue and worker of an asynchronous target. Producers (the match thread and the retry agent) copy
 * the event into a pooled item; when no item is free the queue is full and the offer fails, which the caller
 * counts as throttled and retries later: nothing is dropped. The worker calls the handler and returns the item to
 * the pool. Allocation-free in steady state (the items' arrays grow to the largest event, once).
 */
final class AsyncTargetWorker implements Agent {
    private final ManyToOneConcurrentArrayQueue<Item> queue;
    private final ManyToManyConcurrentArrayQueue<Item> pool;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final Attempt attempt = new Attempt();
    private final String name;
    private TargetBinding binding;
    private volatile boolean retired;
    private volatile boolean halted;

    private static final class Item {
        byte[] bytes = new byte[1024];
        int length;
        long ingestionTimeMillis;
        int retriesDone;
        byte[] trace = EventSlot.NO_TRACE;
        int traceLength;
        /** The event's ticket when the router tracks ends: held while the item is queued. */
        EndLedger.Ticket ticket;
    }

    AsyncTargetWorker(final String name, final int capacity) {
        this.name = name;
        queue = new ManyToOneConcurrentArrayQueue<>(capacity);
        pool = new ManyToManyConcurrentArrayQueue<>(capacity);
        for (int i = 0; i < pool.capacity(); i++) {
            pool.offer(new Item());
        }
    }

    void bind(final TargetBinding target) {
        binding = target;
    }

    /**
     * Queues an event unless the queue is full or the worker is retired. Any thread. Every offer counts in
     * {@code offered} before it reads {@link #retired}, and a refused one counts in {@code completed} too; the worker
     * stops only when it is retired and {@code completed} has caught up with {@code offered} (read in that order), so
     * an offer is either refused or queued to a worker that will still process it. An accepted offer costs one
     * atomic increment.
     *
     * @return whether the event was queued; {@code false} when the queue is full or {@link #isRetired()}.
     */
    boolean offer(final byte[] event, final int offset, final int length, final long ingestionTime,
                  final int retriesDone, final Attempt from) {
        offered.incrementAndGet();
        final Item item = retired ? null : pool.poll();
        if (item == null) {
            completed.incrementAndGet();
            return false;
        }
        try {
            if (item.bytes.length < length) {
                item.bytes = new byte[Math.max(length, item.bytes.length * 2)];
            }
            item.trace = EventSlot.traceRoom(item.trace, from.traceLength);
        } catch (Throwable e) {
            pool.offer(item);
            completed.incrementAndGet();
            throw e;
        }
        System.arraycopy(event, offset, item.bytes, 0, length);
        System.arraycopy(from.trace, 0, item.trace, 0, from.traceLength);
        item.traceLength = from.traceLength;
        item.length = length;
        item.ingestionTimeMillis = ingestionTime;
        item.retriesDone = retriesDone;
        item.ticket = from.ticket;
        if (item.ticket != null) {
            item.ticket.retain();   // before the worker can see it
        }
        queue.offer(item);
        return true;
    }

    /** @return whether the worker was retired (its target replaced or removed, or the router closing). */
    boolean isRetired() {
        return retired;
    }

    @Override
    public void onStart() {
        binding.router().markInternalThread();
    }

    @Override
    public int doWork() {
        int done = 0;
        Item item;
        // one item at a time: a halted worker stops before the next one, leaving the rest queued for close's report
        while (!halted && done < pool.capacity() && (item = queue.poll()) != null) {
            process(item);
            done++;
        }
        if (halted || done == 0 && retired && isIdle()) {
            throw new AgentTerminationException();
        }
        return done;
    }

    /**
     * Close's timeout passed: stop after the current item (which close interrupts); what is still queued stays for
     * {@link #leftovers()}.
     */
    void halt() {
        retired = true;
        halted = true;
    }

    private void process(final Item item) {
        final EndLedger.Ticket ticket = item.ticket;
        try {
            attempt.trace(item.trace, item.traceLength);
            attempt.ticket = ticket;
            if (!binding.invoke(item.bytes, 0, item.length, item.ingestionTimeMillis, item.retriesDone, attempt)) {
                binding.router().retries().submit(new PendingDelivery(binding,
                    TargetBinding.copy(item.bytes, 0, item.length), item.ingestionTimeMillis, item.retriesDone,
                    attempt));
            }
        } finally {
            attempt.ticket = null;
            item.ticket = null;
            pool.offer(item);
            completed.incrementAndGet();   // refused offers count here too, from other threads
            if (ticket != null) {
                ticket.release();   // delivered, or held by the retry it became
            }
        }
    }

    /** @return whether everything offered has been processed or refused ({@code completed} is read first). */
    boolean isIdle() {
        final long done = completed.get();
        return done == offered.get();
    }

    /** @return events offered so far (a progress signature for draining). */
    long offered() {
        return offered.get();
    }

    String ruleArn() {
        return binding.ruleArn;
    }

    String targetId() {
        return binding.target.id();
    }

    /** Lets the worker finish its queue and stop (the target was replaced or removed). */
    void retire() {
        retired = true;
    }

    /** @return copies of the events still queued, for the close report (call after the worker stopped). */
    java.util.List<byte[]> leftovers() {
        final java.util.List<byte[]> left = new java.util.ArrayList<>();
        Item item;
        while ((item = queue.poll()) != null) {
            left.add(TargetBinding.copy(item.bytes, 0, item.length));
        }
        return left;
    }

    @Override
    public String roleName() {
        return name;
    }
}
