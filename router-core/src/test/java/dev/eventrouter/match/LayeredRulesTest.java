package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import dev.eventrouter.testkit.Gen;
import dev.eventrouter.testkit.Seeds;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * A layered rule set answers every event as one compiled from its rules at once would, whatever the changes, the
 * moments compactions start and land, the changes made while one runs, and the writer-paid recompilations when the
 * overlay is full; and it refuses exactly the changes a whole compilation refuses.
 */
class LayeredRulesTest {
    private static final Object LOCK = new Object();

    static LongStream seeds() {
        return Seeds.fixedAndRandom(71, 72);
    }

    /** The rules as a plain map, and their answer from one whole compilation. */
    private static final class Model {
        final Map<String, EventPattern> rules = new LinkedHashMap<>();
        final RuleCompiler compiler;

        Model(final RuleCompiler compiler) {
            this.compiler = compiler;
        }

        MatchAutomaton compiled(final Map<String, EventPattern> rules) {
            final List<RuleCompiler.Rule> list = new ArrayList<>();
            rules.forEach((name, pattern) -> list.add(new RuleCompiler.Rule(name, pattern)));
            return compiler.compile(list);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldMatchAsTheWholeSetCompiledAtOnce(final long seed) {
        Seeds.tries(seed, 60, (gen, i) -> {
            final PatternGenerators generate = new PatternGenerators(gen);
            final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
            final RuleCompiler compiler = new RuleCompiler(PatternLimits.DEFAULT);
            final LayeredRules layers = new LayeredRules(compiler, gen.between(1, 6));
            final Model model = new Model(compiler);
            final ArrayDeque<Runnable> compactor = new ArrayDeque<>();
            final MatchAutomaton[] published = {MatchAutomaton.EMPTY};
            final List<String> log = new ArrayList<>();
            for (int step = 0; step < 40; step++) {
                final int kind = gen.between(0, 9);
                if (kind <= 5) {
                    final Map<String, EventPattern> changes = new LinkedHashMap<>();
                    for (int c = gen.between(1, kind == 5 ? 8 : 1); c > 0; c--) {
                        final String name = "r" + gen.between(0, 11);
                        if (gen.oneIn(4)) {
                            changes.put(name, null);
                        } else {
                            final EventPattern pattern = parsed(parser, generate.pattern());
                            if (pattern != null) {
                                changes.put(name, pattern);
                            }
                        }
                    }
                    log.add("apply " + changes.keySet());
                    published[0] = layers.apply(changes);
                    changes.forEach((name, pattern) -> {
                        model.rules.remove(name);
                        if (pattern != null) {
                            model.rules.put(name, pattern);
                        }
                    });
                } else if (kind == 6) {
                    final Map<String, EventPattern> all = new LinkedHashMap<>();
                    for (int c = gen.between(0, 6); c > 0; c--) {
                        final EventPattern pattern = parsed(parser, generate.pattern());
                        if (pattern != null) {
                            all.put("r" + gen.between(0, 11), pattern);
                        }
                    }
                    log.add("replaceAll " + all.keySet());
                    published[0] = layers.replaceAll(all);
                    model.rules.clear();
                    model.rules.putAll(all);
                } else if (kind == 7) {
                    log.add("compact");
                    published[0] = layers.compact();
                    assertSame(published[0], layers.current());
                    assertNull(published[0].overlay, "compact() leaves one layer");
                } else if (!compactor.isEmpty()) {
                    log.add("compaction lands");
                    compactor.poll().run();
                }
                synchronized (LOCK) {
                    layers.compactLater(compactor::add, LOCK, automaton -> published[0] = automaton);
                }
                assertSame(layers.current(), published[0], "what the owner publishes is the current automaton");
                check(gen, generate, layers, model, log);
            }
        });
    }

    private static void check(final Gen gen, final PatternGenerators generate, final LayeredRules layers,
                              final Model model, final List<String> log) {
        assertEquals(model.rules.size(), layers.size(), () -> "size after " + log);
        final MatchAutomaton layered = layers.current();
        assertEquals(model.rules.size(), layered.liveRuleCount(), () -> "live rules after " + log);
        model.rules.forEach((name, pattern) -> {
            assertEquals(pattern, layers.pattern(name), () -> name + " after " + log);
            final int index = layers.indexOf(name);
            assertEquals(name, layered.rule(index).name(), () -> "index of " + name + " after " + log);
            assertTrue(layered.isLive(index));
            assertSame(layered.rule(index), layered.rule(name));
        });
        assertEquals(-1, layers.indexOf("missing"));
        final MatchAutomaton whole = model.compiled(model.rules);
        for (int e = 0; e < 3; e++) {
            final String event = generate.event();
            final Set<String> expected = EventMatcherSupport.names(whole, event);
            final List<String> got = new ArrayList<>();
            final int count = new EventMatcher(layered).match(event, rule -> got.add(rule.name()));
            assertEquals(expected, new java.util.TreeSet<>(got),
                () -> "event " + event + " after " + log + " rules " + model.rules);
            assertEquals(expected.size(), got.size(), () -> "each rule once: " + got + " after " + log);
            assertEquals(got.size(), count);
        }
    }

    private static EventPattern parsed(final PatternParser parser, final String json) {
        try {
            return parser.parse(json);
        } catch (InvalidPatternException invalid) {
            return null;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldRefuseExactlyWhatAWholeCompilationRefusesOverTheWildcardBudget(final long seed) {
        final PatternLimits limits = new PatternLimits(PatternLimits.DEFAULT.maxPatternLength(),
            PatternLimits.DEFAULT.maxOrCombinations(), 6);
        final List<String> operands = List.of("\"a*\"", "\"*b*\"", "\"x*y*z\"", "\"*\"");
        Seeds.tries(seed, 200, (gen, i) -> {
            final RuleCompiler compiler = new RuleCompiler(limits);
            final PatternParser parser = new PatternParser(limits);
            final LayeredRules layers = new LayeredRules(compiler, gen.between(1, 4));
            final Model model = new Model(compiler);
            for (int step = 0; step < 12; step++) {
                final Map<String, EventPattern> changes = new LinkedHashMap<>();
                for (int c = gen.between(1, 3); c > 0; c--) {
                    final String field = gen.pick("a", "b");
                    final String operand = gen.pick(operands);
                    changes.put("r" + gen.between(0, 5), gen.oneIn(4) ? null : parser.parse(gen.oneIn(3)
                        ? "{\"" + field + "\":[{\"wildcard\":" + operand + "}],\"c\":[\"x\"]}"
                        : "{\"" + field + "\":[{\"anything-but\":{\"wildcard\":[" + operand + "]}}]}"));
                }
                final Map<String, EventPattern> next = new LinkedHashMap<>(model.rules);
                changes.forEach((name, pattern) -> {
                    next.remove(name);
                    if (pattern != null) {
                        next.put(name, pattern);
                    }
                });
                String expected = null;
                try {
                    model.compiled(next);
                } catch (InvalidPatternException e) {
                    expected = e.getMessage();
                }
                if (expected == null) {
                    layers.apply(changes);
                    model.rules.clear();
                    model.rules.putAll(next);
                } else {
                    final String refusal = assertThrows(InvalidPatternException.class, () -> layers.apply(changes))
                        .getMessage();
                    assertEquals(expected, refusal);
                }
                assertEquals(model.rules.size(), layers.size(), "a refused change changes nothing");
                model.rules.forEach((name, pattern) -> assertEquals(pattern, layers.pattern(name)));
                if (gen.oneIn(3)) {
                    layers.compact();
                }
            }
        });
    }

    @Test
    void shouldKeepTheLayersWhenACompactionFailsAndCompactAgainOnTheNextChange() {
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final LayeredRules layers = new LayeredRules(new RuleCompiler(PatternLimits.DEFAULT), 2);
        final ArrayDeque<Runnable> compactor = new ArrayDeque<>();
        final MatchAutomaton[] published = {MatchAutomaton.EMPTY};
        final Map<String, EventPattern> rules = new LinkedHashMap<>();
        rules.put("a", parser.parse("{\"source\":[\"a\"]}"));
        rules.put("b", parser.parse("{\"source\":[\"b\"]}"));
        rules.put("c", parser.parse("{\"source\":[\"f\"]}"));
        published[0] = layers.apply(rules);
        assertNull(published[0].overlay, "more changes than the overlay holds: compiled whole");
        synchronized (LOCK) {
            layers.compactLater(compactor::add, LOCK, automaton -> published[0] = automaton);
        }
        assertTrue(compactor.isEmpty(), "one layer: nothing to compact");

        published[0] = layers.apply(Map.of("b", parser.parse("{\"source\":[\"c\"]}")));
        assertTrue(published[0].overlay != null, "a change makes an overlay");
        layers.compactionProbe = () -> {
            throw new OutOfMemoryError("injected");
        };
        synchronized (LOCK) {
            layers.compactLater(compactor::add, LOCK, automaton -> published[0] = automaton);
        }
        compactor.poll().run();
        assertEquals(1, layers.failedCompactions());
        assertEquals("injected", layers.lastCompactionFailure().getMessage());
        assertTrue(compactor.isEmpty(), "a failed compaction does not retry by itself");
        assertSame(layers.current(), published[0]);
        assertEquals(Set.of("b"), EventMatcherSupport.names(published[0], "{\"source\":\"c\"}"),
            "still layered, still right");
        assertEquals(Set.of(), EventMatcherSupport.names(published[0], "{\"source\":\"b\"}"));

        layers.compactionProbe = null;
        published[0] = layers.apply(Map.of("a", parser.parse("{\"source\":[\"d\"]}")));
        synchronized (LOCK) {
            layers.compactLater(compactor::add, LOCK, automaton -> published[0] = automaton);
        }
        compactor.poll().run();
        assertEquals(1, layers.compactions());
        assertNull(published[0].overlay, "compacted into one layer");
        assertEquals(Set.of("a"), EventMatcherSupport.names(published[0], "{\"source\":\"d\"}"));
        assertEquals(Set.of("b"), EventMatcherSupport.names(published[0], "{\"source\":\"c\"}"));

        // an executor that refuses the task: counted as a failed compaction, the layers stay
        published[0] = layers.apply(Map.of("c", parser.parse("{\"source\":[\"e\"]}")));
        synchronized (LOCK) {
            layers.compactLater(task -> {
                throw new RejectedExecutionException("shut down");
            }, LOCK, automaton -> published[0] = automaton);
        }
        assertEquals(2, layers.failedCompactions());
        assertTrue(layers.current().overlay != null, "still layered");
        assertEquals(Set.of("c"), EventMatcherSupport.names(layers.current(), "{\"source\":\"e\"}"));
        assertEquals(Set.of(), EventMatcherSupport.names(layers.current(), "{\"source\":\"f\"}"));
    }

    @Test
    void shouldApplyCheckedChangesOnlyToTheVersionTheyWereCheckedAgainst() {
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final LayeredRules layers = new LayeredRules(new RuleCompiler(PatternLimits.DEFAULT), 3);
        final LayeredRules.Checked first = layers.check(Map.of("a", parser.parse("{\"source\":[\"a\"]}")));
        final LayeredRules.Checked second = layers.check(Map.of("b", parser.parse("{\"source\":[\"b\"]}")));
        assertEquals(Set.of("a"), EventMatcherSupport.names(layers.apply(first), "{\"source\":\"a\"}"));
        assertEquals("changes checked against another version of the rule set", assertThrows(
            IllegalStateException.class, () -> layers.apply(second)).getMessage(), "checked before a changed the set");
        final LayeredRules other = new LayeredRules(new RuleCompiler(PatternLimits.DEFAULT), 3);
        assertThrows(IllegalStateException.class, () -> other.apply(layers.check(Map.of("c", parser.parse(
            "{\"source\":[\"c\"]}")))), "another set's check");
        assertEquals(1, layers.current().liveRuleCount(), "nothing changed by the refused applies");
    }

    @Test
    void shouldCompileASetNoBiggerThanTheOverlayLimitWhole() {
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final LayeredRules layers = new LayeredRules(new RuleCompiler(PatternLimits.DEFAULT), 3);
        for (String name : List.of("a", "b", "c")) {
            assertNull(layers.apply(Map.of(name, parser.parse("{\"source\":[\"" + name + "\"]}"))).overlay, name);
        }
        final MatchAutomaton layered = layers.apply(Map.of("d", parser.parse("{\"source\":[\"d\"]}")));
        assertEquals(1, layers.overlaySize(), "four rules: d is the overlay");
        assertEquals(4, layered.ruleCount());
        assertEquals(Set.of("d"), EventMatcherSupport.names(layered, "{\"source\":\"d\"}"));
        final MatchAutomaton replaced = layers.apply(Map.of("a", parser.parse("{\"source\":[\"z\"]}")));
        assertEquals(5, replaced.ruleCount(), "the replaced rule keeps its index until a compaction");
        assertEquals(4, replaced.liveRuleCount());
        assertTrue(!replaced.isLive(0), "a's old version is shadowed");
        assertEquals(4, replaced.rule("a").index());
    }

    @Test
    void shouldMatchLargeEventsInTheOverlayPassAsAWholeCompilationDoes() {
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final RuleCompiler compiler = new RuleCompiler(PatternLimits.DEFAULT);
        final Map<String, EventPattern> base = new LinkedHashMap<>();
        base.put("street", parser.parse("{\"properties\":{\"STREET\":[{\"prefix\":\"J\"}]}}"));
        base.put("lot", parser.parse("{\"properties\":{\"LOT_NUM\":[{\"exists\":true}]}}"));
        final Map<String, EventPattern> overlay = new LinkedHashMap<>();
        overlay.put("west", parser.parse("{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\"<\","
            + "-122.415]}]}}}"));
        overlay.put("lot", parser.parse("{\"properties\":{\"ODD_EVEN\":[\"E\"]}}"));
        final LayeredRules layers = new LayeredRules(compiler, 2);
        layers.replaceAll(base);
        final MatchAutomaton layered = layers.apply(overlay);
        assertTrue(layered.overlay != null, "the overlay holds west and the new lot");
        final Model model = new Model(compiler);
        model.rules.putAll(base);
        model.rules.putAll(overlay);
        final EventMatcher whole = new EventMatcher(model.compiled(model.rules));
        final EventMatcher matcher = new EventMatcher(layered);
        final dev.eventrouter.event.CityLots lots = new dev.eventrouter.event.CityLots(5);
        int matched = 0;
        for (int i = 0; i < 2_000; i++) {
            final byte[] event = lots.nextBytes();
            final Set<String> expected = new java.util.TreeSet<>();
            final Set<String> got = new java.util.TreeSet<>();
            whole.match(event, 0, event.length, rule -> expected.add(rule.name()));
            matcher.match(event, 0, event.length, rule -> got.add(rule.name()));
            assertEquals(expected, got);
            matched += got.size();
        }
        assertTrue(matched > 1_000, "the rules match: " + matched);
    }

    @Test
    void shouldRefuseAnOverlayLimitBelowOne() {
        assertEquals("overlayLimit must be at least 1, was 0", assertThrows(IllegalArgumentException.class,
            () -> new LayeredRules(new RuleCompiler(PatternLimits.DEFAULT), 0)).getMessage());
    }
}
