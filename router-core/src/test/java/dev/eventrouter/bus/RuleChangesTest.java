package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.match.LayeredRules;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bus bigger than the overlay limit changes rules by layers (only the changed rules are compiled, a compaction
 * folds them in later): every kind of change routes the next event exactly as a whole compilation would, before and
 * after the compaction lands, targets included.
 */
@Timeout(60)
class RuleChangesTest {
    private final List<String> got = new CopyOnWriteArrayList<>();
    private final Queue<Runnable> compactor = new ConcurrentLinkedQueue<>();

    private Target target(final String id) {
        return Target.handler(id, delivery -> got.add(id + ":" + delivery.payloadAsString()
            .replaceAll(".*\"detail\":\\{\"k\":\"([^\"]*)\"}.*", "$1")));
    }

    /**
     * Publishes one event per value, waits until the match stage has taken every one of them (an event that matches
     * nothing must not be matched later, against the next change's rules), and checks the deliveries they made
     * (sorted; handlers run on the match thread, so all of them are in by then).
     */
    private void routes(final Router router, final List<String> expected, final String... values) {
        final int before = got.size();
        final BusMetrics metrics = router.eventBus(null).metrics();
        final long taken = metrics.matched() + metrics.unmatched();
        for (String value : values) {
            assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", "{\"k\":\"" + value + "\"}")))
                .failedEntryCount());
        }
        Await.until(() -> metrics.matched() + metrics.unmatched() - taken == values.length,
            "the match stage took " + List.of(values));
        Await.until(() -> got.size() - before >= expected.size(), "deliveries " + expected);
        final List<String> delivered = new ArrayList<>(got.subList(before, got.size()));
        delivered.sort(null);
        assertEquals(expected, delivered);
    }

    @Test
    void shouldRouteEveryKindOfChangeAsAWholeCompilationWouldBeforeAndAfterTheCompaction() {
        try (Router router = Router.start(new RouterContext().ruleCompactor(compactor::add))) {
            final List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < LayeredRules.DEFAULT_OVERLAY_LIMIT + 100; i++) {
                rules.add(Rule.of("filler-" + i, "{\"detail\":{\"k\":[\"filler-" + i + "\"]}}"));
            }
            rules.add(Rule.of("a", "{\"detail\":{\"k\":[\"a\"]}}"));
            rules.add(Rule.of("b", "{\"detail\":{\"k\":[\"b\"]}}"));
            rules.add(Rule.of("c", "{\"detail\":{\"k\":[{\"prefix\":\"c\"}]}}"));
            router.putRules(rules);
            router.putTargets(null, "a", List.of(target("ta")));
            router.putTargets(null, "b", List.of(target("tb")));
            router.putTargets(null, "c", List.of(target("tc")));
            assertEquals(List.of(), List.copyOf(compactor), "loaded whole: nothing to compact");
            routes(router, List.of("ta:a", "tb:b", "tc:c1"), "a", "b", "c1", "x");

            router.putRule(Rule.of("a", "{\"detail\":{\"k\":[\"x\"]}}"));   // replaced: its old version shadowed
            router.putRule(Rule.of("d", "{\"detail\":{\"k\":[\"a\", \"x\"]}}"));   // added
            router.putTargets(null, "d", List.of(target("td")));
            router.putTargets(null, "b", List.of(target("tb2")));   // a base rule's targets only
            router.disableRule(null, "c");
            routes(router, List.of("ta:x", "tb2:b", "tb:b", "td:a", "td:x"), "a", "b", "c1", "x");
            assertEquals(1, compactor.size(), "one compaction waiting");

            compactor.poll().run();   // lands: one layer again, the same answers
            routes(router, List.of("ta:x", "tb2:b", "tb:b", "td:a", "td:x"), "a", "b", "c1", "x");

            router.enableRule(null, "c");
            router.removeTargets(null, "a", List.of("ta"));
            router.deleteRule(null, "a");
            router.putRule(Rule.of("filler-3", "{\"detail\":{\"k\":[\"b\"]}}"));
            router.putTargets(null, "filler-3", List.of(target("tf")));
            routes(router, List.of("tb2:b", "tb:b", "tc:c2", "td:x", "tf:b"), "b", "c2", "x");

            // a change made while the compaction runs stays in effect when it lands
            final Runnable compaction = compactor.poll();
            router.putRule(Rule.of("b", "{\"detail\":{\"k\":[\"bb\"]}}"));
            compaction.run();
            routes(router, List.of("tb2:bb", "tb:bb", "tf:b"), "b", "bb");
            compactor.poll().run();   // the change made meanwhile, compacted in turn
            assertEquals(List.of(), List.copyOf(compactor));
            routes(router, List.of("tb2:bb", "tb:bb", "tc:c3", "tf:b"), "b", "bb", "c3");
            assertEquals(LayeredRules.DEFAULT_OVERLAY_LIMIT + 100 + 3, router.listRules(null).size());

            router.putRule(Rule.of("c", "{\"detail\":{\"k\":[\"c4\"]}}"));
            router.close(Duration.ofSeconds(10));
            assertEquals(25, got.size(), "no delivery beyond those checked: " + got);
            compactor.poll().run();   // lands after close: nothing happens, nothing throws
        }
    }

    @Test
    void shouldRefuseANullCompactorNamingIt() {
        assertEquals("ruleCompactor", org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
            () -> new RouterContext().ruleCompactor(null)).getMessage());
    }
}
