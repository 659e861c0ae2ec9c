package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RuleSetTest {
    private static final String EVENT = "{\"source\":\"shop\",\"detail\":{\"amount\":250,\"country\":\"EU-FR\"}}";

    @Test
    void shouldAddReplaceAndRemoveRules() {
        final RuleSet rules = new RuleSet();
        rules.put("big", "{\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}");
        rules.put("shop", "{\"source\":[\"shop\"]}");
        assertEquals(Set.of("big", "shop"), EventMatcherSupport.names(rules, EVENT));
        rules.put("big", "{\"detail\":{\"amount\":[{\"numeric\":[\">\",1000]}]}}");
        assertEquals(Set.of("shop"), EventMatcherSupport.names(rules, EVENT));
        assertTrue(rules.remove("shop"));
        assertFalse(rules.remove("shop"));
        assertEquals(Set.of(), EventMatcherSupport.names(rules, EVENT));
        assertEquals(1, rules.size());
    }

    @Test
    void shouldLeaveTheRuleSetUnchangedWhenAPatternIsInvalid() {
        final RuleSet rules = new RuleSet();
        rules.put("shop", "{\"source\":[\"shop\"]}");
        final MatchAutomaton before = rules.current();
        final Map<String, String> batch = new LinkedHashMap<>();
        batch.put("ok", "{\"source\":[\"x\"]}");
        batch.put("bad", "{\"source\":[{\"prefix\":1}]}");
        final InvalidPatternException e = assertThrows(InvalidPatternException.class, () -> rules.putAll(batch));
        assertEquals("rule \"bad\": $.source[0].prefix: prefix must be a string (line 1, col 22)", e.getMessage());
        assertEquals("bad", e.rule());
        assertEquals("prefix must be a string", e.reason());
        assertSame(before, rules.current());
        assertEquals(1, rules.size());
    }

    @Test
    void shouldNameTheRuleOfAnInvalidPattern() {
        final RuleSet rules = new RuleSet();
        final InvalidPatternException e = assertThrows(InvalidPatternException.class,
            () -> rules.put("orders", "{\"detail\":{\"amount\":[{\"numeric\":[\">\",\"x\"]}]}}"));
        assertEquals("rule \"orders\": $.detail.amount[0].numeric: numeric \">\" needs a number (line 1, col 38)",
            e.getMessage());
        assertEquals(InvalidPatternException.Code.INVALID, e.code());
        assertEquals(0, rules.size());
    }

    @Test
    void shouldRejectARuleSetOverTheWildcardBudget() {
        final RuleSet rules = new RuleSet(PatternLimits.DEFAULT.withMaxWildcardComplexity(4));
        rules.put("one", "{\"k\":[{\"wildcard\":\"a*b*c\"}]}");
        final InvalidPatternException e = assertThrows(InvalidPatternException.class,
            () -> rules.put("two", "{\"k\":[{\"wildcard\":\"*x*y*\"}]}"));
        assertEquals(InvalidPatternException.Code.TOO_COMPLEX, e.code());
        assertEquals("$.k: wildcard complexity 5 exceeds limit 4 (all wildcard operands on this field in the rule set)",
            e.getMessage());
        assertEquals(1, rules.size());
    }

    @Test
    void shouldRejectEmptyRuleNames() {
        assertEquals("rule name must not be empty", assertThrows(IllegalArgumentException.class,
            () -> new RuleSet().put("", "{\"a\":[1]}")).getMessage());
    }

    @Test
    void shouldMatchBuffersInPlaceAndOffHeap() {
        final RuleSet rules = new RuleSet();
        rules.put("shop", "{\"source\":[\"shop\"]}");
        final EventMatcher matcher = new EventMatcher(rules);
        final byte[] bytes = ("xx" + EVENT + "yy").getBytes(StandardCharsets.UTF_8);
        final int length = bytes.length - 4;
        assertEquals(1, matcher.match(new UnsafeBuffer(bytes), 2, length, rule -> { }));
        assertEquals(1, matcher.match(new UnsafeBuffer(bytes, 1, bytes.length - 1), 1, length, rule -> { }));
        final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).flip();
        assertEquals(1, matcher.match(new UnsafeBuffer(direct), 2, length, rule -> { }));
        assertEquals(1, matcher.match(bytes, 2, length, rule -> { }));
    }

    /**
     * While one thread swaps between two rule sets with {@link RuleSet#replaceAll(Map)}, a matching thread must
     * see exactly one of them per event: never both rules, never neither.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldNeverExposeAHalfChangedRuleSetToMatchers() throws InterruptedException {
        final RuleSet rules = new RuleSet();
        rules.put("old", "{\"source\":[\"shop\"]}");
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicLong matched = new AtomicLong();
        final CountDownLatch started = new CountDownLatch(1);
        final Thread matcherThread = new Thread(() -> {
            final EventMatcher matcher = new EventMatcher(rules);
            final MatchedRules result = new MatchedRules();
            final byte[] event = EVENT.getBytes(StandardCharsets.UTF_8);
            started.countDown();
            while (!stop.get()) {
                result.clear();
                if (matcher.match(event, 0, event.length, result) != 1) {
                    failure.compareAndSet(null, "saw " + result.sortedNames());
                }
                matched.incrementAndGet();
            }
        }, "matcher");
        matcherThread.start();
        started.await();
        for (int swap = 0; swap < 2_000; swap++) {
            final Map<String, String> next = new LinkedHashMap<>();
            next.put(swap % 2 == 0 ? "new" : "old", "{\"source\":[\"shop\"]}");
            rules.replaceAll(next);
        }
        stop.set(true);
        matcherThread.join();
        assertEquals(null, failure.get());
        assertTrue(matched.get() > 0);
    }

    @Test
    void shouldCountACompactionItsExecutorRefusesAndCompactOnDemand() {
        final RuleSet rules = new RuleSet(PatternLimits.DEFAULT, task -> {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        });
        final Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i <= LayeredRules.DEFAULT_OVERLAY_LIMIT; i++) {
            many.put("r" + i, "{\"n\":[" + i + "]}");
        }
        rules.putAll(many);   // more than the overlay limit: compiled whole, nothing to compact
        assertEquals(0, rules.failedCompactions());
        rules.put("r1", "{\"n\":[-1]}");
        assertTrue(rules.current().overlay != null, "layered until a compaction lands");
        assertEquals(1, rules.failedCompactions(), "the refused compaction");
        assertEquals(Set.of("r1"), EventMatcherSupport.names(rules, "{\"n\":-1}"));
        assertEquals(Set.of(), EventMatcherSupport.names(rules, "{\"n\":1}"));
        rules.compact();
        assertTrue(rules.current().overlay == null, "one layer after compact()");
        assertEquals(Set.of("r1"), EventMatcherSupport.names(rules, "{\"n\":-1}"));
        assertEquals(Set.of("r7"), EventMatcherSupport.names(rules, "{\"n\":7}"));
        assertEquals(LayeredRules.DEFAULT_OVERLAY_LIMIT + 1, rules.size());
    }
}
