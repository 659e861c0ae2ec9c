package dev.eventrouter.bench;

import dev.eventrouter.auth.Authorizer;
import dev.eventrouter.auth.Organizations;
import dev.eventrouter.auth.PolicyDocument;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.auth.RequestContext;
import dev.eventrouter.bus.Caller;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: does authorizing cross-account PutEvents slow the caller down? One operation is one PutEvents call of one
 * small entry to a bus of 10 rules, as {@code caller}:
 * <ul>
 *   <li>{@code owner}: the unscoped API (the bus's account, no policy evaluated): the baseline;</li>
 *   <li>{@code ownerCaller}: the bus's account through {@code router.as(...)} (the policy is evaluated for a Deny);</li>
 *   <li>{@code crossAccount}: another account, allowed by the third statement of a bus policy whose statements test
 *       {@code events:source}, {@code events:detail-type}, {@code aws:PrincipalOrgID} and a principal tag.</li>
 * </ul>
 * Goal (issue 11): {@code crossAccount} at no less than 0.9x of {@code owner} in the same run. {@link #authorize}
 * measures the authorization step alone (reset the request, decide), which must be 0 B/op under {@code -prof gc}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class CrossAccountPutEventsBenchmark {
    static final String OWNER = "111111111111";
    static final String SENDER = "222222222222";
    static final String BUS = "arn:aws:events:us-east-1:" + OWNER + ":event-bus/central";
    static final String POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":["
        + "{\"Sid\":\"Orange\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444444444444\"},"
        + "\"Action\":\"events:PutEvents\",\"Resource\":\"" + BUS + "\",\"Condition\":{\"StringEquals\":"
        + "{\"events:source\":\"com.orange.service\"}}},"
        + "{\"Sid\":\"NoStaging\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"events:*\",\"Resource\":\"*\","
        + "\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/environment\":\"staging\"}}},"
        + "{\"Sid\":\"OrgPurple\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"events:PutEvents\","
        + "\"Resource\":\"" + BUS + "\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-a1b2c3d4e5\","
        + "\"aws:PrincipalTag/environment\":\"production\"},\"StringLike\":{\"events:source\":\"com.purple.*\"},"
        + "\"ForAnyValue:StringEquals\":{\"events:detail-type\":[\"E1\",\"E2\",\"E3\"]}}}]}";
    private static final int ENTRIES = 1_024;

    @Param({"owner", "ownerCaller", "crossAccount"})
    public String caller;

    private Router router;
    private Caller sender;
    private final List<List<PutEventsEntry>> calls = new ArrayList<>();
    private int next;
    private PolicyDocument policy;
    private Principal principal;
    private final RequestContext request = new RequestContext();
    private Map<String, String> tags;

    @Setup
    public void setUp() {
        router = Router.start(new RouterContext().account(OWNER).maxEventBytes(64 * 1024)
            .handoffBytes(16384 * 2048));
        router.createEventBus(BUS);
        router.putPolicy(BUS, POLICY);
        router.organizations(Organizations.builder().organization("o-a1b2c3d4e5", List.of(SENDER))
            .tagAccount(SENDER, Map.of("environment", "production")).build());
        for (int r = 0; r < 10; r++) {
            router.putRule(new Rule("r" + r, BUS, "{\"source\":[\"com.purple.service" + r + "\"],\"detail-type\":"
                + "[\"E2\"]}", null, null));
            router.putTargets(BUS, "r" + r, List.of(Target.handler("noop", delivery -> { })));
        }
        sender = router.as(Principal.account("ownerCaller".equals(caller) ? OWNER : SENDER));
        for (int i = 0; i < ENTRIES; i++) {
            calls.add(List.of(PutEventsEntry.of("com.purple.service" + (i % 10), "E2", "{\"order\":" + i + "}")
                .withEventBusName(BUS)));
        }
        policy = PolicyDocument.parse(POLICY).boundTo(BUS);
        principal = sender.resolved();
        tags = router.eventBus(BUS).tags();
        final PutEventsResult first = "owner".equals(caller) ? router.putEvents(calls.get(0))
            : sender.putEvents(calls.get(0));
        if (first.failedEntryCount() != 0) {
            throw new IllegalStateException("the benchmark's entry is refused: " + first.entries());
        }
    }

    @TearDown
    public void tearDown() {
        router.close(Duration.ofSeconds(30));
    }

    @Benchmark
    public PutEventsResult putEvents() {
        final List<PutEventsEntry> call = calls.get(next);
        next = next + 1 == ENTRIES ? 0 : next + 1;
        return "owner".equals(caller) ? router.putEvents(call) : sender.putEvents(call);
    }

    /** The authorization step of one entry, as the router does it. */
    @Benchmark
    public int authorize() {
        final PutEventsEntry entry = calls.get(next).get(0);
        next = next + 1 == ENTRIES ? 0 : next + 1;
        request.reset(principal, "events:PutEvents", BUS).source(entry.source()).detailType(entry.detailType())
            .eventBusInvocation(false).resourceTags(tags);
        return Authorizer.decide(policy, OWNER, request, 0);
    }
}
