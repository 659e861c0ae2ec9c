package dev.eventrouter.match;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import software.amazon.event.ruler.Machine;

/**
 * event-ruler 2.1.0 as the reference oracle, routed around its known defects (docs/patterns.md):
 * <ul>
 *   <li>each rule is matched alone in its own {@link Machine}: in a shared machine a rule's answer can depend on
 *       the other rules;</li>
 *   <li>a field whose value list mixes wildcard operators with other operators is split into two patterns, one
 *       with the wildcard alternatives and one with the rest, and the answers ORed: a value list is a disjunction,
 *       and in one machine the mix can match values that no alternative matches.</li>
 * </ul>
 */
final class RulerOracle {
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));
    private final List<Machine> machines;
    /** Why the last {@link #forPattern(String)} returned {@code null}. */
    static volatile Throwable lastRejection;

    private RulerOracle(final List<Machine> machines) {
        this.machines = machines;
    }

    /** @return an oracle for the pattern, or {@code null} when event-ruler rejects it. */
    static RulerOracle forPattern(final String pattern) {
        final List<Machine> machines = new ArrayList<>();
        try {
            final Machine whole = new Machine();
            whole.addRule("rule", pattern);
            final List<String> variants = variants(pattern);
            if (variants.size() == 1) {
                machines.add(whole);
                return new RulerOracle(machines);
            }
            for (String variant : variants) {
                final Machine machine = new Machine();
                machine.addRule("rule", variant);
                machines.add(machine);
            }
            return new RulerOracle(machines);
        } catch (Exception | Error e) {
            lastRejection = e;
            return null;
        }
    }

    boolean matches(final String event) {
        try {
            for (Machine machine : machines) {
                if (!machine.rulesForJSONEvent(event).isEmpty()) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("event-ruler failed on " + event, e);
        }
    }

    private static List<String> variants(final String pattern) throws Exception {
        final JsonNode root = JSON.readTree(pattern);
        final List<ArrayNode> mixed = new ArrayList<>();
        collectMixedLists(root, mixed);
        final List<String> variants = new ArrayList<>();
        final int combinations = 1 << mixed.size();
        for (int choice = 0; choice < combinations; choice++) {
            final JsonNode copy = root.deepCopy();
            final List<ArrayNode> lists = new ArrayList<>();
            collectMixedLists(copy, lists);
            for (int i = 0; i < lists.size(); i++) {
                keepOnly(lists.get(i), ((choice >> i) & 1) == 1);
            }
            variants.add(JSON.writeValueAsString(copy));
        }
        return variants;
    }

    private static void collectMixedLists(final JsonNode node, final List<ArrayNode> out) {
        if (node instanceof ObjectNode object) {
            object.properties().forEach(entry -> {
                final JsonNode value = entry.getValue();
                if ("$or".equals(entry.getKey()) && value.isArray()) {
                    value.forEach(branch -> collectMixedLists(branch, out));
                } else if (value.isArray()) {
                    int wildcards = 0;
                    for (JsonNode element : value) {
                        wildcards += isWildcard(element) ? 1 : 0;
                    }
                    if (wildcards > 0 && wildcards < value.size()) {
                        out.add((ArrayNode) value);
                    }
                } else {
                    collectMixedLists(value, out);
                }
            });
        }
    }

    private static boolean isWildcard(final JsonNode element) {
        return element.has("wildcard")
            || (element.has("anything-but") && element.get("anything-but").has("wildcard"));
    }

    private static void keepOnly(final ArrayNode list, final boolean wildcards) {
        for (int i = list.size() - 1; i >= 0; i--) {
            if (isWildcard(list.get(i)) != wildcards) {
                list.remove(i);
            }
        }
    }
}
