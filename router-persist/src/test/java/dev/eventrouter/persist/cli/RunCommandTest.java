package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RunCommandTest {
    private static final String CONFIG = """
        {
          "eventBuses": ["orders", "audit"],
          "rules": [
            {"name": "big", "eventBus": "orders", "eventPattern": {"detail": {"amount": [{"numeric": [">", 100]}]}},
             "targets": [
               {"id": "print", "type": "stdout", "inputTransformer":
                 {"inputPathsMap": {"id": "$.detail.id"}, "inputTemplate": "{\\"big\\": <id>}"}},
               {"id": "keep", "type": "file", "path": "big.ndjson"},
               {"id": "audit", "type": "bus", "eventBus": "audit"}]},
            {"name": "all-audit", "eventBus": "audit", "eventPattern": "{\\"source\\": [\\"shop\\"]}",
             "targets": [{"id": "print", "type": "stdout", "inputPath": "$.detail.id"}]},
            {"name": "off", "eventBus": "orders", "state": "DISABLED", "eventPattern": {"source": ["shop"]},
             "targets": [{"id": "print", "type": "stdout"}]}
          ]
        }
        """;

    @TempDir
    Path dir;

    private static CliRun run(final String... args) {
        return CliRun.of(args);
    }

    private Path write(final String name, final String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String event(final int id, final int amount) {
        return OrderEvents.event(id, amount);
    }

    @Test
    void shouldRouteEveryLineAndPrintCountsWhenTheConfigIsValid() throws IOException {
        final Path config = write("router.json", CONFIG);
        final Path events = write("events.ndjson", event(1, 60) + "\n" + event(2, 120) + "\n\n" + event(3, 180)
            + "\n");
        final CliRun result = run("run", "--config", config.toString(), "--events", events.toString(), "--bus",
            "orders");

        assertEquals(0, result.code(), result.err());
        final List<String> lines = Arrays.stream(result.out().split("\n")).sorted().toList();
        assertEquals(List.of("2", "3", "{\"big\": 2}", "{\"big\": 3}"), lines);
        assertEquals(event(2, 120) + "\n" + event(3, 180) + "\n", Files.readString(dir.resolve("big.ndjson")));
        assertEquals("""
            bus                         published      matched    unmatched
            default                             0            0            0
            orders                              3            2            1
            audit                               2            2            0

            rule                     bus                   matched
            big                      orders                      2
            all-audit                audit                       2
            off                      orders                      0

            target                   rule                        delivered   failed  retried     dead  dropped
            print                    big                                 2        0        0        0        0
            keep                     big                                 2        0        0        0        0
            audit                    big                                 2        0        0        0        0
            print                    all-audit                           2        0        0        0        0
            print                    off                                 0        0        0        0        0

            events: 3 accepted, 0 rejected; all delivered
            """, result.err());
    }

    @Test
    void shouldReportBadLinesAndExitOneWhenSomeEventsAreMalformed() throws IOException {
        final Path config = write("router.json", CONFIG);
        final Path events = write("events.ndjson", event(1, 200) + "\n[1]\n{\"a\":\n");
        final CliRun result = run("run", "--config", config.toString(), "--events", events.toString(), "--bus",
            "orders");
        assertEquals(1, result.code());
        assertTrue(result.err().startsWith("router: " + events + " line 2: malformed event at byte offset 0: event "
            + "must be a JSON object\n"), result.err());
        assertTrue(result.err().contains("router: " + events + " line 3: malformed event at byte offset 5:"),
            result.err());
        assertTrue(result.err().endsWith("events: 1 accepted, 2 rejected; all delivered\n"), result.err());
    }

    @Test
    void shouldNameTheFieldWhenTheConfigIsInvalid() throws IOException {
        assertConfigError(CONFIG.replace("{\\\"big\\\": <id>}", "<nope>"),
            "rules[0].targets[0].inputTransformer.inputTemplate: contains invalid placeholder nope");
        assertConfigError(CONFIG.replace("\"type\": \"stdout\", \"inputPath\"", "\"type\": \"sms\", \"inputPath\""),
            "rules[1].targets[0].type: must be stdout, file, bus, apiDestination or kafka, got sms");
        assertConfigError(CONFIG.replace("\"state\": \"DISABLED\"", "\"stat\": \"DISABLED\""),
            "rules[2].stat: unknown field (expected one of [createdBy, description, eventBus, eventPattern, name, "
                + "scheduleExpression, state, targets])");
        assertConfigError(CONFIG.replace("\"state\": \"DISABLED\"", "\"scheduleExpression\": \"rate(1 minutes)\""),
            "rules[2].scheduleExpression: Parameter ScheduleExpression is not valid. Reason: a rate of 1 takes a "
                + "singular unit and a larger one a plural unit, got '1 minutes'.");
        assertConfigError(CONFIG.replace("\"state\": \"DISABLED\"", "\"scheduleExpression\": \"rate(5 minutes)\""),
            "rules[2]: ScheduleExpression is supported only on the default event bus.");
        assertConfigError(CONFIG.replace("\"state\": \"DISABLED\", \"eventPattern\": {\"source\": [\"shop\"]},", ""),
            "rules[2].eventPattern: required (a pattern object or a JSON string) unless the rule has a "
                + "scheduleExpression");
        assertConfigError(CONFIG.replace("[\">\", 100]", "[\">\", \"x\"]"),
            "rules[0].eventPattern: rule \"big\": $.detail.amount[0].numeric: numeric \">\" needs a number "
                + "(line 1, col 38)");
        assertConfigError(CONFIG.replace("\"id\": \"keep\"", "\"id\": \"keep me\""),
            "rules[0].targets[1]: Id=keep me: must be 1-64 characters of letters, digits, '.', '-' and '_'");
        assertConfigError(CONFIG.replace("\"eventBuses\": [\"orders\", \"audit\"],", "\"account\": \"12\","),
            "account: must be 12 digits");
        assertConfigError(CONFIG.replace("\"inputPath\": \"$.detail.id\"",
            "\"inputPath\": \"$.detail.id\", \"input\": \"{}\""),
            "rules[1].targets[0]: only one of input, inputPath and inputTransformer may be given, got [input, "
                + "inputPath]");
        assertConfigError("[]", "must be a JSON object");
        assertConfigError(CONFIG.replace("\"eventBuses\": [\"orders\", \"audit\"],",
            "\"eventBuses\": [\"orders\", \"audit\"], \"archives\": [{\"name\": \"a\"}],"),
            "archives[0].dir: required: a non-empty string");
        assertConfigError(CONFIG.replace("\"eventBuses\": [\"orders\", \"audit\"],",
            "\"eventBuses\": [\"orders\", \"audit\"], \"archives\": [{\"name\": \"a\", \"dir\": \"x\", "
                + "\"eventPattern\": {\"replay-name\": [\"r\"]}}],"),
            "archives[0]: archive a: EventPattern cannot test replay-name (replayed events are never archived)");
    }

    private void assertConfigError(final String config, final String expected) throws IOException {
        final Path file = write("bad.json", config);
        final CliRun result = run("run", "--config", file.toString());
        assertEquals(new CliRun(2, "", "router: " + file + ": " + expected + "\n"), result);
    }

    @Test
    void shouldExitTwoWhenFilesOrBusesAreMissing() throws IOException {
        final Path config = write("router.json", CONFIG);
        assertEquals(new CliRun(2, "", "router: --config: no such file: " + dir.resolve("none.json") + "\n"),
            run("run", "--config", dir.resolve("none.json").toString()));
        assertEquals(new CliRun(2, "", "router: --events: no such file: " + dir.resolve("none.ndjson") + "\n"),
            run("run", "--config", config.toString(), "--events", dir.resolve("none.ndjson").toString()));
        assertEquals(new CliRun(2, "", "router: --bus: Event bus nope does not exist.\n"),
            run("run", "--config", config.toString(), "--events", config.toString(), "--bus", "nope"));
    }

    /**
     * A file target appends (it used to truncate on every start, so a crash and a rerun lost the first run's
     * output), cutting off a partial last line a killed run left; {@code "truncate": true} starts empty.
     */
    @Test
    void shouldAppendToAFileTargetAfterCuttingAPartialLastLineAndTruncateOnlyWhenAsked() throws IOException {
        final Path config = write("router.json", CONFIG);
        Files.writeString(dir.resolve("big.ndjson"), "{\"earlier\":1}\n{\"torn\":");
        final Path events = write("events.ndjson", event(2, 120) + "\n");
        final CliRun first = run("run", "--config", config.toString(), "--events", events.toString(), "--bus",
            "orders");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.err().startsWith("rules[0].targets[1].path: " + dir.resolve("big.ndjson")
            + ": removed a partial last line of 8 bytes (an earlier run stopped mid-write)\n"), first.err());
        assertEquals("{\"earlier\":1}\n" + event(2, 120) + "\n", Files.readString(dir.resolve("big.ndjson")));

        final Path truncating = write("truncating.json", CONFIG.replace("\"path\": \"big.ndjson\"",
            "\"path\": \"big.ndjson\", \"truncate\": true"));
        assertEquals(0, run("run", "--config", truncating.toString(), "--events", events.toString(), "--bus",
            "orders").code());
        assertEquals(event(2, 120) + "\n", Files.readString(dir.resolve("big.ndjson")));
    }

    /** A dead-letter file appends too, and the CLI writes every dead letter there with EventBridge's attributes. */
    @Test
    void shouldWriteDeadLettersToTheDeadLetterFile() throws IOException {
        final Path config = write("router.json", """
            {"eventBuses": ["orders"], "deadLetterFile": "dead.ndjson",
             "rules": [{"name": "r", "eventBus": "orders", "eventPattern": {"source": ["shop"]},
               "targets": [{"id": "gone", "type": "bus", "eventBus": "nowhere",
                 "retryPolicy": {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}}]}]}
            """);
        Files.writeString(dir.resolve("dead.ndjson"), "{\"before\":true}\n");
        final Path events = write("events.ndjson", event(1, 5) + "\n");
        final CliRun result = run("run", "--config", config.toString(), "--events", events.toString(), "--bus",
            "orders");
        assertEquals(1, result.code(), result.err());
        assertTrue(result.err().endsWith("events: 1 accepted, 0 rejected; 1 deliveries dead-lettered or dropped\n"),
            result.err());
        final List<String> lines = Files.readAllLines(dir.resolve("dead.ndjson"));
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("{\"before\":true}", lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"ruleArn\":\"arn:aws:events:us-east-1:123456789012:rule/orders/r\","
            + "\"targetArn\":\"arn:aws:events:us-east-1:123456789012:event-bus/nowhere\","), lines.get(1));
        assertTrue(lines.get(1).contains("\"errorCode\":\"NO_RESOURCE\""), lines.get(1));
    }

    /**
     * A target may name its own dead-letter file (EventBridge's per-target DeadLetterConfig); the others keep the
     * config's. Each letter's TARGET_ARN is its target's: here the ARNs of the buses they could not reach.
     */
    @Test
    void shouldWriteATargetsDeadLettersToItsOwnFile() throws IOException {
        final Path config = write("router.json", """
            {"eventBuses": ["orders"], "deadLetterFile": "dead.ndjson",
             "rules": [{"name": "r", "eventBus": "orders", "eventPattern": {"source": ["shop"]},
               "targets": [
                 {"id": "mine", "type": "bus", "eventBus": "nowhere", "deadLetterFile": "mine/dead.ndjson",
                  "retryPolicy": {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}},
                 {"id": "shared", "type": "bus", "eventBus": "elsewhere",
                  "retryPolicy": {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}}]}]}
            """);
        Files.createDirectories(dir.resolve("mine"));
        final Path events = write("events.ndjson", event(1, 5) + "\n" + event(2, 6) + "\n");
        final CliRun result = run("run", "--config", config.toString(), "--events", events.toString(), "--bus",
            "orders");
        assertEquals(1, result.code(), result.err());
        final List<String> mine = Files.readAllLines(dir.resolve("mine/dead.ndjson"));
        final List<String> shared = Files.readAllLines(dir.resolve("dead.ndjson"));
        assertEquals(2, mine.size(), mine.toString());
        assertEquals(2, shared.size(), shared.toString());
        mine.forEach(line -> assertTrue(line.contains(
            "\"targetArn\":\"arn:aws:events:us-east-1:123456789012:event-bus/nowhere\""), line));
        shared.forEach(line -> assertTrue(line.contains(
            "\"targetArn\":\"arn:aws:events:us-east-1:123456789012:event-bus/elsewhere\""), line));
        final Path bad = write("bad.json", """
            {"rules": [{"name": "r", "eventPattern": {"source": ["shop"]},
               "targets": [{"id": "t", "type": "stdout", "deadLetterFile": 7}]}]}
            """);
        final CliRun refused = run("run", "--config", bad.toString(), "--events", events.toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("rules[0].targets[0].deadLetterFile"), refused.err());
    }

    @Test
    void shouldRefuseDuplicateRulesTargetsAndArchiveDirectories() throws IOException {
        final Path events = write("events.ndjson", event(1, 5) + "\n");
        final String rule = "{\"name\": \"r\", \"eventPattern\": {\"source\": [\"shop\"]}, \"targets\": [%s]}";
        final String target = "{\"id\": \"t\", \"type\": \"stdout\"}";
        final Path twoRules = write("two-rules.json", "{\"rules\": [" + rule.formatted(target) + ", "
            + rule.formatted(target) + "]}");
        assertEquals("router: " + twoRules + ": rules[1].name: rule r is already defined by rules[0]\n",
            run("run", "--config", twoRules.toString(), "--events", events.toString()).err());
        final Path twoTargets = write("two-targets.json", "{\"rules\": [" + rule.formatted(target + ", " + target)
            + "]}");
        assertEquals("router: " + twoTargets + ": rules[0].targets[1].id: target t is already defined by rules[0].targets[0]\n",
            run("run", "--config", twoTargets.toString(), "--events", events.toString()).err());
        final Path twoArchives = write("two-archives.json", "{\"archives\": [{\"name\": \"a\", \"dir\": \"arch\"},"
            + " {\"name\": \"b\", \"dir\": \"./arch\"}]}");
        assertEquals("router: " + twoArchives + ": archives[1].dir: " + dir.resolve("./arch")
            + " is already the directory of archives[0]; each archive"
            + " needs its own\n", run("run", "--config", twoArchives.toString(), "--events", events.toString()).err());
    }

    /** Without --events the events come from stdin ('-'); before, run ignored stdin and exited 0 having done nothing. */
    @Test
    void shouldReadStdinWhenNoEventsFileIsGiven() throws IOException {
        final Path config = write("router.json", CONFIG);
        final java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream((event(2, 120) + "\n").getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
            final CliRun result = run("run", "--config", config.toString(), "--bus", "orders");
            assertEquals(0, result.code(), result.err());
            assertTrue(result.err().endsWith("events: 1 accepted, 0 rejected; all delivered\n"), result.err());
        } finally {
            System.setIn(stdin);
        }
        assertEquals(event(2, 120) + "\n", Files.readString(dir.resolve("big.ndjson")));
    }

    /** run held a raw event to 1001 levels while match and test-pattern say 1000: it says 1000 now, like them. */
    @Test
    void shouldHoldRawEventsToTheSameDepthAsMatch() throws IOException {
        final Path config = write("router.json", "{\"rules\": []}");
        final String deepest = "{\"a\":" + "[".repeat(999) + "]".repeat(999) + "}";
        final String tooDeep = "{\"a\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        final Path events = write("events.ndjson", deepest + "\n" + tooDeep + "\n");
        final CliRun result = run("run", "--config", config.toString(), "--events", events.toString());
        assertEquals(1, result.code(), result.err());
        assertTrue(result.err().startsWith("router: " + events + " line 2: malformed event at byte offset 1004: "
            + "nesting deeper than 1000 levels\n"), result.err());
        assertTrue(result.err().endsWith("events: 1 accepted, 1 rejected; all delivered\n"), result.err());
        assertEquals(1, run("test-pattern", "--pattern", "{\"b\":[1]}", "--event", deepest).code(),
            "test-pattern reads the deepest event (no match: exit 1)");
        assertEquals(2, run("test-pattern", "--pattern", "{\"b\":[1]}", "--event", tooDeep).code());
    }

    @Test
    void shouldRefuseTruncateOutsideAFileTargetOrAsAnythingButABoolean() throws IOException {
        final Path events = write("events.ndjson", event(1, 5) + "\n");
        final Path onStdout = write("stdout.json", "{\"rules\": [{\"name\": \"r\", \"eventPattern\": {}, "
            + "\"targets\": [{\"id\": \"t\", \"type\": \"stdout\", \"truncate\": true}]}]}");
        assertEquals("router: " + onStdout + ": rules[0].targets[0].truncate: true or false, for file targets only\n",
            run("run", "--config", onStdout.toString(), "--events", events.toString()).err());
        final Path notBoolean = write("string.json", "{\"rules\": [{\"name\": \"r\", \"eventPattern\": {}, "
            + "\"targets\": [{\"id\": \"t\", \"type\": \"file\", \"path\": \"x\", \"truncate\": \"yes\"}]}]}");
        assertEquals("router: " + notBoolean + ": rules[0].targets[0].truncate: true or false, for file targets only\n",
            run("run", "--config", notBoolean.toString(), "--events", events.toString()).err());
    }

    /** Connections, API destinations and an apiDestination target declared in the config call a real endpoint. */
    @Test
    void shouldCallAnApiDestinationDeclaredInTheConfig() throws IOException {
        final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        final com.sun.net.httpserver.HttpServer endpoint = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        endpoint.createContext("/", exchange -> {
            calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " key="
                + exchange.getRequestHeaders().getFirst("x-api-key") + " team="
                + exchange.getRequestHeaders().getFirst("x-team") + " body="
                + new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        endpoint.start();
        try {
            final Path config = write("router.json", """
                {
                  "connections": [{"name": "crm", "apiKey": {"name": "x-api-key", "value": "k-1"},
                                   "headerParameters": {"X-Team": "orders"}}],
                  "apiDestinations": [{"name": "orders", "connection": "crm", "httpMethod": "POST",
                                       "invocationEndpoint": "http://127.0.0.1:%d/orders/*",
                                       "invocationRateLimitPerSecond": 100}],
                  "rules": [{"name": "big", "eventPattern": {"detail": {"amount": [{"numeric": [">", 100]}]}},
                             "targets": [{"id": "crm", "type": "apiDestination", "apiDestination": "orders",
                                          "inputPath": "$.detail",
                                          "httpParameters": {"pathParameterValues": ["$.detail.id"]}}]}]
                }
                """.formatted(endpoint.getAddress().getPort()));
            final Path events = write("events.ndjson", event(1, 60) + "\n" + event(2, 120) + "\n");
            final CliRun result = run("run", "--config", config.toString(), "--events", events.toString());
            assertEquals(0, result.code(), result.err());
            assertEquals(1, calls.size(), calls.toString());
            assertTrue(calls.get(0).startsWith("POST /orders/2 key=k-1 team=orders body={"), calls.get(0));
        } finally {
            endpoint.stop(0);
        }
    }

    @Test
    void shouldNameTheFieldOfABadConnectionOrApiDestination() throws IOException {
        final String[][] cases = {
            {"{\"connections\": [{\"name\": \"c\", \"basic\": {\"username\": \"u\", \"password\": \"p\"}, "
                + "\"apiKey\": {\"name\": \"k\", \"value\": \"v\"}}]}",
                "connections[0]: exactly one of basic, apiKey and oauth is required, got [basic, apiKey]"},
            {"{\"connections\": [{\"name\": \"c\", \"apiKey\": {\"name\": \"k\"}}]}",
                "connections[0].apiKey.value: required: a non-empty string"},
            {"{\"apiDestinations\": [{\"name\": \"d\", \"connection\": \"nope\", \"httpMethod\": \"POST\", "
                + "\"invocationEndpoint\": \"https://example.com\"}]}",
                "apiDestinations[0]: connection nope does not exist"},
            {"{\"rules\": [{\"name\": \"r\", \"eventPattern\": {\"source\": [\"s\"]}, \"targets\": [{\"id\": "
                + "\"t\", \"type\": \"stdout\", \"httpParameters\": {}}]}]}",
                "rules[0].targets[0].httpParameters: for apiDestination targets only"}};
        for (String[] c : cases) {
            final Path config = write("bad.json", c[0]);
            final CliRun result = run("run", "--config", config.toString(), "--events", write("e.ndjson", "")
                .toString());
            assertEquals(2, result.code(), result.err());
            assertTrue(result.err().contains(config + ": " + c[1]), result.err());
        }
    }
}
