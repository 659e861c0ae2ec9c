package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.persist.archive.ArchiveStage;
import dev.eventrouter.persist.replay.ReplayAgent;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.EventBridgeException;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;

/** CreateArchive ... CancelReplay through the real SDK client, on a router with an archive stage on its ring. */
@Timeout(120)
class ArchiveOverHttpTest {
    static final String BUS = "arn:aws:events:us-east-1:111111111111:event-bus/default";

    @TempDir
    Path dir;

    private Router router;
    private ReplayAgent replays;
    private EventsServer server;
    private EventBridgeClient client;

    @BeforeEach
    void setUp() {
        final ArchiveStage archives = new ArchiveStage();
        router = Router.start(new RouterContext().account("111111111111").publishTimeout(Duration.ZERO)
            .addStage(archives));
        replays = ReplayAgent.start(router, System::currentTimeMillis, 2);
        server = EventsServer.start(router, new InetSocketAddress("127.0.0.1", 0), new Credentials(Map.of(
            "AKIAARCHIVE000000001", new Credentials.Entry("secret", Principal.account("111111111111")))),
            Principal.account("111111111111"), Clock.systemUTC(), 2);
        server.serveArchives(archives, replays, dir);
        client = EventBridgeClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
            .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create()).credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAARCHIVE000000001", "secret")))
            .build();
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.close();
        replays.close();
        router.close(Duration.ofSeconds(10));
    }

    private static void await(final BooleanSupplier condition, final String what) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "gave up waiting for " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void shouldArchiveAndReplayThroughTheApi() {
        final List<String> got = new CopyOnWriteArrayList<>();
        server.bindTarget("arn:aws:sqs:us-east-1:111111111111:q", d -> got.add(d.payloadAsString()));
        client.putRule(r -> r.name("orders").eventPattern("{\"source\":[\"shop\"]}"));
        client.putTargets(r -> r.rule("orders").targets(t -> t.id("q").arn("arn:aws:sqs:us-east-1:111111111111:q")));
        final var created = client.createArchive(r -> r.archiveName("all").eventSourceArn(BUS)
            .description("everything").retentionDays(0));
        assertEquals("arn:aws:events:us-east-1:111111111111:archive/all", created.archiveArn());
        assertEquals("ENABLED", created.stateAsString());
        assertThrows(ResourceAlreadyExistsException.class, () -> client.createArchive(r -> r.archiveName("all")
            .eventSourceArn(BUS)));
        final Instant before = Instant.now().minusSeconds(1);
        for (int i = 0; i < 5; i++) {
            final int n = i;
            assertEquals(0, client.putEvents(r -> r.entries(PutEventsRequestEntry.builder().source("shop")
                .detailType("Order").detail("{\"n\":" + n + "}").build())).failedEntryCount());
        }
        await(() -> client.describeArchive(r -> r.archiveName("all")).eventCount() == 5 && got.size() == 5,
            "five events archived and delivered");
        final var described = client.describeArchive(r -> r.archiveName("all"));
        assertEquals(BUS, described.eventSourceArn());
        assertEquals("everything", described.description());
        assertTrue(described.sizeBytes() > 0);
        assertEquals(List.of("all"), client.listArchives(r -> { }).archives().stream().map(a -> a.archiveName())
            .toList());
        got.clear();

        final var started = client.startReplay(r -> r.replayName("again").eventSourceArn(created.archiveArn())
            .eventStartTime(before).eventEndTime(Instant.now().plusSeconds(1)).destination(d -> d.arn(BUS)
                .filterArns("arn:aws:events:us-east-1:111111111111:rule/orders")));
        assertEquals("arn:aws:events:us-east-1:111111111111:replay/again", started.replayArn());
        await(() -> client.describeReplay(r -> r.replayName("again")).stateAsString().equals("COMPLETED"),
            "the replay to complete");
        await(() -> got.size() == 5, "five replayed events");
        assertTrue(got.get(0).contains("\"replay-name\":\"again\""), got.get(0));
        assertEquals(List.of("again"), client.listReplays(r -> { }).replays().stream().map(x -> x.replayName())
            .toList());
        final EventBridgeException done = assertThrows(EventBridgeException.class,
            () -> client.cancelReplay(r -> r.replayName("again")));
        assertEquals("IllegalStatusException", done.awsErrorDetails().errorCode());
        final EventBridgeException crossBus = assertThrows(EventBridgeException.class, () -> client.startReplay(r ->
            r.replayName("other").eventSourceArn(created.archiveArn()).eventStartTime(before)
                .eventEndTime(Instant.now()).destination(d -> d.arn(
                    "arn:aws:events:us-east-1:111111111111:event-bus/else"))));
        assertEquals("ValidationException", crossBus.awsErrorDetails().errorCode());
        // FilterArns are ARNs of rules of the replayed bus: another bus's rule, or anything else, is refused
        for (String filter : List.of("arn:aws:events:us-east-1:111111111111:rule/else/orders",
            "arn:aws:events:us-east-1:222222222222:rule/orders", "orders",
            "arn:aws:events:us-east-1:111111111111:event-bus/default")) {
            final EventBridgeException badFilter = assertThrows(EventBridgeException.class, () -> client.startReplay(
                r -> r.replayName("filtered").eventSourceArn(created.archiveArn()).eventStartTime(before)
                    .eventEndTime(Instant.now()).destination(d -> d.arn(BUS).filterArns(filter))));
            assertEquals("ValidationException", badFilter.awsErrorDetails().errorCode());
            assertEquals("Parameter Destination.FilterArns is not valid. Reason: " + filter + " is not the ARN of a "
                + "rule of event bus " + BUS + " (arn:aws:events:us-east-1:111111111111:rule/<rule name>).",
                badFilter.awsErrorDetails().errorMessage());
        }

        client.updateArchive(r -> r.archiveName("all").eventPattern("{\"source\":[\"other\"]}").retentionDays(7));
        assertEquals(7, client.describeArchive(r -> r.archiveName("all")).retentionDays());
        client.deleteArchive(r -> r.archiveName("all"));
        assertThrows(ResourceNotFoundException.class, () -> client.describeArchive(r -> r.archiveName("all")));
    }
}
