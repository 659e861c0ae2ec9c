package dev.eventrouter.bus;

import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.RetryPlanner;
import dev.eventrouter.target.RetryPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * The duty-cycle agent that owns every failed delivery: it plans the next attempt with the target's retry policy
 * on the injected clock, makes retries when they come due, and hands what cannot be delivered to the dead-letter
 * target. One thread; the inbox is the only shared structure. Allocates only on failure paths.
 */
final class RetryAgent implements Agent {
    private final ManyToOneConcurrentLinkedQueue<PendingDelivery> inbox = new ManyToOneConcurrentLinkedQueue<>();
    private final PriorityQueue<PendingDelivery> scheduled =
        new PriorityQueue<>(Comparator.comparingLong(p -> p.dueMillis));
    private final List<Undelivered> deadLetterFailures = new ArrayList<>();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final RetryPlanner planner;
    private final EpochClock clock;
    private final Attempt attempt = new Attempt();
    private final Runnable onStart;
    private volatile int scheduledCount;
    private volatile long nextDueMillis = -1;

    RetryAgent(final RetryPlanner planner, final EpochClock clock, final Runnable onStart) {
        this.planner = planner;
        this.clock = clock;
        this.onStart = onStart;
    }

    @Override
    public void onStart() {
        onStart.run();
    }

    /** Hands a failed delivery over. Any thread. */
    void submit(final PendingDelivery pending) {
        submitted.incrementAndGet();
        inbox.offer(pending);
    }

    @Override
    public int doWork() {
        int work = 0;
        PendingDelivery pending;
        while ((pending = inbox.poll()) != null) {
            plan(pending);
            work++;
        }
        final long now = clock.time();
        while (!scheduled.isEmpty() && scheduled.peek().dueMillis <= now) {
            retry(scheduled.poll());
            work++;
        }
        scheduledCount = scheduled.size();
        nextDueMillis = scheduled.isEmpty() ? -1 : scheduled.peek().dueMillis;
        return work;
    }

    private void plan(final PendingDelivery pending) {
        final RetryPolicy policy = pending.target.target.retryPolicy();
        long at = planner.nextAttempt(policy, pending.ingestionTimeMillis, pending.retriesDone,
            pending.failedAtMillis, pending.retryable);
        if (at >= 0 && pending.notBeforeMillis > at) {
            // the target's Retry-After is the more conservative wait; it too must start within the event's age
            at = pending.notBeforeMillis - pending.ingestionTimeMillis > policy.maximumEventAgeSeconds() * 1000L
                ? RetryPlanner.EXHAUSTED_AGE : pending.notBeforeMillis;
        }
        if (at >= 0) {
            pending.dueMillis = at;
            scheduled.add(pending);
        } else {
            deadLetter(pending, RetryPlanner.exhaustedCondition(at));
        }
    }

    private void retry(final PendingDelivery pending) {
        final TargetBinding target = pending.target;
        pending.retriesDone++;
        final TargetBinding current = target.current();
        if (current == null) {
            attempt.fail(dev.eventrouter.target.TargetException.NO_RESOURCE, "target " + target.target.id()
                + " was removed from rule " + target.ruleArn, false);
            pending.failedWith(attempt, clock.time());
            plan(pending);
            return;
        }
        if (current != target) {
            // the target was replaced while this retry waited: the retry belongs to the rule's target of that id
            pending.target = current;
            retryAt(current, pending);
            return;
        }
        retryAt(target, pending);
    }

    private void retryAt(final TargetBinding target, final PendingDelivery pending) {
        target.metrics.retried.increment();
        attempt.trace(pending.trace, pending.trace.length);
        attempt.ticket = pending.ticket;
        final boolean done;
        try {
            done = target.attempt(pending.event, 0, pending.event.length, pending.ingestionTimeMillis, 0,
                pending.retriesDone, attempt);
        } finally {
            attempt.ticket = null;
        }
        if (done) {
            settled.incrementAndGet();
            release(pending);   // delivered, or held by the queue or flight it went to
        } else {
            pending.failedWith(attempt, clock.time());
            plan(pending);
        }
    }

    private void deadLetter(final PendingDelivery pending, final String exhaustedCondition) {
        try {
            giveUp(pending, exhaustedCondition);
        } finally {
            release(pending);   // dead-lettered, dropped, or reported by close (its dead-letter target failed)
        }
    }

    private static void release(final PendingDelivery pending) {
        final EndLedger.Ticket ticket = pending.ticket;
        pending.ticket = null;
        if (ticket != null) {
            ticket.release();
        }
    }

    private void giveUp(final PendingDelivery pending, final String exhaustedCondition) {
        final TargetBinding target = pending.target;
        settled.incrementAndGet();
        if (target.deadLetter == null) {
            target.metrics.dropped.increment();
            return;
        }
        try {
            target.deadLetter.onDeadLetter(new DeadLetter(pending.event, target.ruleArn, target.targetArn,
                pending.errorCode, pending.errorMessage, pending.retriesDone, exhaustedCondition));
            target.metrics.deadLettered.increment();
        } catch (Throwable e) {
            target.metrics.deadLetterFailed.increment();
            synchronized (deadLetterFailures) {
                deadLetterFailures.add(new Undelivered(target.ruleArn, target.target.id(),
                    "dead-letter target failed: " + e, pending.event));
            }
        }
    }

    /** @return whether nothing is waiting: inbox empty, nothing scheduled. */
    boolean isIdle() {
        return submitted.get() == settled.get();
    }

    /** @return failed deliveries submitted so far (a progress signature for draining). */
    long submitted() {
        return submitted.get();
    }

    /** @return when the earliest scheduled retry is due, or -1 (as of the last duty cycle). */
    long nextDue() {
        return nextDueMillis;
    }

    /** @return retries waiting for their time. */
    int scheduledCount() {
        return scheduledCount;
    }

    /** @return what is still pending and what the dead-letter targets refused (call after the agent stopped). */
    List<Undelivered> leftovers() {
        final List<Undelivered> left = new ArrayList<>(deadLetterFailures);
        PendingDelivery pending;
        while ((pending = inbox.poll()) != null) {
            scheduled.add(pending);
        }
        while ((pending = scheduled.poll()) != null) {
            left.add(new Undelivered(pending.target.ruleArn, pending.target.target.id(), "pending retry after "
                + pending.retriesDone + " retries; last error " + pending.errorCode + ": " + pending.errorMessage,
                pending.event));
        }
        return left;
    }

    @Override
    public String roleName() {
        return "eventrouter-retry";
    }
}
