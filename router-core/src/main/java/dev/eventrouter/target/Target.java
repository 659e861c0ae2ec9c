package dev.eventrouter.target;

import java.util.regex.Pattern;

/**
 * A rule's target: where matched events go, in what shape, with which retry policy and dead-letter target.
 * Immutable; build one with {@link #handler}, {@link #asyncHandler}, {@link #completing} or {@link #bus} and the
 * {@code with...} methods.
 *
 * @param id            1-64 characters of letters, digits, '.', '-' and '_', unique within the rule.
 * @param kind          how the event is delivered.
 * @param handler       the handler of {@link Kind#HANDLER} and {@link Kind#ASYNC_HANDLER} targets.
 * @param bus           the bus name or ARN of a {@link Kind#BUS} target.
 * @param input         what the target receives.
 * @param retryPolicy   how long and how often retryable failures are retried.
 * @param deadLetter    where undeliverable events go; {@code null} drops them (counted).
 * @param queueCapacity the bounded queue of an {@link Kind#ASYNC_HANDLER} target, the deliveries a
 *                      {@link Kind#COMPLETING} target may have in flight (a power of two).
 * @param completing    the handler of a {@link Kind#COMPLETING} target.
 * @param arn           the target's ARN as PutTargets named it (an API destination's, a bound handler's), the
 *                      {@code TARGET_ARN} of its dead letters; {@code null} for an in-process target, whose dead
 *                      letters carry its id instead. A bus target's is its bus's ARN.
 */
public record Target(String id, Kind kind, EventHandler handler, String bus, TargetInput input,
                     RetryPolicy retryPolicy, DeadLetterHandler deadLetter, int queueCapacity,
                     CompletingHandler completing, String arn) {
    /** The queue of an asynchronous target unless given. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    private static final Pattern ID = Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");

    /** How a target is delivered to. */
    public enum Kind {
        /** Called on the match thread; its return or throw decides success. */
        HANDLER,
        /** Queued (bounded) and called on the target's own worker thread. */
        ASYNC_HANDLER,
        /** Put on another bus, one hop only. */
        BUS,
        /** Started on the delivering thread without blocking, completed later from any thread. */
        COMPLETING
    }

    /** Validates every field, naming the one that is wrong. */
    public Target {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("Id=" + id
                + ": must be 1-64 characters of letters, digits, '.', '-' and '_'");
        }
        if (kind == null) {
            throw new IllegalArgumentException("target " + id + ": kind is required");
        }
        if (kind == Kind.COMPLETING ? completing == null : kind != Kind.BUS && handler == null) {
            throw new IllegalArgumentException("target " + id + ": a " + kind + " target needs a handler");
        }
        if (kind == Kind.BUS && (bus == null || bus.isEmpty())) {
            throw new IllegalArgumentException("target " + id + ": a BUS target needs a bus name or ARN");
        }
        if (kind == Kind.BUS && input != null && !input.isWholeEvent()) {
            throw new IllegalArgumentException("target " + id
                + ": Input, InputPath and InputTransformer cannot be used on a bus target");
        }
        if (queueCapacity < 1 || Integer.bitCount(queueCapacity) != 1) {
            throw new IllegalArgumentException("target " + id + ": queueCapacity=" + queueCapacity
                + ": must be a power of two");
        }
        input = input == null ? TargetInput.wholeEvent() : input;
        retryPolicy = retryPolicy == null ? RetryPolicy.DEFAULT : retryPolicy;
    }

    /** @return a synchronous in-process target. */
    public static Target handler(final String id, final EventHandler handler) {
        return new Target(id, Kind.HANDLER, handler, null, null, null, null, DEFAULT_QUEUE_CAPACITY, null, null);
    }

    /** @return an asynchronous target with the default queue capacity. */
    public static Target asyncHandler(final String id, final EventHandler handler) {
        return new Target(id, Kind.ASYNC_HANDLER, handler, null, null, null, null, DEFAULT_QUEUE_CAPACITY, null,
            null);
    }

    /** @return a target that puts matched events on another bus (name or ARN). */
    public static Target bus(final String id, final String bus) {
        return new Target(id, Kind.BUS, null, bus, null, null, null, DEFAULT_QUEUE_CAPACITY, null, null);
    }

    /**
     * @return a target whose deliveries complete later (see {@link CompletingHandler}), with at most
     *         {@link #DEFAULT_QUEUE_CAPACITY} in flight.
     */
    public static Target completing(final String id, final CompletingHandler handler) {
        return new Target(id, Kind.COMPLETING, null, null, null, null, null, DEFAULT_QUEUE_CAPACITY, handler, null);
    }

    /** @return a copy with this input shaping. */
    public Target withInput(final TargetInput shaping) {
        return new Target(id, kind, handler, bus, shaping, retryPolicy, deadLetter, queueCapacity, completing, arn);
    }

    /** @return a copy with this retry policy. */
    public Target withRetryPolicy(final RetryPolicy policy) {
        return new Target(id, kind, handler, bus, input, policy, deadLetter, queueCapacity, completing, arn);
    }

    /** @return a copy with this dead-letter target. */
    public Target withDeadLetter(final DeadLetterHandler handlerOfDeadLetters) {
        return new Target(id, kind, handler, bus, input, retryPolicy, handlerOfDeadLetters, queueCapacity, completing,
            arn);
    }

    /** @return a copy with this ARN (the {@code TARGET_ARN} of its dead letters). */
    public Target withArn(final String targetArn) {
        return new Target(id, kind, handler, bus, input, retryPolicy, deadLetter, queueCapacity, completing, targetArn);
    }

    /** @return a copy with this queue capacity (asynchronous targets) or in-flight bound (completing targets). */
    public Target withQueueCapacity(final int capacity) {
        return new Target(id, kind, handler, bus, input, retryPolicy, deadLetter, capacity, completing, arn);
    }
}
