package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterCliTest {
    @TempDir
    Path dir;

    private static CliRun run(final String... args) {
        return CliRun.of(args);
    }

    private Path write(final String name, final String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void shouldPrintTrueAndExitZeroOnAMatch() {
        assertEquals(new CliRun(0, "true\n", ""),
            run("test-pattern", "--pattern", "{\"a\":[{\"prefix\":\"x\"}]}", "--event", "{\"a\":\"xy\"}"));
    }

    @Test
    void shouldPrintFalseAndExitOneWithoutAMatch() {
        assertEquals(new CliRun(1, "false\n", ""),
            run("test-pattern", "--pattern", "{\"a\":[\"x\"]}", "--event", "{\"a\":\"y\"}"));
    }

    @Test
    void shouldReadPatternAndEventFromFiles() throws IOException {
        final Path pattern = write("p.json", "{\n  \"a\": [1]\n}\n");
        final Path event = write("e.json", "{\"a\": 1.0}\n");
        assertEquals(new CliRun(0, "true\n", ""), run("test-pattern", "--pattern", "@" + pattern, "--event", "@" + event));
    }

    @Test
    void shouldExitTwoWithOneLineForAnInvalidPattern() {
        assertEquals(new CliRun(2, "", "router: invalid pattern: $.a[0].prefix: prefix must be a string (line 1, col 17)\n"),
            run("test-pattern", "--pattern", "{\"a\":[{\"prefix\":1}]}", "--event", "{\"a\":1}"));
    }

    @Test
    void shouldExitTwoWithOneLineForAnInvalidEvent() {
        assertEquals(new CliRun(2, "", "router: invalid event: malformed event at byte offset 5: unexpected character\n"),
            run("test-pattern", "--pattern", "{\"a\":[1]}", "--event", "{\"a\":}"));
    }

    @Test
    void shouldExitTwoForAMissingFile() {
        final CliRun result = run("test-pattern", "--pattern", "@" + dir.resolve("nope.json"), "--event", "{}");
        assertEquals(2, result.code());
        assertEquals("router: --pattern: no such file: " + dir.resolve("nope.json") + "\n", result.err());
    }

    @Test
    void shouldPrintSortedNamesPerLineAndContinueAfterAMalformedLine() throws IOException {
        final Path rules = write("rules.json", "{\"zeta\": {\"a\": [1]}, \"alpha\": {\"a\": [{\"numeric\": [\">\", 0]}]},"
            + " \"quote\\\"d\": {\"b\": [\"x\"]}}");
        final Path events = write("events.ndjson", "{\"a\":1}\n{\"a\":2,\"b\":\"x\"}\n{\"a\":\n{\"c\":3}\n");
        final CliRun result = run("match", "--rules", rules.toString(), "--events", events.toString());
        assertEquals(0, result.code());
        assertEquals("[\"alpha\",\"zeta\"]\n[\"alpha\",\"quote\\\"d\"]\n[]\n[]\n", result.out());
        assertEquals(events + ": line 3: malformed event at byte offset 5: expected a value\n", result.err());
    }

    @Test
    void shouldReadEventsFromStandardInput() throws IOException {
        final Path rules = write("rules.json", "{\"one\": {\"a\": [1]}}");
        final java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("{\"a\":1}\n{\"a\":2}\n".getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(new CliRun(0, "[\"one\"]\n[]\n", ""), run("match", "--rules", rules.toString(), "--events", "-"));
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void shouldPrintCountsPerRuleSortedByName() throws IOException {
        final Path rules = write("rules.json", "{\"b\": {\"a\": [1]}, \"a\": {\"a\": [{\"exists\": true}]}, \"c\": {\"x\": [1]}}");
        final Path events = write("events.ndjson", "{\"a\":1}\r\n{\"a\":2}\n{\"a\":1}");
        assertEquals(new CliRun(0, "a\t3\nb\t2\nc\t0\n", ""),
            run("match", "--rules", rules.toString(), "--events", events.toString(), "--output", "counts"));
    }

    @Test
    void shouldNameTheRuleAndFilePositionOfAnInvalidPattern() throws IOException {
        final Path rules = write("rules.json", "{\n  \"good\": {\"a\": [1]},\n  \"bad\": {\n    \"a\": [{\"numeric\": [\">\", \"x\"]}]\n  }\n}\n");
        final Path events = write("events.ndjson", "{}\n");
        final CliRun result = run("match", "--rules", rules.toString(), "--events", events.toString());
        assertEquals(2, result.code());
        assertEquals("router: " + rules + ": rule \"bad\": $.a[0].numeric: numeric \">\" needs a number (line 4, col 29)\n",
            result.err());
        assertEquals("", result.out());
    }

    @Test
    void shouldRejectARulesFileThatIsNotAnObjectOfPatterns() throws IOException {
        final Path events = write("events.ndjson", "{}\n");
        assertEquals("router: " + write("a.json", "[]") + ": must be a JSON object of rule names to patterns\n",
            run("match", "--rules", dir.resolve("a.json").toString(), "--events", events.toString()).err());
        assertEquals("router: " + write("b.json", "{\"r\": [1]}") + ": rule \"r\" (line 1): pattern must be a JSON object\n",
            run("match", "--rules", dir.resolve("b.json").toString(), "--events", events.toString()).err());
        assertEquals("router: " + write("c.json", "{\"r\": {\"a\":[1]}, \"r\": {\"a\":[2]}}")
                + ": line 1: rule name \"r\" is used twice\n",
            run("match", "--rules", dir.resolve("c.json").toString(), "--events", events.toString()).err());
    }

    @Test
    void shouldExitTwoOnUsageErrors() {
        final CliRun missing = run("match", "--rules", "r.json");
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("Missing required option: '--events=EVENTS.ndjson'"), missing.err());
        final CliRun badOutput = run("match", "--rules", "r.json", "--events", "e", "--output", "xml");
        assertEquals(2, badOutput.code());
        assertTrue(badOutput.err().startsWith("Invalid value for option '--output'"), badOutput.err());
        assertEquals(2, run("nonsense").code());
        assertEquals(2, run().code());
    }

    @Test
    void shouldPrintHelpForEveryCommand() {
        for (String command : new String[] {"test-pattern", "match", "run", "demo", "archive", "archive ls",
            "archive describe", "archive dump", "replay", "poll", "queue", "queue send", "queue stats"}) {
            final String[] words = (command + " --help").split(" ");
            final CliRun help = run(words);
            assertEquals(0, help.code(), command);
            assertTrue(help.out().startsWith("Usage: router " + command), help.out());
            assertTrue(help.out().contains("-h, --help"), help.out());
        }
        assertTrue(run("--help").out().contains("test-pattern"));
    }

    @Test
    void shouldRunTheDemoAndDeliverEveryEventToEveryMatchingTarget() {
        final CliRun demo = run("demo", "--seconds", "0.6", "--rate", "20000");
        assertEquals(0, demo.code(), demo.err());
        assertTrue(demo.out().startsWith("router demo: 11 rules on bus \"lots\" + 1 on \"audit\", 20000 distinct "
            + "CityLots events"), demo.out());
        assertTrue(demo.out().contains("events/s | publish->handler p50 "), demo.out());
        final java.util.regex.Matcher lots = java.util.regex.Pattern.compile("\nlots +([\\d,]+) +([\\d,]+) +0\n")
            .matcher(demo.out());
        assertTrue(lots.find(), demo.out());
        assertEquals(lots.group(1), lots.group(2), "every lot matches all-lots");
        final java.util.regex.Matcher latency = java.util.regex.Pattern.compile(
            "\nall-lots +latency +([\\d,]+) +([\\d,]+) +100\\.000%\n").matcher(demo.out());
        assertTrue(latency.find(), demo.out());
        assertEquals(lots.group(1), latency.group(1));
        assertEquals(latency.group(1), latency.group(2));
        assertTrue(demo.out().contains("publish->handler latency after warm-up (µs, from intended send time): p50 "), demo.out());
        assertTrue(demo.out().endsWith("closed: every event delivered\n"), demo.out());
    }

    /** Below 256 events/s the demo looked at the clock every 256 events only, so --seconds was not kept (hours). */
    @Test
    void shouldKeepToSecondsAtALowDemoRate() {
        final CliRun demo = run("demo", "--seconds", "0.3", "--rate", "20");
        assertEquals(0, demo.code(), demo.err());
        assertTrue(demo.out().endsWith("closed: every event delivered\n"), demo.out());
    }

    @Test
    void shouldRejectABadDemoRate() {
        final CliRun demo = run("demo", "--rate", "fast");
        assertEquals(2, demo.code());
        assertEquals("--rate must be 1-100000000 or max, got fast", demo.err().lines().findFirst().orElse(""));
    }

    @Test
    void shouldRejectANonPositiveDemoDuration() {
        final CliRun demo = run("demo", "--seconds", "0");
        assertEquals(2, demo.code());
        assertEquals("--seconds must be in (0, 3600]\n", demo.err().lines().findFirst().orElse("") + "\n");
    }
}
