package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many rules in one call: the same rules as putRule one by one, each bus compiled once, all or nothing. */
@Timeout(60)
class PutRulesTest {
    @Test
    void shouldCompileEachBusOnceForAWholeListAndRouteAsPutRuleWould() {
        final List<String> got = new CopyOnWriteArrayList<>();
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("orders");
            final List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                rules.add(Rule.of("r" + i, "{\"detail\":{\"n\":[" + i + "]}}").onBus(i % 2 == 0 ? null : "orders"));
            }
            rules.add(Rule.of("r7", "{\"detail\":{\"n\":[7, 1007]}}").onBus("orders"));   // a later put replaces
            final long before = router.compilations();
            final List<String> arns = router.putRules(rules);
            assertEquals(2, router.compilations() - before, "one compilation per bus");
            assertEquals(1_001, arns.size());
            assertEquals("arn:aws:events:us-east-1:123456789012:rule/r0", arns.get(0));
            assertEquals("arn:aws:events:us-east-1:123456789012:rule/orders/r999", arns.get(999));
            assertEquals(500, router.listRules("orders").size());
            router.putTargets("orders", "r7", List.of(Target.handler("t", d -> got.add(d.payloadAsString()))));
            for (int n : new int[] {7, 1007, 8}) {
                assertEquals(0, router.putEvents(List.of(PutEventsEntry.of("s", "t", "{\"n\":" + n + "}")
                    .withEventBusName("orders"))).failedEntryCount());
            }
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(2, got.size(), "r7 as the last put of the list left it: 7 and 1007");
        }
    }

    @Test
    void shouldRefuseTheWholeListNamingTheFirstRuleRefused() {
        try (Router router = Router.start(new RouterContext())) {
            final PutRulesException pattern = assertThrows(PutRulesException.class, () -> router.putRules(List.of(
                Rule.of("ok", "{\"source\":[\"a\"]}"), Rule.of("bad", "{\"source\":\"a\"}"))));
            assertEquals(1, pattern.index());
            assertTrue(pattern.getCause() instanceof InvalidPatternException);
            assertTrue(pattern.getMessage().startsWith("Rules[1]: rule \"bad\": $.source: "), pattern.getMessage());
            final PutRulesException bus = assertThrows(PutRulesException.class, () -> router.putRules(List.of(
                Rule.of("ok", "{\"source\":[\"a\"]}"), Rule.of("ok2", "{\"source\":[\"a\"]}").onBus("nope"))));
            assertEquals("Rules[1]: Event bus nope does not exist.", bus.getMessage());
            assertEquals(List.of(), router.listRules(null), "nothing of a refused list took effect");
            assertEquals("rule ok never existed on event bus null", assertThrows(IllegalArgumentException.class,
                () -> router.ruleMetrics(null, "ok")).getMessage(), "a refused list leaves no metrics behind");
            // as another account, without a policy: refused as putRule refuses it
            final PutRulesException denied = assertThrows(PutRulesException.class, () -> router.as(
                Principal.account("222222222222")).putRules(List.of(Rule.of("theirs", "{\"source\":[\"a\"]}")
                    .onBus("arn:aws:events:us-east-1:123456789012:event-bus/default"))));
            assertTrue(denied.getCause() instanceof AccessDeniedException, denied.toString());
            // putRule throws the cause itself, as before
            assertThrows(InvalidPatternException.class, () -> router.putRule(Rule.of("bad", "{\"source\":\"a\"}")));
            assertEquals(0, router.eventBus(null).metrics().published());
        }
    }

    @Test
    void shouldChangeNoBusWhenAnotherBusRefusesItsRules() {
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("orders");
            final List<Rule> rules = new ArrayList<>();
            rules.add(Rule.of("fine", "{\"source\":[\"a\"]}"));   // the default bus, staged first
            for (int i = 0; i < 2_000; i++) {   // 2,000 distinct wildcards on one field: over the budget of 1,000
                rules.add(Rule.of("w" + i, "{\"detail\":{\"k\":[{\"wildcard\":\"*a" + i + "*b\"}]}}").onBus("orders"));
            }
            final InvalidPatternException tooComplex = assertThrows(InvalidPatternException.class,
                () -> router.putRules(rules));
            assertEquals(InvalidPatternException.Code.TOO_COMPLEX, tooComplex.code());
            assertEquals(List.of(), router.listRules(null), "the default bus's rule did not take effect either");
            assertEquals(List.of(), router.listRules("orders"));
            router.putRules(rules.subList(0, 2));   // the budget left as it was: a smaller list goes in
            assertEquals(1, router.listRules(null).size());
            assertEquals(1, router.listRules("orders").size());
        }
    }
}
