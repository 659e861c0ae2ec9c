package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.AccessDeniedException;
import dev.eventrouter.auth.Organizations;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.target.DeadLetter;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The product owner's multi-account slides (44-57) on a real router: a central "DevOps" bus, service teams in their
 * own accounts, the three bus policies of slides 55-57, cross-account bus targets that do not chain, and re-publishing
 * through a handler. Semantics: EventBridge user guide, eb-event-bus-perms, eb-use-conditions, eb-cross-account and
 * the example policies ("Send events to a custom bus in a different account", "Send events from specific rules",
 * "restrict updates" with events:creatorAccount).
 */
@Timeout(60)
class AccountsTest {
    static final String DEVOPS = "111111111111";
    static final String PURPLE = "222222222222";
    static final String BLUE = "333333333333";
    static final String ORANGE = "444444444444";
    static final String CENTRAL = "arn:aws:events:us-east-1:" + DEVOPS + ":event-bus/devops";
    static final String PURPLE_BUS = "arn:aws:events:us-east-1:" + PURPLE + ":event-bus/purple";
    static final String BLUE_BUS = "arn:aws:events:us-east-1:" + BLUE + ":event-bus/blue";

    /** Slide 56: the Purple team's account may publish only E2 events from com.purple-service.context. */
    static final String SLIDE_56 = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PurplePublishesE2\","
        + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" + PURPLE + ":root\"},"
        + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + CENTRAL + "\",\"Condition\":{\"StringEquals\":"
        + "{\"events:source\":\"com.purple-service.context\",\"events:detail-type\":\"E2\"}}}]}";
    /** Slide 55: the Purple team's account may create rules only for E2 from com.purple.service. */
    static final String SLIDE_55 = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PurpleRulesForE2\","
        + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" + PURPLE + ":root\"},"
        + "\"Action\":[\"events:PutRule\",\"events:PutTargets\",\"events:DeleteRule\",\"events:RemoveTargets\","
        + "\"events:DescribeRule\",\"events:EnableRule\",\"events:DisableRule\"],\"Resource\":"
        + "\"arn:aws:events:us-east-1:" + DEVOPS + ":rule/devops/*\",\"Condition\":{\"StringEqualsIfExists\":"
        + "{\"events:creatorAccount\":\"${aws:PrincipalAccount}\"},\"StringEquals\":{\"events:source\":"
        + "\"com.purple.service\",\"events:detail-type\":\"E2\"}}}]}";
    /** Slide 57: every production-tagged account of the organization may publish. */
    static final String SLIDE_57 = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"OrgProductionPublishes\","
        + "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"events:PutEvents\",\"Resource\":\"" + CENTRAL
        + "\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-a1b2c3d4e5\","
        + "\"aws:PrincipalTag/environment\":\"production\"}}}]}";

    static Router start() {
        final ManualClock clock = new ManualClock();
        clock.update(Instant.parse("2026-12-02T10:00:00Z").toEpochMilli());
        final Router router = Router.start(new RouterContext().clock(clock).seed(7).ringSize(64)
            .handoffBytes(1 << 20).maxEventBytes(64 * 1024).account(DEVOPS).region("us-east-1"));
        router.createEventBus(CENTRAL);
        router.createEventBus(PURPLE_BUS);
        router.createEventBus(BLUE_BUS);
        return router;
    }

    static Target collect(final String id, final List<String> sink) {
        return Target.handler(id, d -> sink.add(d.payloadAsString()));
    }

    static String describe(final PutEventsResult.Entry entry) {
        return entry.isAccepted() ? "accepted" : entry.error().code() + ": " + entry.error().message();
    }

    static PutEventsEntry entry(final String source, final String detailType, final String bus) {
        return PutEventsEntry.of(source, detailType, "{\"n\":1}").withEventBusName(bus);
    }

    @Test
    void shouldAuthorizeEachCrossAccountEntryAndStampTheSendersAccount() {
        try (Router router = start()) {
            router.putPolicy(CENTRAL, SLIDE_56);
            final List<String> got = new CopyOnWriteArrayList<>();
            router.putRule(Rule.of("all", "{\"detail-type\":[{\"prefix\":\"\"}]}").onBus(CENTRAL));
            router.putTargets(CENTRAL, "all", List.of(collect("c", got)));
            final PutEventsResult result = router.as(Principal.account(PURPLE)).putEvents(List.of(
                entry("com.purple-service.context", "E2", CENTRAL),
                entry("com.purple-service.context", "E1", CENTRAL),
                entry("com.orange.service", "E2", CENTRAL),
                entry("com.orange.service", "E1", CENTRAL),
                entry("com.purple-service.context", "E2", "devops"),
                entry("com.purple-service.context", "E2", PURPLE_BUS)));
            assertEquals(List.of("accepted",
                "NotAuthorizedForDetailTypeException: account 222222222222 is not authorized to put events with "
                    + "detail-type 'E1' on event bus " + CENTRAL,
                "NotAuthorizedForSourceException: account 222222222222 is not authorized to put events with source "
                    + "'com.orange.service' on event bus " + CENTRAL,
                "NotAuthorizedForSourceException: account 222222222222 is not authorized to put events with source "
                    + "'com.orange.service' on event bus " + CENTRAL,
                "ResourceNotFoundException: Event bus devops does not exist.",
                "accepted"), result.entries().stream().map(AccountsTest::describe).toList());
            assertEquals(4, result.failedEntryCount());
            final PutEventsResult blue = router.as(Principal.account(BLUE)).putEvents(List.of(
                entry("com.purple-service.context", "E2", CENTRAL)));
            assertEquals("AccessDeniedException: User: arn:aws:iam::333333333333:root is not authorized to perform: "
                + "events:PutEvents on resource: " + CENTRAL + " because no resource-based policy allows the "
                + "events:PutEvents action", describe(blue.entries().get(0)));
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(1, got.size());
            assertTrue(got.get(0).contains("\"source\":\"com.purple-service.context\",\"account\":\"" + PURPLE
                + "\",\"time\":\"2026-12-02T10:00:00Z\",\"region\":\"us-east-1\""), got.get(0));
        }
    }

    @Test
    void shouldLetTheOrganizationsProductionAccountsPublish() {
        try (Router router = start()) {
            router.putPolicy(CENTRAL, SLIDE_57);
            router.organizations(Organizations.builder()
                .organization("o-a1b2c3d4e5", List.of(PURPLE, BLUE))
                .tagAccount(PURPLE, Map.of("environment", "production"))
                .tagAccount(BLUE, Map.of("environment", "staging"))
                .tagAccount(ORANGE, Map.of("environment", "production"))
                .build());
            final PutEventsEntry e = entry("com.any", "Any", CENTRAL);
            assertEquals("accepted", describe(router.as(Principal.account(PURPLE)).putEvents(List.of(e))
                .entries().get(0)));
            assertTrue(describe(router.as(Principal.account(BLUE)).putEvents(List.of(e)).entries().get(0))
                .startsWith("AccessDeniedException: User: arn:aws:iam::333333333333:root is not authorized"));
            assertTrue(describe(router.as(Principal.account(ORANGE)).putEvents(List.of(e)).entries().get(0))
                .startsWith("AccessDeniedException:"), "outside the organization, whatever its tags");
            // a principal's own tag wins over its account's
            final Principal stagingRole = Principal.of("arn:aws:iam::" + PURPLE + ":role/ci")
                .withTags(Map.of("environment", "staging"));
            assertTrue(describe(router.as(stagingRole).putEvents(List.of(e)).entries().get(0))
                .startsWith("AccessDeniedException: User: arn:aws:iam::222222222222:role/ci"));
            // the registry is read per call: moving BLUE to production lets it in
            router.organizations(Organizations.builder().organization("o-a1b2c3d4e5", List.of(PURPLE, BLUE))
                .tagAccount(BLUE, Map.of("environment", "production")).build());
            assertEquals("accepted", describe(router.as(Principal.account(BLUE)).putEvents(List.of(e))
                .entries().get(0)));
        }
    }

    @Test
    void shouldLetAnotherAccountCreateOnlyTheRulesThePolicyAllowsAndManageOnlyItsOwn() {
        try (Router router = start()) {
            router.putPolicy(CENTRAL, SLIDE_55);
            final Caller purple = router.as(Principal.account(PURPLE));
            final String arn = purple.putRule(new Rule("purple-e2", CENTRAL,
                "{\"source\":[\"com.purple.service\"],\"detail-type\":[\"E2\"]}", null, null));
            assertEquals("arn:aws:events:us-east-1:" + DEVOPS + ":rule/devops/purple-e2", arn);
            assertEquals(PURPLE, purple.describeRule(CENTRAL, "purple-e2").createdBy());
            for (String pattern : List.of(
                "{\"detail-type\":[\"E2\"]}",                                              // no source
                "{\"source\":[\"com.purple.service\",\"com.orange\"],\"detail-type\":[\"E2\"]}", // two sources
                "{\"source\":[{\"prefix\":\"com.purple\"}],\"detail-type\":[\"E2\"]}",        // not exact
                "{\"source\":[\"com.purple.service\"],\"detail-type\":[\"E1\"]}",
                "{\"$or\":[{\"source\":[\"com.purple.service\"],\"detail-type\":[\"E2\"]},{\"account\":[\"1\"]}]}")) {
                final AccessDeniedException e = assertThrows(AccessDeniedException.class,
                    () -> purple.putRule(new Rule("other", CENTRAL, pattern, null, null)), pattern);
                assertEquals("User: arn:aws:iam::222222222222:root is not authorized to perform: events:PutRule on "
                    + "resource: arn:aws:events:us-east-1:111111111111:rule/devops/other because no resource-based "
                    + "policy allows the events:PutRule action", e.getMessage());
            }
            // targets of another account's rule must be in that account
            final AccessDeniedException central = assertThrows(AccessDeniedException.class, () -> purple.putTargets(
                CENTRAL, "purple-e2", List.of(Target.bus("to-central", CENTRAL))));
            assertEquals("rule arn:aws:events:us-east-1:111111111111:rule/devops/purple-e2 was created by account "
                + PURPLE + "; its target to-central (" + CENTRAL + ") must be in that account", central.getMessage());
            purple.putTargets(CENTRAL, "purple-e2", List.of(Target.bus("to-purple", PURPLE_BUS)));
            // only the creator manages it: not the bus's owner, not a third account
            final AccessDeniedException owner = assertThrows(AccessDeniedException.class,
                () -> router.disableRule(CENTRAL, "purple-e2"));
            assertEquals("User: arn:aws:iam::111111111111:root is not authorized to perform: events:DisableRule on "
                + "resource: arn:aws:events:us-east-1:111111111111:rule/devops/purple-e2 because the rule was created "
                + "by account 222222222222 and only its creator manages it", owner.getMessage());
            assertThrows(AccessDeniedException.class, () -> router.as(Principal.account(BLUE))
                .removeTargets(CENTRAL, "purple-e2", List.of("to-purple")));
            assertEquals(List.of("purple-e2"), router.listRules(CENTRAL).stream().map(Rule::name).toList());
            purple.disableRule(CENTRAL, "purple-e2");
            purple.removeTargets(CENTRAL, "purple-e2", List.of("to-purple"));
            purple.deleteRule(CENTRAL, "purple-e2");
            assertEquals(List.of(), router.listRules(CENTRAL));
        }
    }

    @Test
    void shouldDeliverToAnotherAccountsBusOnlyWhenItsPolicyAllowsTheRuleAndNeverChain() {
        try (Router router = start()) {
            final String ruleArn = "arn:aws:events:us-east-1:" + DEVOPS + ":rule/devops/to-teams";
            router.putPolicy(PURPLE_BUS, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"FromDevOpsRule\","
                + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + DEVOPS + "\"},\"Action\":\"events:PutEvents\","
                + "\"Resource\":\"" + PURPLE_BUS + "\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"" + ruleArn
                + "\"},\"Bool\":{\"events:eventBusInvocation\":\"true\"}}}]}");
            final List<DeadLetter> dead = new CopyOnWriteArrayList<>();
            router.putRule(Rule.of("to-teams", "{\"source\":[\"app\"]}").onBus(CENTRAL));
            router.putTargets(CENTRAL, "to-teams", List.of(
                Target.bus("purple", PURPLE_BUS).withDeadLetter(dead::add),
                Target.bus("blue", BLUE_BUS).withDeadLetter(dead::add)));
            // purple's own rule forwards to blue's bus: a second hop, which EventBridge never makes
            final Caller purple = router.as(Principal.account(PURPLE));
            final List<String> purpleGot = new CopyOnWriteArrayList<>();
            final List<String> blueGot = new CopyOnWriteArrayList<>();
            purple.putRule(new Rule("in", "purple", "{\"source\":[\"app\"]}", null, null));
            purple.putTargets("purple", "in", List.of(collect("c", purpleGot), Target.bus("hop", BLUE_BUS)));
            router.putPolicy(BLUE_BUS, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":[\"" + PURPLE + "\",\"" + DEVOPS + "\"]},\"Action\":\"events:PutEvents\","
                + "\"Resource\":\"" + BLUE_BUS + "\",\"Condition\":{\"Bool\":{\"events:eventBusInvocation\":"
                + "\"false\"}}}}");
            final Caller blue = router.as(Principal.account(BLUE));
            blue.putRule(new Rule("in", "blue", "{\"source\":[{\"prefix\":\"\"}]}", null, null));
            blue.putTargets("blue", "in", List.of(collect("c", blueGot)));
            // a handler in purple's account re-publishes: a new PutEvents call, so it reaches blue
            purple.putRule(new Rule("republish", "purple", "{\"source\":[\"app\"]}", null, null));
            purple.putTargets("purple", "republish", List.of(Target.handler("proxy", d -> purple.putEvents(List.of(
                entry("com.purple.proxy", "Forwarded", BLUE_BUS))))));

            final String id = router.as(Principal.account(DEVOPS)).putEvents(List.of(entry("app", "E1", CENTRAL)))
                .entries().get(0).eventId();
            assertTrue(router.close(Duration.ofSeconds(10)).drained());

            assertEquals(1, purpleGot.size());
            assertTrue(purpleGot.get(0).startsWith("{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"E1\","
                + "\"source\":\"app\",\"account\":\"" + DEVOPS + "\""), "id and account are kept: " + purpleGot);
            assertEquals(1, router.targetMetrics(PURPLE_BUS, "in", "hop").notForwarded());
            assertEquals(1, blueGot.size(), "only the re-published event: " + blueGot);
            assertTrue(blueGot.get(0).contains("\"source\":\"com.purple.proxy\",\"account\":\"" + PURPLE + "\""));
            assertEquals(1, dead.size());
            assertEquals(TargetException.NO_PERMISSIONS, dead.get(0).errorCode());
            assertEquals("User: arn:aws:iam::111111111111:root is not authorized to perform: events:PutEvents on "
                + "resource: " + BLUE_BUS + " because no resource-based policy allows the events:PutEvents action",
                dead.get(0).errorMessage());
            assertEquals(0, router.targetMetrics(CENTRAL, "to-teams", "blue").delivered());
        }
    }

    @Test
    void shouldKeepTheLegacyPutPermissionFormAndRemovePermission() {
        try (Router router = start()) {
            router.putPermission(CENTRAL, "purple", "events:PutEvents", PURPLE, null);
            router.putPermission(CENTRAL, "org", "events:PutEvents", "*", "o-a1b2c3d4e5");
            assertEquals("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"purple\",\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:root\"},\"Action\":\"events:PutEvents\","
                + "\"Resource\":\"" + CENTRAL + "\"},{\"Sid\":\"org\",\"Effect\":\"Allow\",\"Principal\":\"*\","
                + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + CENTRAL + "\",\"Condition\":{\"StringEquals\":"
                + "{\"aws:PrincipalOrgID\":\"o-a1b2c3d4e5\"}}}]}", router.eventBus(CENTRAL).policy().json());
            // the same StatementId again replaces that statement in place (AWS: test_put_permission, LocalStack's
            // AWS-recorded tests/aws/services/events/test_events.snapshot.json)
            router.putPermission(CENTRAL, "purple", "events:PutEvents", BLUE, null);
            assertEquals(List.of("purple", "org"), router.eventBus(CENTRAL).policy().statements().stream()
                .map(s -> s.sid()).toList());
            assertTrue(router.eventBus(CENTRAL).policy().json().contains("\"Sid\":\"purple\",\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":\"arn:aws:iam::" + BLUE + ":root\"}"));
            router.putPermission(CENTRAL, "purple", "events:PutEvents", PURPLE, null);
            assertEquals("Principal=12: must be a 12-digit account id or *", assertThrows(
                IllegalArgumentException.class, () -> router.putPermission(CENTRAL, "x", "events:PutEvents", "12",
                    null)).getMessage());
            assertEquals("StatementId=a b: must be 1-64 letters, digits, '-' or '_'", assertThrows(
                IllegalArgumentException.class, () -> router.putPermission(CENTRAL, "a b", "events:PutEvents",
                    PURPLE, null)).getMessage());
            assertEquals("Condition.Value=org-1: must be an organization id (o- and 10-32 lowercase letters or "
                + "digits)", assertThrows(IllegalArgumentException.class, () -> router.putPermission(CENTRAL, "y",
                    "events:PutEvents", "*", "org-1")).getMessage());
            // only the bus's account manages its policy
            assertThrows(AccessDeniedException.class, () -> router.as(Principal.account(PURPLE))
                .putPermission(CENTRAL, "me", "events:PutEvents", PURPLE, null));
            final Caller purple = router.as(Principal.account(PURPLE));
            assertEquals("accepted", describe(purple.putEvents(List.of(entry("s", "d", CENTRAL))).entries().get(0)));
            router.removePermission(CENTRAL, "purple");
            assertEquals("AccessDeniedException", purple.putEvents(List.of(entry("s", "d", CENTRAL))).entries().get(0)
                .error().code());
            assertEquals("Statement with the provided id does not exist. (StatementId=purple, event bus " + CENTRAL
                + ")",
                assertThrows(IllegalArgumentException.class, () -> router.removePermission(CENTRAL, "purple"))
                    .getMessage());
            router.removeAllPermissions(CENTRAL);
            assertNull(router.eventBus(CENTRAL).policy());
            // buses: created in the caller's account, deleted only by it
            assertEquals("arn:aws:events:us-east-1:222222222222:event-bus/extra", purple.createEventBus("extra").arn());
            assertThrows(AccessDeniedException.class, () -> router.as(Principal.account(BLUE))
                .deleteEventBus("arn:aws:events:us-east-1:222222222222:event-bus/extra"));
            purple.deleteEventBus("extra");
            assertThrows(IllegalArgumentException.class, () -> purple.eventBus("extra"));
        }
    }

    @Test
    void shouldTagBusesAndRulesAndFeedResourceTagConditions() {
        try (Router router = start()) {
            router.putPolicy(CENTRAL, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"All\",\"Effect\":"
                + "\"Allow\",\"Principal\":{\"AWS\":\"" + PURPLE + "\"},\"Action\":\"events:*\",\"Resource\":\"*\"},"
                + "{\"Sid\":\"Frozen\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":[\"events:PutEvents\","
                + "\"events:DeleteRule\"],\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:ResourceTag/frozen\":"
                + "\"true\"}}}]}");
            final Caller purple = router.as(Principal.account(PURPLE));
            router.tagResource(CENTRAL, Map.of("frozen", "true", "team", "devops"));
            assertEquals(Map.of("frozen", "true", "team", "devops"), Map.copyOf(router.listTagsForResource(CENTRAL)));
            assertTrue(purple.putEvents(List.of(entry("s", "d", CENTRAL))).entries().get(0).error().message()
                .endsWith("with an explicit deny in a resource-based policy"));
            router.untagResource(CENTRAL, List.of("FROZEN"));
            assertEquals(Map.of("team", "devops"), Map.copyOf(router.listTagsForResource(CENTRAL)));
            assertEquals("accepted", describe(purple.putEvents(List.of(entry("s", "d", CENTRAL))).entries().get(0)));
            // a rule's tags are the resource tags of calls on that rule
            final String rule = purple.putRule(new Rule("r", CENTRAL, "{\"source\":[\"s\"]}", null, null));
            purple.tagResource(rule, Map.of("frozen", "true"));
            assertEquals(Map.of("frozen", "true"), Map.copyOf(purple.listTagsForResource(rule)));
            assertThrows(AccessDeniedException.class, () -> purple.deleteRule(CENTRAL, "r"));
            purple.untagResource(rule, List.of("frozen"));
            purple.deleteRule(CENTRAL, "r");
            assertEquals("resource " + CENTRAL + ": tag key 'aws:x': the aws: prefix is reserved", assertThrows(
                IllegalArgumentException.class, () -> router.tagResource(CENTRAL, Map.of("aws:x", "1")))
                .getMessage());
            assertEquals("ResourceARN=devops: must be the ARN of an event bus or rule", assertThrows(
                IllegalArgumentException.class, () -> router.tagResource("devops", Map.of("a", "1"))).getMessage());
        }
    }

    @Test
    void shouldRequireTheSendersAccountInARawEnvelope() {
        try (Router router = start()) {
            router.putPolicy(CENTRAL, SLIDE_56);
            final Caller purple = router.as(Principal.account(PURPLE));
            final String envelope = "{\"version\":\"0\",\"id\":\"1\",\"detail-type\":\"E2\",\"source\":"
                + "\"com.purple-service.context\",\"account\":\"%s\",\"time\":\"2026-12-02T10:00:00Z\","
                + "\"region\":\"us-east-1\",\"resources\":[],\"detail\":{}}";
            final byte[] own = String.format(envelope, PURPLE).getBytes(StandardCharsets.UTF_8);
            assertTrue(purple.publish(CENTRAL, own, 0, own.length));
            final byte[] forged = String.format(envelope, DEVOPS).getBytes(StandardCharsets.UTF_8);
            assertEquals("event account 111111111111 is not the caller's account 222222222222 (the account field of "
                + "an event is its sender's)", assertThrows(AccessDeniedException.class,
                    () -> purple.publish(CENTRAL, forged, 0, forged.length)).getMessage());
            final byte[] e1 = String.format(envelope, PURPLE).replace("E2", "E1").getBytes(StandardCharsets.UTF_8);
            assertThrows(AccessDeniedException.class, () -> purple.publish(CENTRAL, e1, 0, e1.length));
            // the match stage counts what it takes off the ring: drain first
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(1, router.eventBus(CENTRAL).metrics().published());
        }
    }
}
