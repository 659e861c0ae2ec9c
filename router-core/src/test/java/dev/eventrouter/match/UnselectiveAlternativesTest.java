package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * anything-but and exists:true alternatives that no conjunction is anchored on are evaluated lazily (counted per
 * occurrence, read by candidate conjunctions): each rule's answer must be the one an eager hit per occurrence gives,
 * for single values, arrays of values, values of another type, absent fields and values inside array elements.
 */
class UnselectiveAlternativesTest {
    private static final int RULES = 50;

    private static List<String> matches(final RuleSet rules, final String event) {
        final MatchedRules result = new MatchedRules();
        new EventMatcher(rules).match(event, result);
        return result.sortedNames();
    }

    private static List<String> allBut(final int... excluded) {
        final List<String> names = new ArrayList<>();
        outer:
        for (int i = 0; i < RULES; i++) {
            for (int e : excluded) {
                if (e == i) {
                    continue outer;
                }
            }
            names.add(String.format("r%02d", i));
        }
        return names;
    }

    @Test
    void shouldMatchEveryAnythingButRuleWhoseValueTheEventDoesNotExclude() {
        final RuleSet rules = new RuleSet();
        for (int i = 0; i < RULES; i++) {
            rules.put(String.format("r%02d", i), "{\"source\":[\"s\"],\"state\":[{\"anything-but\":[\"v" + i
                + "\",\"w" + i + "\"]}],\"n\":[{\"anything-but\":" + i + "},{\"exists\":false}]}");
        }
        assertEquals(allBut(7), matches(rules, "{\"source\":\"s\",\"state\":\"v7\"}"));
        assertEquals(allBut(7), matches(rules, "{\"source\":\"s\",\"state\":\"w7\"}"));
        assertEquals(allBut(), matches(rules, "{\"source\":\"s\",\"state\":[\"v7\",\"v8\"]}"),
            "each rule has an element its exclusions do not name");
        assertEquals(allBut(3), matches(rules, "{\"source\":\"s\",\"state\":[\"v3\",\"w3\"]}"),
            "both elements excluded by r03's list");
        assertEquals(allBut(3, 4), matches(rules, "{\"source\":\"s\",\"state\":\"v3\",\"n\":4}"));
        assertEquals(allBut(), matches(rules, "{\"source\":\"s\",\"state\":5}"), "another type is never excluded");
        assertEquals(allBut(), matches(rules, "{\"source\":\"s\",\"state\":null}"));
        assertEquals(List.of(), matches(rules, "{\"source\":\"s\"}"), "anything-but needs the field");
        assertEquals(List.of(), matches(rules, "{\"source\":\"t\",\"state\":\"x\"}"));
        assertEquals(List.of(), matches(rules, "{\"source\":\"s\",\"state\":[]}"));
    }

    @Test
    void shouldKeepArrayConsistencyForValuesInsideArrayElements() {
        final RuleSet rules = new RuleSet();
        for (int i = 0; i < RULES; i++) {
            rules.put(String.format("r%02d", i), "{\"source\":[\"s\"],\"items\":{\"state\":[{\"anything-but\":\"v" + i
                + "\"}],\"kind\":[\"a\"],\"id\":[{\"exists\":true}]}}");
        }
        assertEquals(allBut(1), matches(rules, "{\"source\":\"s\",\"items\":[{\"state\":\"v1\",\"kind\":\"a\","
            + "\"id\":1},{\"state\":\"v2\",\"kind\":\"b\",\"id\":2}]}"),
            "r01's only acceptable state is in the element whose kind is b");
        assertEquals(List.of(), matches(rules, "{\"source\":\"s\",\"items\":[{\"state\":\"v1\",\"kind\":\"a\"},"
            + "{\"id\":2}]}"), "id exists only in another element");
        assertEquals(allBut(), matches(rules, "{\"source\":\"s\",\"items\":{\"state\":\"v99\",\"kind\":\"a\","
            + "\"id\":1}}"));
    }

    @Test
    void shouldMatchExistsRulesOnlyWhenTheFieldHasAValue() {
        final RuleSet rules = new RuleSet();
        for (int i = 0; i < RULES; i++) {
            rules.put(String.format("r%02d", i), "{\"source\":[\"s" + i + "\"],\"detail\":{\"x\":[{\"exists\":true}],"
                + "\"y\":[{\"anything-but\":\"no\"}]}}");
        }
        assertEquals(List.of("r05"), matches(rules, "{\"source\":\"s5\",\"detail\":{\"x\":0,\"y\":\"yes\"}}"));
        assertEquals(List.of(), matches(rules, "{\"source\":\"s5\",\"detail\":{\"x\":0,\"y\":\"no\"}}"));
        assertEquals(List.of(), matches(rules, "{\"source\":\"s5\",\"detail\":{\"y\":\"yes\"}}"));
        assertEquals(List.of(), matches(rules, "{\"source\":\"s5\",\"detail\":{\"x\":{},\"y\":\"yes\"}}"),
            "an object is not a leaf value");
        assertEquals(List.of("r05"), matches(rules, "{\"source\":\"s5\",\"detail\":{\"x\":[{},1],\"y\":[\"no\",\"a\"]}}"));
    }

    /**
     * Rules whose every condition allows absence are settled by the fields the event has (hits) and otherwise match:
     * an event lacking their fields matches them all, one having the field matches only the rules whose value it
     * has.
     */
    @Test
    void shouldSettleAbsenceOnlyRulesByTheFieldsTheEventHas() {
        final RuleSet rules = new RuleSet();
        for (int i = 0; i < RULES; i++) {
            rules.put(String.format("r%02d", i), "{\"state\":[{\"exists\":false},\"v" + i + "\"]}");
        }
        rules.put("zz-no-other", "{\"other\":[{\"exists\":false}]}");
        rules.put("zz-both", "{\"other\":[{\"exists\":false}],\"state\":[{\"exists\":false},\"v1\"]}");
        final List<String> all = new ArrayList<>(allBut());
        all.addAll(List.of("zz-both", "zz-no-other"));
        assertEquals(all, matches(rules, "{}"));
        assertEquals(all, matches(rules, "{\"state\":{}}"), "an object is not a leaf value: state is absent");
        assertEquals(List.of("r03", "zz-no-other"), matches(rules, "{\"state\":\"v3\"}"));
        assertEquals(List.of("r01", "r03", "zz-both", "zz-no-other"), matches(rules, "{\"state\":[\"v3\",\"v1\"]}"));
        assertEquals(List.of("r01"), matches(rules, "{\"state\":\"v1\",\"other\":true}"));
        assertEquals(List.of(), matches(rules, "{\"state\":\"x\",\"other\":true}"));
    }

    /** Over 64 such rules a field with few of them is cleared entry by entry, one with many a word at a time. */
    @Test
    void shouldSettleManyAbsenceOnlyRulesWhetherAFieldHasFewOrManyOfThem() {
        final RuleSet rules = new RuleSet();
        for (int i = 0; i < 300; i++) {
            rules.put(String.format("s%03d", i), "{\"state\":[{\"exists\":false},\"v" + i + "\"]}");
        }
        rules.put("rare", "{\"rare\":[{\"exists\":false}]}");
        assertEquals(301, matches(rules, "{}").size());
        assertEquals(List.of("rare", "s007"), matches(rules, "{\"state\":\"v7\"}"));
        assertEquals(300, matches(rules, "{\"rare\":1}").size());
        assertEquals(List.of("s299"), matches(rules, "{\"rare\":1,\"state\":\"v299\"}"));
    }
}
