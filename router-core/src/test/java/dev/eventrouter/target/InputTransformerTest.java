package dev.eventrouter.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected outputs follow the user guide's examples and AWS-validated snapshots recorded by LocalStack. */
class InputTransformerTest {
    private static final String EVENT = "{\"version\":\"0\",\"id\":\"7bf73129-1428-4cd3-a780-95db273d1602\","
        + "\"detail-type\":\"EC2 Instance State-change Notification\",\"source\":\"aws.ec2\","
        + "\"account\":\"123456789012\",\"time\":\"2015-11-11T21:29:54Z\",\"region\":\"us-east-1\","
        + "\"resources\":[\"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111\"],"
        + "\"detail\":{\"instance-id\":\"i-0123456789\",\"state\":\"RUNNING\",\"count\":3,"
        + "\"tags\":{\"a\":[1,2]},\"msg\":\"say \\\"hi\\\"\",\"list\":[{\"n\":1},{\"n\":2}]}}";
    private static final TargetInput.ShapeContext CONTEXT = new TargetInput.ShapeContext() {
        @Override
        public String ruleName() {
            return "my-rule";
        }

        @Override
        public String ruleArn() {
            return "arn:aws:events:us-east-1:123456789012:rule/bus/my-rule";
        }

        @Override
        public long ingestionTimeMillis() {
            return Instant.parse("2015-11-11T21:29:55.250Z").toEpochMilli();
        }
    };

    private static String shape(final TargetInput input) {
        final byte[] event = ("xx" + EVENT + "yy").getBytes(StandardCharsets.UTF_8);
        return new String(input.shape(event, 2, event.length - 4, CONTEXT), StandardCharsets.UTF_8);
    }

    private static Map<String, String> paths(final String... keyThenPath) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyThenPath.length; i += 2) {
            map.put(keyThenPath[i], keyThenPath[i + 1]);
        }
        return map;
    }

    @Test
    void shouldQuoteStringsAndInsertOtherValuesRawWhenPlaceholdersAreJsonValues() {
        assertEquals("{\"instance\": \"i-0123456789\", \"count\": 3, \"tags\": {\"a\":[1,2]}}",
            shape(TargetInput.transformer(paths("instance", "$.detail.instance-id", "count", "$.detail.count",
                "tags", "$.detail.tags"), "{\"instance\": <instance>, \"count\": <count>, \"tags\": <tags>}")));
    }

    @Test
    void shouldInterpolateTextWhenPlaceholdersAreInsideStrings() {
        assertEquals("\"instance i-0123456789 is in RUNNING\"", shape(TargetInput.transformer(
            paths("instance", "$.detail.instance-id", "state", "$.detail.state"),
            "\"instance <instance> is in <state>\"")));
        assertEquals("{\"msg\": \"instance \\\"i-0123456789\\\" is in RUNNING\"}", shape(TargetInput.transformer(
            paths("instance", "$.detail.instance-id", "state", "$.detail.state"),
            "{\"msg\": \"instance \\\"<instance>\\\" is in <state>\"}")));
    }

    @Test
    void shouldKeepTheEventsEscapesWhenAStringWithQuotesIsInterpolated() {
        assertEquals("\"got say \\\"hi\\\"\"", shape(TargetInput.transformer(paths("m", "$.detail.msg"),
            "\"got <m>\"")));
    }

    @Test
    void shouldYieldEmptyTextWhenAPathIsMissing() {
        assertEquals("{\"detailType\": \"EC2 Instance State-change Notification\", \"command\": \"\"}",
            shape(TargetInput.transformer(paths("dt", "$.detail-type", "command", "$.detail.notinmessage"),
                "{\"detailType\": <dt>, \"command\": <command>}")));
        assertEquals("\"info extracted from detail \"", shape(TargetInput.transformer(
            paths("command", "$.detail.notinmessage"), "\"info extracted from detail <command>\"")));
    }

    @Test
    void shouldFillReservedVariablesWhenTheTemplateUsesThem() {
        assertEquals("\"my-rule arn:aws:events:us-east-1:123456789012:rule/bus/my-rule 2015-11-11T21:29:55Z\"",
            shape(TargetInput.transformer(Map.of(),
                "\"<aws.events.rule-name> <aws.events.rule-arn> <aws.events.event.ingestion-time>\"")));
        assertEquals("{\"e\": {\"id\":\"7bf73129-1428-4cd3-a780-95db273d1602\",\"account\":\"123456789012\","
            + "\"detailType\":\"EC2 Instance State-change Notification\",\"time\":\"2015-11-11T21:29:55Z\","
            + "\"source\":\"aws.ec2\",\"region\":\"us-east-1\","
            + "\"resources\":[\"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111\"],\"version\":\"0\"}}",
            shape(TargetInput.transformer(null, "{\"e\": <aws.events.event>}")));
        assertEquals("[" + EVENT + "]", shape(TargetInput.transformer(null, "[<aws.events.event.json>]")));
    }

    @Test
    void shouldSelectArrayElementsAndWildcardsWhenPathsUseThem() {
        assertEquals("\"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111\"",
            shape(TargetInput.path("$.resources[0]")));
        assertEquals("[1,2]", shape(TargetInput.path("$.detail.list[*].n")));
        assertEquals("{\"n\":2}", shape(TargetInput.path("$.detail.list[1]")));
        assertEquals("null", shape(TargetInput.path("$.detail.nothing")));
        assertEquals(EVENT, shape(TargetInput.path("$")));
    }

    @Test
    void shouldRejectBadTransformersWhenCompiled() {
        assertEquals("InputTemplate: contains invalid placeholder notdefinedkey", message(
            () -> TargetInput.transformer(paths("a", "$.a"), "\"Event with not defined key <notdefinedkey>\"")));
        assertEquals("InputTemplate: placeholder <a> cannot be used as an object key",
            message(() -> TargetInput.transformer(paths("a", "$.a"), "{<a>: 1}")));
        assertEquals("InputTemplate: <aws.events.event> may only be used as a JSON value, not inside a string",
            message(() -> TargetInput.transformer(null, "\"all: <aws.events.event>\"")));
        assertEquals("InputPathsMap.bad key: variable names are 1-256 characters of letters, digits, '_' and '-'",
            message(() -> TargetInput.transformer(paths("bad key", "$.a"), "\"x\"")));
        assertEquals("InputPathsMap.a: path detail.a: must start with '$'",
            message(() -> TargetInput.transformer(paths("a", "detail.a"), "\"x\"")));
        assertEquals("InputPathsMap.a: path $.a[x] at offset 4: expected an array index or '*' inside [ ]",
            message(() -> TargetInput.transformer(paths("a", "$.a[x]"), "\"x\"")));
        final Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i <= InputTransformer.MAX_PATHS; i++) {
            many.put("k" + i, "$.a");
        }
        assertEquals("InputPathsMap: 101 entries exceed 100", message(() -> TargetInput.transformer(many, "\"x\"")));
        assertEquals("InputTemplate: must be 1-8192 characters", message(() -> TargetInput.transformer(null, "")));
        assertEquals("Input: not valid JSON: Unexpected close marker '}': no open Object to close at char 2",
            message(() -> TargetInput.constant("{}}")));
        assertEquals("Input: unexpected text after the JSON value at char 3",
            message(() -> TargetInput.constant("{} 1")));
    }

    @Test
    void shouldLeaveTextAloneWhenAngleBracketsAreNotPlaceholders() {
        assertEquals("\"a < b and c> d <>\"", shape(TargetInput.transformer(null, "\"a < b and c> d <>\"")));
    }

    private static String message(final org.junit.jupiter.api.function.Executable executable) {
        return assertThrows(IllegalArgumentException.class, executable).getMessage();
    }
}
