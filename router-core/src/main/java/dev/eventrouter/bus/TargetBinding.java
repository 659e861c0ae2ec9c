package dev.eventrouter.bus;

import dev.eventrouter.target.DeadLetterHandler;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetException;

/**
 * A target bound to its rule: delivers one attempt on the calling thread (match thread, retry agent or the
 * target's worker) and reports failures to the retry agent. Immutable apart from its counters; the first attempt
 * of an unshaped synchronous target does not allocate.
 */
final class TargetBinding {
    /** Error code of an in-process handler that threw something other than {@link TargetException}. */
    static final String HANDLER_ERROR = "HANDLER_ERROR";
    /** Error code of a delivery that failed before reaching the target (shaping, queueing or forwarding threw). */
    static final String DISPATCH_ERROR = "DISPATCH_ERROR";

    final Target target;
    /** {@code TARGET_ARN} of its dead letters: the ARN PutTargets named, a bus target's bus ARN, else its id. */
    final String targetArn;
    final String ruleName;
    final String ruleArn;
    final TargetMetrics metrics;
    final DeadLetterHandler deadLetter;
    final AsyncTargetWorker worker;
    /** The deliveries in flight of a completing target; null for other kinds. */
    final CompletingDeliveries completions;
    /** The account that created the rule: the principal of its deliveries to buses. */
    final String creatorAccount;
    /** The account in the rule's ARN (the bus's): {@code aws:SourceAccount} of its deliveries. */
    final String ruleAccount;
    private final Router router;
    private final EventBus bus;
    private final String region;
    /** {registry, principal}: the creator resolved against the router's organizations of the moment. */
    private volatile Object[] principal;

    TargetBinding(final Router router, final EventBus bus, final Target target, final String ruleName,
                  final String ruleArn, final TargetMetrics metrics, final DeadLetterHandler deadLetter,
                  final AsyncTargetWorker worker, final CompletingDeliveries completions, final String creator) {
        this.router = router;
        this.bus = bus;
        this.region = bus.region();
        this.ruleAccount = bus.account();
        this.creatorAccount = creator != null ? creator : bus.account();
        this.target = target;
        this.targetArn = target.arn() != null ? target.arn() : target.kind() == Target.Kind.BUS
            ? router.busArn(target.bus()) : target.id();
        this.ruleName = ruleName;
        this.ruleArn = ruleArn;
        this.metrics = metrics;
        this.deadLetter = deadLetter;
        this.worker = worker;
        this.completions = completions;
    }

    /**
     * The first attempt, from the match stage; the slot's bytes are copied only if they must outlive it. Never
     * throws: whatever goes wrong is this target's failed attempt, so the ring advances and the rule's other targets
     * are neither skipped nor called twice.
     */
    void deliverFirst(final EventSlot slot, final Attempt attempt) {
        attempt.trace(slot.trace, slot.traceLength);
        if (!attempt(slot.bytes, 0, slot.length, slot.ingestionTimeMillis, slot.flags, 0, attempt)) {
            router.retries().submit(new PendingDelivery(this, copy(slot.bytes, 0, slot.length),
                slot.ingestionTimeMillis, 0, attempt));
        }
    }

    /**
     * One attempt of any kind. Never throws: a throwable from the handler is {@code HANDLER_ERROR}, one from
     * dispatch (shaping, queueing, forwarding) {@code DISPATCH_ERROR}; both retryable.
     *
     * @return whether the attempt succeeded or was handed on (queued to the worker, forwarded or not forwarded);
     *         {@code false} with the failure in {@code attempt}.
     */
    boolean attempt(final byte[] event, final int offset, final int length, final long ingestionTime,
                    final int flags, final int retriesDone, final Attempt attempt) {
        try {
            return dispatch(event, offset, length, ingestionTime, flags, retriesDone, attempt);
        } catch (Throwable e) {
            metrics.failed.increment();
            attempt.fail(DISPATCH_ERROR, e.toString(), true);
            return false;
        }
    }

    private boolean dispatch(final byte[] event, final int offset, final int length, final long ingestionTime,
                             final int flags, final int retriesDone, final Attempt attempt) {
        switch (target.kind()) {
            case HANDLER:
                return invoke(event, offset, length, ingestionTime, retriesDone, attempt);
            case ASYNC_HANDLER:
                if (worker.offer(event, offset, length, ingestionTime, retriesDone, attempt)) {
                    return true;
                }
                if (worker.isRetired()) {
                    return redirect(event, offset, length, ingestionTime, flags, retriesDone, attempt);
                }
                metrics.throttled.increment();
                attempt.fail(TargetException.THROTTLING, "queue of target " + target.id() + " is full", true);
                return false;
            case COMPLETING:
                return completions.start(event, offset, length, ingestionTime, retriesDone, attempt);
            default:
                return forward(event, offset, length, ingestionTime, flags, attempt);
        }
    }

    /**
     * Calls the handler (synchronous targets on the match or retry thread, asynchronous ones on the worker). Never
     * throws: any throwable, Errors included, is a failed attempt.
     */
    boolean invoke(final byte[] event, final int offset, final int length, final long ingestionTime,
                   final int retriesDone, final Attempt attempt) {
        try {
            wrap(attempt.delivery, event, offset, length, ingestionTime, retriesDone, attempt);
            target.handler().onEvent(attempt.delivery);
            metrics.delivered.increment();
            return true;
        } catch (TargetException e) {
            attempt.fail(e.errorCode(), e.getMessage(), e.isRetryable());
        } catch (Throwable e) {
            attempt.fail(HANDLER_ERROR, e.toString(), true);
        }
        metrics.failed.increment();
        return false;
    }

    /**
     * Points {@code delivery} at this target's payload for the event: the event itself, or its shaped input (which
     * allocates) with the event beside it.
     */
    void wrap(final dev.eventrouter.target.Delivery delivery, final byte[] event, final int offset, final int length,
              final long ingestionTime, final int retriesDone, final Attempt attempt) {
        attempt.ruleName = ruleName;
        attempt.ruleArn = ruleArn;
        attempt.ingestionTimeMillis = ingestionTime;
        if (target.input().isWholeEvent()) {
            delivery.wrap(event, offset, length, ruleName, ruleArn, target.id(), retriesDone + 1, ingestionTime);
        } else {
            final byte[] payload = target.input().shape(event, offset, length, attempt);
            delivery.wrap(payload, 0, payload.length, ruleName, ruleArn, target.id(), retriesDone + 1, ingestionTime)
                .withEvent(event, offset, length);
        }
        delivery.withTraceHeader(attempt.trace, attempt.traceLength);
    }

    /**
     * This binding was replaced or removed while its caller still held it (the match thread reads a bus's rules once
     * per event; a retry holds its binding for hours): the attempt goes to the target's current binding, or fails as
     * {@code NO_RESOURCE} when the target is gone.
     */
    private boolean redirect(final byte[] event, final int offset, final int length, final long ingestionTime,
                             final int flags, final int retriesDone, final Attempt attempt) {
        final TargetBinding current = current();
        if (current == this) {
            // the router is closing: its workers are stopped; the retry agent reports what is left
            metrics.failed.increment();
            attempt.fail(TargetException.THROTTLING, "target " + target.id() + " is stopping", true);
            return false;
        }
        if (current == null) {
            metrics.failed.increment();
            attempt.fail(TargetException.NO_RESOURCE, "target " + target.id() + " was removed from rule " + ruleArn,
                false);
            return false;
        }
        return current.attempt(event, offset, length, ingestionTime, flags, retriesDone, attempt);
    }

    /** @return the binding of this rule's target of this id now ({@code this} unless replaced), or null. */
    TargetBinding current() {
        if (bus.deleted) {
            return null;
        }
        return bus.compiled.target(ruleName, target.id());
    }

    private boolean forward(final byte[] event, final int offset, final int length, final long ingestionTime,
                            final int flags, final Attempt attempt) {
        if ((flags & HandoffDescriptor.FROM_OTHER_BUS) != 0) {
            metrics.notForwarded.increment();
            return true;
        }
        final EventBus destination = router.lookup(target.bus());
        if (destination == null) {
            metrics.failed.increment();
            attempt.fail(TargetException.NO_RESOURCE, Router.busDoesNotExist(target.bus()), false);
            return false;
        }
        final String denied = router.authorizeForward(this, destination, event, offset, length);
        if (denied != null) {
            metrics.failed.increment();
            attempt.fail(TargetException.NO_PERMISSIONS, denied, false);
            return false;
        }
        final String refusal = destination.refusal;
        if (refusal != null) {
            metrics.failed.increment();
            attempt.fail(TargetException.THROTTLING, "event bus " + destination.arn() + " refuses events: " + refusal,
                true);
            return false;
        }
        final boolean forwarded;
        if (destination.region().equals(region)) {
            forwarded = router.forward(destination, event, offset, length, ingestionTime, attempt);
        } else {
            // event ids are kept across accounts but not across regions
            final byte[] renamed = router.withNewEventId(event, offset, length);
            forwarded = router.forward(destination, renamed, 0, renamed.length, ingestionTime, attempt);
        }
        if (forwarded) {
            metrics.delivered.increment();
            return true;
        }
        metrics.throttled.increment();
        metrics.failed.increment();
        attempt.fail(TargetException.THROTTLING, "event bus " + destination.arn() + " is full", true);
        return false;
    }

    /** @return the rule's creator as a principal, with its organization and tags from {@code registry}. */
    dev.eventrouter.auth.Principal principal(final dev.eventrouter.auth.Organizations registry) {
        final Object[] cached = principal;
        if (cached != null && cached[0] == registry) {
            return (dev.eventrouter.auth.Principal) cached[1];
        }
        final dev.eventrouter.auth.Principal resolved =
            registry.resolve(dev.eventrouter.auth.Principal.account(creatorAccount));
        principal = new Object[] {registry, resolved};
        return resolved;
    }

    Router router() {
        return router;
    }

    static byte[] copy(final byte[] bytes, final int offset, final int length) {
        final byte[] copy = new byte[length];
        System.arraycopy(bytes, offset, copy, 0, length);
        return copy;
    }
}
