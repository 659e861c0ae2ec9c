package dev.eventrouter.bus;

import com.lmax.disruptor.EventHandler;
import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.AutomatonSource;
import dev.eventrouter.match.CompiledRule;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.MatchHandler;

/**
 * The ring's match-and-dispatch stage: matches each slot against its bus's current rules and makes the first
 * attempt of every target of every matched rule. Runs on one thread; allocation-free in steady state for
 * unshaped synchronous targets and queued asynchronous ones. Each event reads its bus's rules once, so a rule
 * change applies from one event to the next, never inside one.
 */
final class MatchStage implements EventHandler<EventSlot>, MatchHandler, AutomatonSource {
    private final Router router;
    private final EventMatcher matcher;
    private final Attempt attempt = new Attempt();
    private MatchAutomaton automaton = MatchAutomaton.EMPTY;
    private BusRules rules = BusRules.EMPTY;
    private EventSlot slot;
    private ReplayFilter filter;
    private int delivered;
    /** The router's end tracking, or null. */
    private final EndLedger ledger;

    MatchStage(final Router router, final EventLimits limits) {
        this.router = router;
        matcher = new EventMatcher(this, limits);
        ledger = router.endLedger();
    }

    @Override
    public void onStart() {
        router.markInternalThread();
    }

    @Override
    public MatchAutomaton current() {
        return automaton;
    }

    @Override
    public void onEvent(final EventSlot event, final long sequence, final boolean endOfBatch) {
        final EventBus bus = router.busAt(event.busIndex);
        if (bus == null) {
            if (event.busIndex != EventSlot.VOID) {
                router.discardedCounter().increment();
            }
            if (ledger != null) {
                ledger.matched(sequence, endOfBatch);
            }
            return;
        }
        final BusMetrics metrics = bus.metrics;
        metrics.published.incrementOrdered();
        if ((event.flags & HandoffDescriptor.FROM_OTHER_BUS) != 0) {
            metrics.fromOtherBus.incrementOrdered();
        }
        filter = event.flags >>> HandoffDescriptor.REPLAY_FILTER_SHIFT == 0 ? null
            : router.replayFilterAt(event.flags >>> HandoffDescriptor.REPLAY_FILTER_SHIFT);
        rules = bus.compiled;
        automaton = rules.automaton;
        slot = event;
        final EndLedger.Ticket ticket = ledger == null ? null : ledger.open(sequence);
        attempt.ticket = ticket;
        try {
            delivered = 0;
            if ((event.flags & HandoffDescriptor.VALIDATED) != 0) {
                matcher.matchValidated(event.bytes, 0, event.length, this, event.spans, event.spanCount);
            } else {
                matcher.match(event.bytes, 0, event.length, this);
            }
            if (delivered > 0) {
                metrics.matched.incrementOrdered();
            } else {
                metrics.unmatched.incrementOrdered();
            }
        } catch (MalformedEventException e) {
            metrics.malformed.incrementOrdered();
            router.recordMalformed(bus, event, e);
        } catch (Throwable e) {
            // a defect in matching: the ring must still advance (a poller would hand this slot back forever)
            metrics.matchErrors.increment();
            router.stageError(e);
        } finally {
            slot = null;
            if (ticket != null) {
                attempt.ticket = null;
                ledger.dispatched(ticket, endOfBatch);   // what is left is held by the deliveries still out
            }
        }
    }

    @Override
    public void onMatch(final CompiledRule rule) {
        final RuleBinding binding = rules.byIndex[rule.index()];
        if (filter != null && !filter.allows(binding.rule.name())) {
            return;
        }
        binding.metrics.matched.incrementOrdered();
        delivered++;
        final TargetBinding[] targets = binding.targets;
        for (int i = 0; i < targets.length; i++) {
            try {
                targets[i].deliverFirst(slot, attempt);
            } catch (Throwable e) {
                // deliverFirst catches everything but a failure to hand the retry over (out of memory)
                targets[i].metrics.dropped.increment();
                router.stageError(e);
            }
        }
    }
}
