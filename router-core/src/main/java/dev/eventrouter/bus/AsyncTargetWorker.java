package dev.eventrouter.bus;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
    private final Consumer<Item> process = this::process;
    private final String name;
    /** Offers between their check of {@link #retired} and their enqueue; the worker stops only at zero. */
    private final java.util.concurrent.atomic.AtomicInteger offering = new java.util.concurrent.atomic.AtomicInteger();
    private TargetBinding binding;
    private volatile boolean retired;
    private volatile boolean halted;

    private static final class Item {
        byte[] bytes = new byte[1024];
        int length;
        long ingestionTimeMillis;
        int retriesDone;
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
     * Queues an event unless the queue is full or the worker is retired. Any thread. The worker stops only when it
     * is retired, no offer is between its check and its enqueue, and the queue is empty (each side announces itself
     * before it reads the other's flag), so an accepted offer is always processed or reported by close.
     *
     * @return whether the event was queued; {@code false} when the queue is full or {@link #isRetired()}.
     */
    boolean offer(final byte[] event, final int offset, final int length, final long ingestionTime,
                  final int retriesDone) {
        offering.incrementAndGet();
        try {
            if (retired) {
                return false;
            }
            final Item item = pool.poll();
            if (item == null) {
                return false;
            }
            try {
                if (item.bytes.length < length) {
                    item.bytes = new byte[Math.max(length, item.bytes.length * 2)];
                }
            } catch (Throwable e) {
                pool.offer(item);
                throw e;
            }
            System.arraycopy(event, offset, item.bytes, 0, length);
            item.length = length;
            item.ingestionTimeMillis = ingestionTime;
            item.retriesDone = retriesDone;
            offered.incrementAndGet();
            queue.offer(item);
            return true;
        } finally {
            offering.decrementAndGet();
        }
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
            process.accept(item);
            done++;
        }
        if (halted || done == 0 && retired && offering.get() == 0 && queue.isEmpty()) {
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
        try {
            if (!binding.invoke(item.bytes, 0, item.length, item.ingestionTimeMillis, item.retriesDone, attempt)) {
                binding.router().retries().submit(new PendingDelivery(binding,
                    TargetBinding.copy(item.bytes, 0, item.length), item.ingestionTimeMillis, item.retriesDone,
                    attempt));
            }
        } finally {
            pool.offer(item);
            completed.lazySet(completed.get() + 1);
        }
    }

    /** @return whether everything offered has been processed. */
    boolean isIdle() {
        return completed.get() == offered.get();
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
