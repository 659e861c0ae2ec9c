package dev.eventrouter.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The named edge cases of corpus/operators.jsonl: each one's expected answer is checked against our matcher and
 * against event-ruler, so the corpus itself is verified to be EventBridge's behaviour.
 */
class OperatorCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Arguments> corpus() throws IOException {
        final List<Arguments> cases = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
            OperatorCorpusTest.class.getResourceAsStream("/corpus/operators.jsonl"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                final JsonNode node = JSON.readTree(line);
                final String pattern = node.has("pattern_text") ? node.get("pattern_text").asText()
                    : JSON.writeValueAsString(node.get("pattern"));
                final String event = node.has("event_text") ? node.get("event_text").asText()
                    : JSON.writeValueAsString(node.get("event"));
                cases.add(Arguments.of(node.get("name").asText(), pattern, event, node.get("match").asBoolean()));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void shouldMatchAsTheCorpusSays(final String name, final String pattern, final String event, final boolean match) {
        final RuleSet rules = new RuleSet();
        rules.put("rule", pattern);
        final MatchedRules matched = new MatchedRules();
        new EventMatcher(rules).match(event, matched);
        assertEquals(match, matched.size() == 1, "ours: " + name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void shouldAgreeWithEventRuler(final String name, final String pattern, final String event, final boolean match) {
        final RulerOracle oracle = RulerOracle.forPattern(pattern);
        assertNotNull(oracle, "event-ruler rejects " + pattern);
        assertEquals(match, oracle.matches(event), "event-ruler: " + name);
    }
}
