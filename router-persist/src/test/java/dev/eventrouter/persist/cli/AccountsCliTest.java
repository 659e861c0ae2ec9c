package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs/examples topologies (the product owner's slides 46-57) run end to end through {@code router run}, and
 * {@code router policy simulate|validate}. Who receives what follows EventBridge's rules: a rule delivers to a bus in
 * another account only when that bus's policy allows it, an event crosses at most one bus-to-bus hop, the event's
 * account is its sender's, and a caller from another account publishes only what the bus policy allows.
 */
class AccountsCliTest {
    static final Path EXAMPLES = Path.of("..", "docs", "examples");
    static final String PURPLE = "222222222222";
    static final String BLUE = "333333333333";
    static final String ORANGE = "444444444444";

    /** Blue takes E1 and E2, orange E2, purple E3; each event keeps its publisher's account. */
    static final List<String> EVERY_SUBSCRIBER = List.of(
        shown("blue", "E1", "com.orange.service", ORANGE),
        shown("blue", "E2", "com.purple.service", PURPLE),
        shown("orange", "E2", "com.purple.service", PURPLE),
        shown("purple", "E3", "com.blue.service", BLUE));

    @TempDir
    Path dir;

    static String shown(final String subscriber, final String event, final String source, final String from) {
        return "{\"subscriber\": \"" + subscriber + "\", \"event\": \"" + event + "\", \"source\": \"" + source
            + "\", \"from\": \"" + from + "\"}";
    }

    static List<String> sortedLines(final String text) {
        return Arrays.stream(text.split("\n")).filter(l -> !l.isBlank()).sorted().toList();
    }

    static CliRun runExample(final String name) {
        return CliRun.of("run", "--config", EXAMPLES.resolve(name).resolve("router.json").toString());
    }

    @Test
    void shouldRouteTheSingleAccountExamplesWithTheAccountAsSender() {
        for (String example : List.of("single-account-single-bus", "single-account-multi-bus")) {
            final CliRun run = runExample(example);
            assertEquals(0, run.code(), run.err());
            assertEquals(List.of(
                shown("blue", "E1", "com.orange.service", "111111111111"),
                shown("blue", "E2", "com.purple.service", "111111111111"),
                shown("orange", "E2", "com.purple.service", "111111111111"),
                shown("purple", "E3", "com.blue.service", "111111111111")), sortedLines(run.out()), example);
            assertTrue(run.err().endsWith("events: 3 accepted, 0 rejected; all delivered\n"), run.err());
        }
    }

    @Test
    void shouldRouteThroughTheCentralBusToEachServiceAccountsBus() {
        final CliRun run = runExample("multi-account-single-bus");
        assertEquals(0, run.code(), run.err());
        assertEquals(EVERY_SUBSCRIBER, sortedLines(run.out()));
        assertTrue(run.err().contains("\ndevops                              3            3            0\n"
            + "blue                                2            2            0\n"), run.err());
    }

    @Test
    void shouldLetSubscribersRuleOnPublishersBusesAndNeverMakeASecondHop() {
        final CliRun run = runExample("multi-account-multi-bus");
        assertEquals(0, run.code(), run.err());
        assertEquals(EVERY_SUBSCRIBER, sortedLines(run.out()));
        // purple's hop-on rule matched the E3 that reached its bus from blue's, and did not forward it
        assertTrue(run.err().contains("\nhop-on                   purple                      1\n"), run.err());
        assertTrue(run.err().contains("\nto-blue                  hop-on                              0        0"
            + "        0        0        0\n"), run.err());
        assertTrue(run.err().contains("\nblue                                3            3            0\n"),
            "blue's own E3 plus the two events its rules brought: " + run.err());
    }

    @Test
    void shouldRefuseTheOrganizationsStagingAccountAndAnAccountOutsideIt() {
        final CliRun run = runExample("organization-production-accounts");
        assertEquals(1, run.code(), run.err());
        assertEquals(List.of(shown("devops", "E2", "com.purple.service", PURPLE)), sortedLines(run.out()));
        final String bus = "arn:aws:events:us-east-1:111111111111:event-bus/devops";
        assertTrue(run.err().contains("blue-staging.ndjson line 1: User: arn:aws:iam::333333333333:root is not "
            + "authorized to perform: events:PutEvents on resource: " + bus + " because no resource-based policy "
            + "allows the events:PutEvents action\n"), run.err());
        assertTrue(run.err().contains("orange-outside.ndjson line 1: User: arn:aws:iam::444444444444:root is not "
            + "authorized"), run.err());
        assertTrue(run.err().endsWith("events: 1 accepted, 2 rejected; all delivered\n"), run.err());
    }

    private Path write(final String name, final String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    static final String SLIDE_56 = """
        {"Version": "2012-10-17", "Statement": [{"Sid": "PurplePublishesE2", "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "events:PutEvents",
          "Resource": "arn:aws:events:us-east-1:111111111111:event-bus/devops",
          "Condition": {"StringEquals": {"events:source": "com.purple-service.context", "events:detail-type": "E2"}}},
         {"Sid": "NoStaging", "Effect": "Deny", "Principal": "*", "Action": "events:*", "Resource": "*",
          "Condition": {"StringEquals": {"aws:PrincipalTag/environment": "staging"}}}]}
        """;

    @Test
    void shouldSimulateAllowAndEachKindOfDeny() throws IOException {
        final Path policy = write("p.json", SLIDE_56);
        final Path orgs = write("o.json", "{\"222222222222\": {\"organization\": \"o-a1b2c3d4e5\", \"tags\": "
            + "{\"environment\": \"staging\"}}}");
        final CliRun allow = CliRun.of("policy", "simulate", "--policy", policy.toString(), "--principal", PURPLE,
            "--action", "events:PutEvents", "--source", "com.purple-service.context", "--detail-type", "E2");
        assertEquals(0, allow.code(), allow.err());
        assertEquals("Allow\n  Allow by Statement[0] (Sid=PurplePublishesE2) of the resource policy\n", allow.out());

        final CliRun implicit = CliRun.of("policy", "simulate", "--policy", policy.toString(), "--principal",
            PURPLE, "--action", "events:PutEvents", "--source", "com.purple-service.context", "--detail-type", "E1");
        assertEquals(1, implicit.code());
        assertEquals("Deny\n  Deny: no statement allows it (implicit)\n  User: arn:aws:iam::222222222222:root is not "
            + "authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:111111111111:event-bus/"
            + "devops because no resource-based policy allows the events:PutEvents action\n"
            + "  Statement[0] (Sid=PurplePublishesE2): Condition StringEquals events:detail-type E2 is not met\n",
            implicit.out());

        final CliRun explicit = CliRun.of("policy", "simulate", "--policy", policy.toString(), "--principal",
            PURPLE, "--action", "events:PutEvents", "--source", "com.purple-service.context", "--detail-type", "E2",
            "--org-config", orgs.toString());
        assertEquals(1, explicit.code());
        assertTrue(explicit.out().startsWith("Deny\n  Deny by Statement[1] (Sid=NoStaging) of the resource policy "
            + "(explicit)\n"), explicit.out());

        final CliRun tagged = CliRun.of("policy", "simulate", "--policy", policy.toString(), "--principal",
            "arn:aws:iam::222222222222:role/ci", "--action", "events:PutEvents", "--source",
            "com.purple-service.context", "--detail-type", "E2", "--principal-tag", "environment=staging");
        assertEquals(1, tagged.code());
        assertTrue(tagged.out().contains("Sid=NoStaging"), tagged.out());
    }

    @Test
    void shouldRejectBadInputWithExitCodeTwoNamingWhatIsWrong() throws IOException {
        final Path bad = write("bad.json", "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"events:PutEvents\","
            + " \"Resource\": \"*\"}}");
        final CliRun invalid = CliRun.of("policy", "validate", "--policy", bad.toString());
        assertEquals(2, invalid.code());
        assertEquals("router: --policy " + bad + ": Statement[0]: Principal is required in a resource-based policy\n",
            invalid.err());
        final Path policy = write("p.json", SLIDE_56);
        final CliRun principal = CliRun.of("policy", "simulate", "--policy", policy.toString(), "--principal", "12",
            "--action", "events:PutEvents");
        assertEquals(2, principal.code());
        assertEquals("router: --principal: principal account=12: must be 12 digits\n", principal.err());
        final Path badOrgs = write("o.json", "{\"222222222222\": {\"organization\": \"org-1\"}}");
        final CliRun orgs = CliRun.of("policy", "simulate", "--policy", policy.toString(), "--principal", PURPLE,
            "--action", "events:PutEvents", "--org-config", badOrgs.toString());
        assertEquals(2, orgs.code());
        assertEquals("router: --org-config " + badOrgs + ": 222222222222: principal orgId=org-1: must be o- and 10-32 "
            + "lowercase letters or digits\n", orgs.err());
        final CliRun serve = CliRun.of("serve", "--config", policy.toString());
        assertEquals(2, serve.code());
        assertEquals("router: give --credentials creds.json (requests must be SigV4-signed) or --allow-unsigned\n",
            serve.err());
        final CliRun runAs = CliRun.of("run", "--config", write("r.json", "{}").toString(), "--events",
            write("e.ndjson", "").toString(), "--principal", "arn:aws:s3:::bucket");
        assertEquals(2, runAs.code());
        assertTrue(runAs.err().startsWith("router: --principal: principal arn=arn:aws:s3:::bucket: must be "),
            runAs.err());
        final CliRun valid = CliRun.of("policy", "validate", "--policy", policy.toString());
        assertEquals(0, valid.code(), valid.err());
        assertTrue(valid.out().startsWith("valid: 2 statements, "), valid.out());

        final String[][] configs = {
            {"{\"eventBuses\": [{\"name\": \"b\", \"policy\": {\"Statement\": []}}]}",
                "eventBuses[0].policy: Policy: Statement must be an object or a non-empty array"},
            {"{\"rules\": [{\"name\": \"r\", \"eventPattern\": {}, \"createdBy\": \"abc\"}]}",
                "rules[0].createdBy: principal account=abc: must be 12 digits"},
            {"{\"sources\": [{\"events\": \"e.ndjson\", \"principal\": \"arn:aws:iam::1:root\"}]}",
                "sources[0].principal: principal arn=arn:aws:iam::1:root: must be"},
            {"{\"accounts\": {\"x\": {}}}", "accounts.x: principal account=x: must be 12 digits"},
            {"{\"accounts\": {\"222222222222\": {\"organisation\": \"o-a1b2c3d4e5\"}}}",
                "accounts.222222222222.organisation: unknown field"},
            {"{\"eventBuses\": [{\"name\": \"b\", \"tags\": {\"aws:x\": \"1\"}}]}",
                "eventBuses[0].tags: tag key 'aws:x': the aws: prefix is reserved"},
        };
        for (String[] c : configs) {
            final Path config = write("router.json", c[0]);
            final CliRun run = CliRun.of("run", "--config", config.toString(), "--events", write("e.ndjson", "")
                .toString());
            assertEquals(2, run.code(), c[0]);
            assertTrue(run.err().startsWith("router: " + config + ": " + c[1]), run.err());
        }
        // a rule another account may not create is refused by name, with the bus policy's reason
        final Path denied = write("router.json", "{\"account\": \"111111111111\", \"eventBuses\": [\"devops\"],"
            + " \"rules\": [{\"name\": \"r\", \"eventBus\": \"arn:aws:events:us-east-1:111111111111:event-bus/devops\","
            + " \"createdBy\": \"222222222222\", \"eventPattern\": {\"source\": [\"x\"]}}]}");
        final CliRun refused = CliRun.of("run", "--config", denied.toString(), "--events",
            write("e.ndjson", "").toString());
        assertEquals(2, refused.code());
        assertEquals("router: " + denied + ": rules[0]: User: arn:aws:iam::222222222222:root is not authorized to "
            + "perform: events:PutRule on resource: arn:aws:events:us-east-1:111111111111:rule/devops/r because no "
            + "resource-based policy allows the events:PutRule action\n", refused.err());
    }
}
