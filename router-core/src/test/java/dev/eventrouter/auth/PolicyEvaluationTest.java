package dev.eventrouter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operator, key, set prefix and IfExists, allowed and denied, against IAM's evaluation rules. Each row is a
 * one-statement Allow policy on a bus of account 111111111111, called by account 222222222222 (so only the policy
 * can allow) unless the row says otherwise. Expected values follow the IAM User Guide's condition-operator and
 * multivalued-key pages and the EventBridge guide's eb-use-conditions page.
 */
class PolicyEvaluationTest {
    static final String OWNER = "111111111111";
    static final String OTHER = "222222222222";
    static final String BUS = "arn:aws:events:us-east-1:" + OWNER + ":event-bus/central";
    static final String RULE = "arn:aws:events:us-east-1:" + OWNER + ":rule/central/r1";
    static final Principal CALLER = new Principal(OTHER, "arn:aws:iam::" + OTHER + ":role/publisher", "o-abcdefghij",
        Map.of("environment", "production", "team", "purple"), null);

    static Arguments row(final String name, final String condition, final Consumer<RequestContext> keys,
                         final boolean allowed) {
        return Arguments.of(name, condition, keys, allowed);
    }

    static Consumer<RequestContext> src(final String... values) {
        return c -> {
            for (String v : values) {
                c.source(v);
            }
        };
    }

    static Stream<Arguments> rows() {
        final List<Arguments> rows = new ArrayList<>();
        final Consumer<RequestContext> none = c -> { };
        // StringEquals and friends on a single value
        rows.add(row("StringEquals match", "{\"StringEquals\":{\"events:source\":\"a.b\"}}", src("a.b"), true));
        rows.add(row("StringEquals is case-sensitive", "{\"StringEquals\":{\"events:source\":\"A.B\"}}", src("a.b"),
            false));
        rows.add(row("StringEquals values are ORed", "{\"StringEquals\":{\"events:source\":[\"x\",\"a.b\"]}}",
            src("a.b"), true));
        rows.add(row("StringEquals missing key denies", "{\"StringEquals\":{\"events:source\":\"a.b\"}}", none,
            false));
        rows.add(row("StringEqualsIfExists missing key allows",
            "{\"StringEqualsIfExists\":{\"events:source\":\"a.b\"}}", none, true));
        rows.add(row("StringEqualsIfExists present key still tested",
            "{\"StringEqualsIfExists\":{\"events:source\":\"a.b\"}}", src("c"), false));
        rows.add(row("StringNotEquals other value", "{\"StringNotEquals\":{\"events:source\":\"a.b\"}}", src("c"),
            true));
        rows.add(row("StringNotEquals same value", "{\"StringNotEquals\":{\"events:source\":\"a.b\"}}", src("a.b"),
            false));
        rows.add(row("StringNotEquals missing key is true", "{\"StringNotEquals\":{\"events:source\":\"a.b\"}}", none,
            true));
        rows.add(row("StringEqualsIgnoreCase", "{\"StringEqualsIgnoreCase\":{\"events:source\":\"A.B\"}}",
            src("a.b"), true));
        rows.add(row("StringEqualsIgnoreCase other", "{\"StringEqualsIgnoreCase\":{\"events:source\":\"A.C\"}}",
            src("a.b"), false));
        rows.add(row("StringNotEqualsIgnoreCase same", "{\"StringNotEqualsIgnoreCase\":{\"events:source\":\"A.B\"}}",
            src("a.b"), false));
        rows.add(row("StringNotEqualsIgnoreCase other",
            "{\"StringNotEqualsIgnoreCase\":{\"events:source\":\"A.C\"}}", src("a.b"), true));
        rows.add(row("StringLike star", "{\"StringLike\":{\"events:source\":\"com.purple.*\"}}",
            src("com.purple.service"), true));
        rows.add(row("StringLike star other", "{\"StringLike\":{\"events:source\":\"com.purple.*\"}}",
            src("com.orange.service"), false));
        rows.add(row("StringLike question mark", "{\"StringLike\":{\"events:detail-type\":\"E?\"}}",
            c -> c.detailType("E2"), true));
        rows.add(row("StringLike question mark is one char", "{\"StringLike\":{\"events:detail-type\":\"E?\"}}",
            c -> c.detailType("E22"), false));
        rows.add(row("StringNotLike", "{\"StringNotLike\":{\"events:source\":\"aws.*\"}}", src("com.x"), true));
        rows.add(row("StringNotLike matching", "{\"StringNotLike\":{\"events:source\":\"aws.*\"}}", src("aws.ec2"),
            false));
        // multivalued keys (PutRule patterns): plain operators need every value; set prefixes
        rows.add(row("plain StringEquals over two values denies (EventBridge guide)",
            "{\"StringEquals\":{\"events:source\":\"aws.ec2\"}}", src("aws.ec2", "aws.s3"), false));
        rows.add(row("ForAllValues all in list", "{\"ForAllValues:StringEquals\":{\"events:source\":"
            + "[\"aws.ec2\",\"aws.s3\"]}}", src("aws.ec2", "aws.s3"), true));
        rows.add(row("ForAllValues one outside", "{\"ForAllValues:StringEquals\":{\"events:source\":[\"aws.ec2\"]}}",
            src("aws.ec2", "aws.s3"), false));
        rows.add(row("ForAllValues missing key is vacuously true",
            "{\"ForAllValues:StringEquals\":{\"events:source\":[\"aws.ec2\"]}}", none, true));
        rows.add(row("ForAnyValue one inside", "{\"ForAnyValue:StringEquals\":{\"events:source\":[\"aws.s3\"]}}",
            src("aws.ec2", "aws.s3"), true));
        rows.add(row("ForAnyValue none inside", "{\"ForAnyValue:StringEquals\":{\"events:source\":[\"x\"]}}",
            src("aws.ec2", "aws.s3"), false));
        rows.add(row("ForAnyValue missing key denies", "{\"ForAnyValue:StringEquals\":{\"events:source\":[\"x\"]}}",
            none, false));
        rows.add(row("ForAnyValue...IfExists missing key allows",
            "{\"ForAnyValue:StringEqualsIfExists\":{\"events:source\":[\"x\"]}}", none, true));
        rows.add(row("ForAllValues:StringLike", "{\"ForAllValues:StringLike\":{\"events:source\":\"aws.*\"}}",
            src("aws.ec2", "aws.s3"), true));
        rows.add(row("ForAllValues:StringNotEquals", "{\"ForAllValues:StringNotEquals\":{\"events:source\":"
            + "\"aws.s3\"}}", src("aws.ec2", "aws.s3"), false));
        rows.add(row("pattern values that are not exact never equal",
            "{\"ForAllValues:StringEquals\":{\"events:source\":\"aws.ec2\"}}", src("aws.ec2",
                RequestContext.UNBOUNDED), false));
        // Null
        rows.add(row("Null false: present", "{\"Null\":{\"events:source\":\"false\"}}", src("x"), true));
        rows.add(row("Null false: absent", "{\"Null\":{\"events:source\":\"false\"}}", none, false));
        rows.add(row("Null true: absent", "{\"Null\":{\"events:source\":\"true\"}}", none, true));
        rows.add(row("Null true: present", "{\"Null\":{\"events:source\":\"true\"}}", src("x"), false));
        // Bool
        rows.add(row("Bool true", "{\"Bool\":{\"events:eventBusInvocation\":\"true\"}}",
            c -> c.eventBusInvocation(true), true));
        rows.add(row("Bool false vs true", "{\"Bool\":{\"events:eventBusInvocation\":\"true\"}}",
            c -> c.eventBusInvocation(false), false));
        rows.add(row("Bool JSON boolean", "{\"Bool\":{\"events:eventBusInvocation\":false}}",
            c -> c.eventBusInvocation(false), true));
        rows.add(row("Bool missing", "{\"Bool\":{\"events:eventBusInvocation\":\"true\"}}", none, false));
        rows.add(row("BoolIfExists missing", "{\"BoolIfExists\":{\"events:eventBusInvocation\":\"true\"}}", none,
            true));
        // ARNs
        final Consumer<RequestContext> fromRule = c -> c.sourceRule(
            "arn:aws:events:us-west-2:" + OTHER + ":rule/CrossRegionBus/Send", OTHER);
        rows.add(row("ArnEquals", "{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:events:us-west-2:" + OTHER
            + ":rule/CrossRegionBus/Send\"}}", fromRule, true));
        rows.add(row("ArnEquals other rule", "{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:events:us-west-2:" + OTHER
            + ":rule/CrossRegionBus/Other\"}}", fromRule, false));
        rows.add(row("ArnLike region wildcard (EventBridge guide)",
            "{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:events:us-west-2:*:*\"}}", fromRule, true));
        rows.add(row("ArnLike wildcard does not span parts",
            "{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:events:*:rule/*\"}}", fromRule, false));
        rows.add(row("ArnLike other region", "{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:events:eu-west-1:*:*\"}}",
            fromRule, false));
        rows.add(row("ArnNotEquals", "{\"ArnNotEquals\":{\"aws:SourceArn\":\"arn:aws:events:us-west-2:" + OTHER
            + ":rule/CrossRegionBus/Other\"}}", fromRule, true));
        rows.add(row("ArnNotLike", "{\"ArnNotLike\":{\"aws:SourceArn\":\"arn:aws:events:us-west-2:*:*\"}}",
            fromRule, false));
        rows.add(row("aws:SourceAccount", "{\"StringEquals\":{\"aws:SourceAccount\":\"" + OTHER + "\"}}", fromRule,
            true));
        rows.add(row("aws:SourceAccount missing", "{\"StringEquals\":{\"aws:SourceAccount\":\"" + OTHER + "\"}}",
            none, false));
        rows.add(row("events:TargetArn ForAllValues:ArnLike", "{\"ForAllValues:ArnLike\":{\"events:TargetArn\":"
            + "\"arn:aws:events:*:" + OTHER + ":event-bus/*\"}}", c -> c.targetArns(List.of(
                "arn:aws:events:us-east-1:" + OTHER + ":event-bus/a", "arn:aws:events:eu-west-1:" + OTHER
                    + ":event-bus/b")), true));
        rows.add(row("events:TargetArn one elsewhere", "{\"ForAllValues:ArnLike\":{\"events:TargetArn\":"
            + "\"arn:aws:events:*:" + OTHER + ":event-bus/*\"}}", c -> c.targetArns(List.of(
                "arn:aws:events:us-east-1:" + OWNER + ":event-bus/a")), false));
        // principal keys
        rows.add(row("aws:PrincipalOrgID", "{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-abcdefghij\"}}", none,
            true));
        rows.add(row("aws:PrincipalOrgID other", "{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-zzzzzzzzzz\"}}", none,
            false));
        rows.add(row("aws:PrincipalAccount", "{\"StringEquals\":{\"aws:PrincipalAccount\":\"" + OTHER + "\"}}", none,
            true));
        rows.add(row("aws:PrincipalArn like", "{\"ArnLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::" + OTHER
            + ":role/pub*\"}}", none, true));
        rows.add(row("aws:PrincipalArn other role", "{\"ArnLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::" + OTHER
            + ":role/admin\"}}", none, false));
        rows.add(row("aws:PrincipalTag", "{\"StringEquals\":{\"aws:PrincipalTag/environment\":\"production\"}}", none,
            true));
        rows.add(row("aws:PrincipalTag key is case-insensitive",
            "{\"StringEquals\":{\"aws:PrincipalTag/Environment\":\"production\"}}", none, true));
        rows.add(row("aws:PrincipalTag other value",
            "{\"StringEquals\":{\"aws:PrincipalTag/environment\":\"staging\"}}", none, false));
        rows.add(row("aws:PrincipalTag missing tag", "{\"StringEquals\":{\"aws:PrincipalTag/cost\":\"x\"}}", none,
            false));
        rows.add(row("aws:ResourceTag", "{\"StringEquals\":{\"aws:ResourceTag/stage\":\"prod\"}}",
            c -> c.resourceTags(Map.of("stage", "prod")), true));
        rows.add(row("aws:ResourceTag missing", "{\"StringEquals\":{\"aws:ResourceTag/stage\":\"prod\"}}", none,
            false));
        rows.add(row("events:creatorAccount with a policy variable",
            "{\"StringEquals\":{\"events:creatorAccount\":\"${aws:PrincipalAccount}\"}}",
            c -> c.creatorAccount(OTHER), true));
        rows.add(row("events:creatorAccount of someone else",
            "{\"StringEquals\":{\"events:creatorAccount\":\"${aws:PrincipalAccount}\"}}",
            c -> c.creatorAccount(OWNER), false));
        rows.add(row("variable inside a value", "{\"StringLike\":{\"events:source\":\"com.${aws:PrincipalTag/team}.*\"}}",
            src("com.purple.orders"), true));
        rows.add(row("variable of a missing key never matches",
            "{\"StringEquals\":{\"events:source\":\"${aws:PrincipalTag/missing}\"}}", src(""), false));
        rows.add(row("events:detail.service", "{\"StringEquals\":{\"events:detail.service\":\"EC2\"}}",
            c -> c.detail("service", "EC2"), true));
        rows.add(row("events:ManagedBy is never present", "{\"Null\":{\"events:ManagedBy\":\"true\"}}", none, true));
        // several keys are ANDed, several operators too
        rows.add(row("two keys ANDed: both", "{\"StringEquals\":{\"events:source\":\"s\",\"events:detail-type\":"
            + "\"d\"}}", c -> c.source("s").detailType("d"), true));
        rows.add(row("two keys ANDed: one fails", "{\"StringEquals\":{\"events:source\":\"s\","
            + "\"events:detail-type\":\"d\"}}", c -> c.source("s").detailType("x"), false));
        rows.add(row("key names are case-insensitive", "{\"StringEquals\":{\"EVENTS:SOURCE\":\"s\"}}", src("s"),
            true));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldDecideEachRow(final String name, final String condition, final Consumer<RequestContext> keys,
                             final boolean allowed) {
        final PolicyDocument policy = PolicyDocument.parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"S\","
            + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + OTHER + "\"},\"Action\":\"events:PutEvents\","
            + "\"Resource\":\"" + BUS + "\",\"Condition\":" + condition + "}]}");
        final RequestContext ctx = new RequestContext().reset(CALLER, "events:PutEvents", BUS);
        keys.accept(ctx);
        final int decision = Authorizer.decide(policy, OWNER, ctx, 0);
        assertEquals(allowed, Authorizer.allowed(decision), name + ": " + Authorizer.explain(decision, policy, null));
        assertEquals(allowed ? Authorizer.ALLOW_RESOURCE : Authorizer.DENY_NO_ALLOW, Authorizer.outcome(decision));
    }

    static PolicyDocument policy(final String statements) {
        return PolicyDocument.parse("{\"Version\":\"2012-10-17\",\"Statement\":[" + statements + "]}");
    }

    static int decide(final PolicyDocument policy, final Principal caller, final String action,
                      final String resource) {
        return Authorizer.decide(policy, OWNER, new RequestContext().reset(caller, action, resource), 0);
    }

    @Test
    void shouldLetAnExplicitDenyWinOverAnAllowWhateverTheOrder() {
        final String allow = "{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"events:*\","
            + "\"Resource\":\"*\"}";
        final String deny = "{\"Sid\":\"D\",\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"" + OTHER + "\"},"
            + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + BUS + "\"}";
        for (PolicyDocument p : List.of(policy(allow + "," + deny), policy(deny + "," + allow))) {
            final int d = decide(p, CALLER, "events:PutEvents", BUS);
            assertEquals(Authorizer.DENY_RESOURCE, Authorizer.outcome(d));
            assertEquals("D", p.statements().get(Authorizer.statement(d)).sid());
            assertEquals("User: arn:aws:iam::222222222222:role/publisher is not authorized to perform: "
                + "events:PutEvents on resource: " + BUS + " with an explicit deny in a resource-based policy",
                Authorizer.message(d, new RequestContext().reset(CALLER, "events:PutEvents", BUS)));
            // the owner's account is denied too: a Deny binds everyone it names
            assertEquals(Authorizer.ALLOW_OWNER, Authorizer.outcome(decide(p, Principal.account(OWNER),
                "events:PutEvents", BUS)));
        }
        final PolicyDocument denyOwner = policy(deny.replace(OTHER, OWNER));
        assertEquals(Authorizer.DENY_RESOURCE, Authorizer.outcome(decide(denyOwner, Principal.account(OWNER),
            "events:PutEvents", BUS)));
    }

    @Test
    void shouldMatchActionsAndResourcesWithWildcards() {
        final PolicyDocument p = policy("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"events:Put*\","
            + "\"events:Describe?ule\"],\"Resource\":\"arn:aws:events:us-east-1:" + OWNER + ":rule/central/*\"}");
        assertTrue(Authorizer.allowed(decide(p, CALLER, "events:PutRule", RULE)));
        assertTrue(Authorizer.allowed(decide(p, CALLER, "EVENTS:putTargets", RULE)), "actions are case-insensitive");
        assertTrue(Authorizer.allowed(decide(p, CALLER, "events:DescribeRule", RULE)));
        assertEquals(false, Authorizer.allowed(decide(p, CALLER, "events:DeleteRule", RULE)));
        assertEquals(false, Authorizer.allowed(decide(p, CALLER, "events:PutRule",
            "arn:aws:events:us-east-1:" + OWNER + ":rule/other/r1")));
        final PolicyDocument not = policy("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotAction\":\"events:Delete*\","
            + "\"NotResource\":\"arn:aws:events:*:*:rule/central/secret\"}");
        assertTrue(Authorizer.allowed(decide(not, CALLER, "events:PutRule", RULE)));
        assertEquals(false, Authorizer.allowed(decide(not, CALLER, "events:DeleteRule", RULE)));
        assertEquals(false, Authorizer.allowed(decide(not, CALLER, "events:PutRule",
            "arn:aws:events:us-east-1:" + OWNER + ":rule/central/secret")));
    }

    @Test
    void shouldMatchPrincipalsByAccountRootArnRoleAndSession() {
        final Principal session = Principal.of("arn:aws:sts::" + OTHER + ":assumed-role/publisher/session-1");
        final Principal otherRole = Principal.of("arn:aws:iam::" + OTHER + ":role/other");
        for (String who : List.of("\"" + OTHER + "\"", "\"arn:aws:iam::" + OTHER + ":root\"")) {
            final PolicyDocument p = policy("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":" + who + "},"
                + "\"Action\":\"events:PutEvents\",\"Resource\":\"*\"}");
            assertTrue(Authorizer.allowed(decide(p, session, "events:PutEvents", BUS)), who);
            assertTrue(Authorizer.allowed(decide(p, otherRole, "events:PutEvents", BUS)), who);
        }
        final PolicyDocument role = policy("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" + OTHER
            + ":role/publisher\"},\"Action\":\"events:PutEvents\",\"Resource\":\"*\"}");
        assertTrue(Authorizer.allowed(decide(role, session, "events:PutEvents", BUS)));
        assertTrue(Authorizer.allowed(decide(role, CALLER, "events:PutEvents", BUS)));
        assertEquals(false, Authorizer.allowed(decide(role, otherRole, "events:PutEvents", BUS)));
        final PolicyDocument notPrincipal = policy("{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"" + OWNER
            + "\"},\"Action\":\"events:*\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Principal\":\"*\","
            + "\"Action\":\"events:*\",\"Resource\":\"*\"}");
        assertEquals(Authorizer.DENY_RESOURCE, Authorizer.outcome(decide(notPrincipal, CALLER, "events:PutEvents",
            BUS)));
        final PolicyDocument service = policy("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
            + "\"events.amazonaws.com\"},\"Action\":\"events:PutEvents\",\"Resource\":\"*\"}");
        assertEquals(false, Authorizer.allowed(decide(service, CALLER, "events:PutEvents", BUS)));
    }

    @Test
    void shouldCombineIdentityAndResourcePoliciesAsIamDoes() {
        final PolicyDocument bus = policy("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + OTHER + "\"},"
            + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + BUS + "\"}");
        final PolicyDocument onlyRules = PolicyDocument.parseIdentity("{\"Version\":\"2012-10-17\",\"Statement\":"
            + "{\"Effect\":\"Allow\",\"Action\":\"events:PutRule\",\"Resource\":\"*\"}}");
        final Principal limited = CALLER.withIdentityPolicy(onlyRules);
        assertEquals(Authorizer.DENY_NO_IDENTITY_ALLOW, Authorizer.outcome(decide(bus, limited, "events:PutEvents",
            BUS)));
        assertEquals(Authorizer.ALLOW_RESOURCE, Authorizer.outcome(decide(bus, CALLER, "events:PutEvents", BUS)));
        final Principal ownerLimited = Principal.account(OWNER).withIdentityPolicy(onlyRules);
        assertEquals(Authorizer.ALLOW_IDENTITY, Authorizer.outcome(decide(null, ownerLimited, "events:PutRule",
            RULE)));
        assertEquals(Authorizer.DENY_NO_ALLOW, Authorizer.outcome(decide(null, ownerLimited, "events:PutEvents",
            BUS)));
        final Principal ownerDenied = Principal.account(OWNER).withIdentityPolicy(PolicyDocument.parseIdentity(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"events:*\",\"Resource\":"
                + "\"*\"}]}"));
        assertEquals(Authorizer.DENY_IDENTITY, Authorizer.outcome(decide(null, ownerDenied, "events:PutEvents",
            BUS)));
    }

    @Test
    void shouldRejectInvalidDocumentsNamingTheStatementAndField() {
        final String ok = "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"events:PutEvents\","
            + "\"Resource\":\"*\"";
        final Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"Version\":\"2012-10-17\",\"Statement\":[{" + ok + "},{\"Sid\":\"X\",\"Effect\":\"allow\","
            + "\"Principal\":\"*\",\"Action\":\"events:PutEvents\",\"Resource\":\"*\"}]}",
            "Statement[1] (Sid=X): Effect must be \"Allow\" or \"Deny\", got \"allow\"");
        cases.put("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"events:PutEvents\",\"Resource\":\"*\"}}",
            "Statement[0]: Principal is required in a resource-based policy");
        cases.put("{\"Statement\":{" + ok + ",\"Condition\":{\"NumericLessThan\":{\"events:source\":\"1\"}}}}",
            "Statement[0]: Condition.NumericLessThan: operator 'NumericLessThan' is not supported");
        cases.put("{\"Statement\":{" + ok + ",\"Condition\":{\"StringEquals\":{\"events:sauce\":\"1\"}}}}",
            "Statement[0]: Condition.StringEquals: unknown condition key 'events:sauce'");
        cases.put("{\"Statement\":{" + ok.replace("events:PutEvents", "PutEvents") + "}}",
            "Statement[0]: Action 'PutEvents' must be service:action");
        cases.put("{\"Statement\":{" + ok.replace("\"Resource\":\"*\"", "\"Resource\":\"bus\"") + "}}",
            "Statement[0]: Resource 'bus' must be an ARN");
        cases.put("{\"Statement\":{" + ok.replace("\"Principal\":\"*\"", "\"Principal\":{\"AWS\":\"12345\"}") + "}}",
            "Statement[0]: Principal.AWS: '12345' must be *, a 12-digit account id or an IAM ARN");
        cases.put("{\"Statement\":[{\"Sid\":\"A\"," + ok + "},{\"Sid\":\"A\"," + ok + "}]}",
            "Statement[1] (Sid=A): Sid is not unique");
        cases.put("{\"Statement\":{" + ok + ",\"Resources\":\"*\"}}", "Statement[0]: unknown field 'Resources'");
        cases.put("{\"Version\":\"2021-01-01\",\"Statement\":{" + ok + "}}", "Policy: Version must be");
        cases.put("{\"Statement\":[]}", "Policy: Statement must be an object or a non-empty array");
        cases.put("{\"Statement\":{" + ok + ",\"Condition\":{\"Null\":{\"events:source\":\"maybe\"}}}}",
            "Statement[0]: Condition.Null.events:source: values must be true or false, got 'maybe'");
        cases.put("{\"Statement\":{" + ok + ",\"Condition\":{\"StringEquals\":{\"events:source\":[]}}}}",
            "Statement[0]: Condition.StringEquals.events:source: must not be an empty list");
        cases.put("{\"Statement\": {", "Policy: not valid JSON at line 1");
        cases.forEach((json, message) -> {
            final InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> PolicyDocument.parse(json),
                json);
            assertTrue(e.getMessage().startsWith(message), e.getMessage());
            assertEquals("MalformedPolicyDocumentException", e.errorCode());
        });
        final String big = "{\"Statement\":{" + ok + ",\"Sid\":\"" + "x".repeat(PolicyDocument.MAX_CHARS) + "\"}}";
        final InvalidPolicyException tooLong = assertThrows(InvalidPolicyException.class,
            () -> PolicyDocument.parse(big));
        assertEquals("PolicyLengthExceededException", tooLong.errorCode());
        assertEquals("Policy: is " + big.length() + " characters; the limit is 10240", tooLong.getMessage());
    }

    @Test
    void shouldNotAllocateWhenDeciding() {
        final PolicyDocument p = policy("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + OTHER + "\"},"
            + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + BUS + "\",\"Condition\":{\"StringEquals\":"
            + "{\"events:source\":\"com.purple\",\"aws:PrincipalOrgID\":\"o-abcdefghij\"},\"StringLike\":"
            + "{\"events:detail-type\":\"E*\",\"events:creatorAccount\":\"${aws:PrincipalAccount}*\"}}}");
        final RequestContext ctx = new RequestContext();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int allowed = 0;
        for (int i = 0; i < 20_000; i++) { // warm up, then measure
            ctx.reset(CALLER, "events:PutEvents", BUS).source("com.purple").detailType("E2").creatorAccount(OTHER);
            allowed += Authorizer.allowed(Authorizer.decide(p, OWNER, ctx, 0)) ? 1 : 0;
        }
        // the least of five rounds: one allocation per decision would show in every round as 160,000+ bytes;
        // a JIT transition or the MXBean's own first use shows in one round only
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                ctx.reset(CALLER, "events:PutEvents", BUS).source("com.purple").detailType("E2")
                    .creatorAccount(OTHER);
                allowed += Authorizer.allowed(Authorizer.decide(p, OWNER, ctx, 0)) ? 1 : 0;
            }
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(70_000, allowed);
        assertTrue(least < 1_000, "allocated " + least + " bytes in 10,000 decisions");
    }
}
