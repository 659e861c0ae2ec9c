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
}
