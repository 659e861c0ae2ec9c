package dev.eventrouter.bus;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;

/**
 * Fires scheduled rules on the injected clock: at each firing it makes EventBridge's scheduled event (user guide,
 * "Creating a rule that runs on a schedule": source {@code aws.events}, detail-type {@code Scheduled Event},
 * resources the rule's ARN, detail {@code {}}, time the firing's) and delivers it to that rule's targets only, as a
 * first attempt on this thread; a failed attempt goes to the retry agent like any other. It shares the retry agent's
 * thread (one duty cycle for both) and allocates only when a rule fires.
 *
 * <p>Rules come in as immutable snapshots ({@link #update}) from the router's admin lock; the agent alone keeps each
 * rule's next firing. A rate counts from when its rule was put with that schedule; putting the same schedule again
 * keeps the count. Firings the clock passed by (a manual clock stepped over several, a machine that slept) are each
 * made, oldest first, at most {@value #MAX_FIRINGS_PER_CYCLE} per duty cycle. Thread: the retry agent's; an exception
 * while firing one rule is reported by the agent's error handler and the others go on in the next cycle.
 */
final class ScheduleAgent implements Agent {
    /** Bounds one duty cycle's work when the clock jumped over many firings. */
    static final int MAX_FIRINGS_PER_CYCLE = 100;

    /**
     * A scheduled rule as the router declares it.
     *
     * @param putAtMillis    when the rule was put with this schedule: where a rate's periods start.
     * @param activeFromMillis when it last became active (put or enabled): the first firing comes after it.
     */
    record Scheduled(String ruleName, String ruleArn, ScheduleExpression schedule, long putAtMillis,
                     long activeFromMillis) {
    }

    private static final class State {
        final Scheduled rule;
        long next;

        State(final Scheduled rule, final long next) {
            this.rule = rule;
            this.next = next;
        }
    }

    private final Router router;
    private final EpochClock clock;
    private final Attempt attempt = new Attempt();
    /** Writes the scheduled events' envelopes as PutEvents writes any (this thread's own, with its own ids). */
    private final EnvelopeEncoder encoder;
    private volatile List<Scheduled> rules = List.of();
    private List<Scheduled> seen = List.of();
    private final Map<String, State> states = new HashMap<>();
    private volatile long fired;

    ScheduleAgent(final Router router, final EpochClock clock, final long seed) {
        this.router = router;
        this.clock = clock;
        encoder = new EnvelopeEncoder(IngestLimits.DEFAULT, clock, EventIdSource.random(seed));
    }

    /** Replaces the scheduled rules (the enabled rules of the default bus that have a schedule). Any thread. */
    void update(final List<Scheduled> scheduled) {
        rules = List.copyOf(scheduled);
    }

    /** @return scheduled events made so far. */
    long fired() {
        return fired;
    }

    @Override
    public int doWork() {
        final List<Scheduled> current = rules;
        if (current != seen) {
            reconcile(current);
        }
        if (states.isEmpty()) {
            return 0;
        }
        final long now = clock.time();
        int work = 0;
        for (State state : states.values()) {
            while (state.next >= 0 && state.next <= now && work < MAX_FIRINGS_PER_CYCLE) {
                if (!rules.contains(state.rule)) {
                    break;   // disabled, deleted or put again since this cycle began: the next cycle reconciles
                }
                final long at = state.next;
                state.next = state.rule.schedule().next(at, state.rule.putAtMillis());
                fire(state.rule, at);
                work++;
            }
        }
        return work;
    }

    private void reconcile(final List<Scheduled> current) {
        final Map<String, State> kept = new HashMap<>();
        for (Scheduled rule : current) {
            final State old = states.get(rule.ruleArn());
            kept.put(rule.ruleArn(), old != null && old.rule.equals(rule) ? old
                : new State(rule, rule.schedule().next(rule.activeFromMillis(), rule.putAtMillis())));
        }
        states.clear();
        states.putAll(kept);
        seen = current;
    }

    private void fire(final Scheduled scheduled, final long atMillis) {
        final EventBus bus = router.eventBus(null);
        final RuleBinding binding = bus.compiled.byName.get(scheduled.ruleName());
        if (binding == null || !binding.rule.state().matches()) {
            return;   // deleted or disabled since the snapshot: no firing
        }
        final int length = encoder.encode(new PutEventsEntry("aws.events", "Scheduled Event", "{}",
            Instant.ofEpochMilli(atMillis), List.of(binding.arn), null), bus.account(), bus.region());
        final byte[] event = java.util.Arrays.copyOf(encoder.bytes(), length);   // outlives this cycle in retries
        fired++;
        binding.metrics.matched.incrementOrdered();
        for (TargetBinding target : binding.targets) {
            final long attemptedAt = clock.time();
            if (!target.attempt(event, 0, event.length, atMillis, 0, 0, attempt)) {
                final PendingDelivery failed = new PendingDelivery(target, event, atMillis, 0, attempt);
                failed.failedAtMillis = attemptedAt;   // the backoff counts from the attempt, not from a later clock
                router.retries().submit(failed);
            }
        }
    }

    @Override
    public String roleName() {
        return "eventrouter-schedule";
    }
}
