package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.persist.replay.ReplayState;
import dev.eventrouter.target.EventHandler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two router nodes in one JVM sharing a distributed bus on the shared broker. */
@Timeout(180)
class DistributedBusTest {
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");

    private static EventHandler collect(final List<String> into) {
        return delivery -> {
            final Matcher m = ID.matcher(delivery.payloadAsString());
            into.add(m.find() ? m.group(1) : "?");
        };
    }

    @Test
    void eventsPutOnAnyNodeAreDeliveredOnceByTheNodeOwningTheirPartitionAndRulesReachEveryNode() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "orders-" + System
            .nanoTime() % 100_000).withPartitions(4);
        final List<String> atA = new CopyOnWriteArrayList<>();
        final List<String> atB = new CopyOnWriteArrayList<>();
        try (Router routerA = Router.start(new RouterContext().trackEnds(true));
             Router routerB = Router.start(new RouterContext().trackEnds(true));
             DistributedBus a = DistributedBus.join(routerA, config, Map.of("collect", collect(atA)));
             DistributedBus b = DistributedBus.join(routerB, config, Map.of("collect", collect(atB)))) {
            final long put = a.putRule("big", "{\"source\":[\"shop\"],\"detail\":{\"n\":[{\"numeric\":[\">=\",0]}]}}",
                RuleState.ENABLED, List.of(DistributedBus.TargetSpec.handler("t", "collect")));
            assertTrue(a.awaitApplied(put) && b.awaitApplied(put), "the rule reached both nodes");
            assertEquals(1, routerB.listRules(config.busName()).size());
            Await.until(() -> a.ownedPartitions().size() + b.ownedPartitions().size() == 4
                && !a.ownedPartitions().isEmpty() && !b.ownedPartitions().isEmpty(), "the partitions shared");

            final Set<String> accepted = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                final DistributedBus node = i % 2 == 0 ? a : b;
                final PutEventsResult result = node.putEvents(List.of(PutEventsEntry.of("shop", "Order",
                    "{\"n\":" + i + "}")));
                assertEquals(0, result.failedEntryCount(), result.toString());
                accepted.add(result.entries().get(0).eventId());
            }
            for (int i = 0; i < 2; i++) {
                final String id = "raw-" + i;
                b.publish(("{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"Order\",\"source\":\"shop\","
                    + "\"account\":\"123456789012\",\"time\":\"2026-12-03T10:00:00Z\",\"region\":\"us-east-1\","
                    + "\"resources\":[],\"detail\":{\"n\":" + i + "}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                accepted.add(id);
            }
            Await.until(() -> atA.size() + atB.size() >= 42, "42 deliveries");
            final List<String> all = new ArrayList<>(atA);
            all.addAll(atB);
            assertEquals(accepted, new HashSet<>(all), "every accepted event delivered");
            assertEquals(42, all.size(), "each once: no node failed");
            assertFalse(atA.isEmpty() || atB.isEmpty(), "both nodes delivered their partitions' events");

            final long changed = b.putRule("big", "{\"source\":[\"shop\"],\"detail\":{\"n\":[{\"numeric\":[\">=\",100]}]}}",
                RuleState.ENABLED, List.of(DistributedBus.TargetSpec.handler("t", "collect")));
            assertTrue(a.awaitApplied(changed) && b.awaitApplied(changed), "the change reached both nodes");
            for (int i = 0; i < 10; i++) {
                assertEquals(0, a.putEvents(List.of(PutEventsEntry.of("shop", "Order", "{\"n\":" + (95 + i) + "}")))
                    .failedEntryCount());
            }
            Await.until(() -> atA.size() + atB.size() >= 47, "the 5 events the changed rule matches");
            final long deleted = a.deleteRule("big");
            assertTrue(a.awaitApplied(deleted) && b.awaitApplied(deleted), "the deletion reached both nodes");
            assertEquals(List.of(), routerA.listRules(config.busName()));
            assertEquals(List.of(), routerB.listRules(config.busName()));
            assertEquals(0, a.applyErrors() + b.applyErrors(), a.lastApplyError() + " / " + b.lastApplyError());
            assertEquals(47, atA.size() + atB.size());
        }
    }

    @Test
    void aRuleCallMadeOnOneNodesRouterReachesEveryNodeAndOneOtherNodesCannotRebuildIsUndone() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "calls-" + System
            .nanoTime() % 100_000).withPartitions(2);
        final List<String> atA = new CopyOnWriteArrayList<>();
        final List<String> atB = new CopyOnWriteArrayList<>();
        try (Router routerA = Router.start(new RouterContext().trackEnds(true));
             Router routerB = Router.start(new RouterContext().trackEnds(true));
             DistributedBus a = DistributedBus.join(routerA, config, Map.of("collect", collect(atA)));
             DistributedBus b = DistributedBus.join(routerB, config, Map.of("collect", collect(atB)))) {
            final String bus = config.busName();
            // a call on A's router as a caller would make it (authorization, validation), then on every node
            final dev.eventrouter.bus.Caller owner = routerA.as(dev.eventrouter.auth.Principal.account(
                a.localBus().account()));
            a.changeRule("r", () -> owner.putRule(dev.eventrouter.bus.Rule.of("r", "{\"source\":[\"shop\"]}")
                .onBus(bus).withDescription("orders")));
            b.sync();
            assertEquals("orders", routerB.describeRule(bus, "r").description());
            assertEquals(a.localBus().account(), routerB.describeRule(bus, "r").createdBy());
            a.changeRule("r", () -> {
                owner.putTargets(bus, "r", List.of(a.codec().decode(TargetCodec.specOf(
                    DistributedBus.TargetSpec.handler("t", "collect")))));
                return null;
            });
            b.sync();
            assertEquals(List.of("t"), routerB.listTargetsByRule(bus, "r").stream().map(t -> t.id()).toList());

            // a handler object only A holds: other nodes could not rebuild it, so the call is undone on A
            final IllegalArgumentException local = assertThrows(IllegalArgumentException.class,
                () -> a.changeRule("r", () -> {
                    owner.putTargets(bus, "r", List.of(dev.eventrouter.target.Target.handler("x", d -> { })));
                    return null;
                }));
            assertEquals("target x of rule r: other nodes of distributed bus " + bus + " could not rebuild it",
                local.getMessage());
            assertEquals(List.of("t"), routerA.listTargetsByRule(bus, "r").stream().map(t -> t.id()).toList());
            // a call the router refuses changes nothing anywhere
            assertThrows(dev.eventrouter.pattern.InvalidPatternException.class, () -> a.changeRule("r",
                () -> owner.putRule(dev.eventrouter.bus.Rule.of("r", "{\"source\":[1,]}").onBus(bus))));
            Await.until(() -> a.ownedPartitions().size() + b.ownedPartitions().size() == 2, "the partitions owned");
            for (int i = 0; i < 6; i++) {
                assertEquals(0, routerB.putEvents(List.of(PutEventsEntry.of("shop", "Order", "{}")
                    .withEventBusName(bus))).failedEntryCount());   // the router's own PutEvents: diverted
            }
            Await.until(() -> atA.size() + atB.size() == 6, "six deliveries");

            b.changeRule("r", () -> {
                routerB.removeTargets(bus, "r", List.of("t"));
                routerB.deleteRule(bus, "r");
                return null;
            });
            a.sync();
            assertEquals(List.of(), routerA.listRules(bus));
            assertEquals(0, a.applyErrors() + b.applyErrors(), a.lastApplyError() + " / " + b.lastApplyError());
        }
    }

    @Test
    void aRuleCallTheControlTopicRefusesIsUndoneOnTheNodeThatMadeIt() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "undo-" + System
            .nanoTime() % 100_000).withPartitions(1);
        // the control topic made beforehand, refusing records over 400 bytes (a real refusal, not a mock)
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
            "bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(config.controlTopic(), 1,
                (short) 1).configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "400")))).all().get();
        }
        try (Router router = Router.start(new RouterContext().trackEnds(true));
             DistributedBus node = DistributedBus.join(router, config, Map.of())) {
            final String bus = config.busName();
            node.changeRule("r", () -> router.putRule(dev.eventrouter.bus.Rule.of("r", "{\"source\":[\"a\"]}")
                .onBus(bus)));
            final String big = "{\"source\":[\"" + "b".repeat(600) + "\"]}";
            final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> node.changeRule("r",
                () -> router.putRule(dev.eventrouter.bus.Rule.of("r", big).onBus(bus))));
            assertTrue(refused.getMessage().startsWith("control topic " + config.controlTopic() + ": "),
                refused.getMessage());
            assertEquals("{\"source\":[\"a\"]}", router.describeRule(bus, "r").eventPattern(),
                "the change Kafka refused was undone");
            final IllegalStateException created = assertThrows(IllegalStateException.class, () -> node.changeRule(
                "new", () -> router.putRule(dev.eventrouter.bus.Rule.of("new", big).onBus(bus))));
            assertTrue(created.getMessage().startsWith("control topic "), created.getMessage());
            assertEquals(List.of("r"), router.listRules(bus).stream().map(r -> r.name()).toList(),
                "a rule Kafka refused to create is gone again");
        }
    }

    @Test
    void anArchiveIsAViewOfTheEventsTopicFromItsCreationThroughItsPatternKnownToEveryNode() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "archives-" + System
            .nanoTime() % 100_000).withPartitions(2);
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final EventHandler details = d -> delivered.add(d.payloadAsString().replaceAll(".*\"detail\":", ""));
        try (Router routerA = Router.start(new RouterContext().trackEnds(true));
             Router routerB = Router.start(new RouterContext().trackEnds(true));
             DistributedBus a = DistributedBus.join(routerA, config, Map.of("t", details));
             DistributedBus b = DistributedBus.join(routerB, config, Map.of("t", details))) {
            a.awaitApplied(a.putRule("all", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                List.of(DistributedBus.TargetSpec.handler("t", "t"))));
            b.sync();
            Await.until(() -> a.ownedPartitions().size() + b.ownedPartitions().size() == 2, "the partitions owned");
            final java.time.Instant t0 = java.time.Instant.now().minusSeconds(600)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);   // an event's time has whole seconds
            assertEquals(0, a.putEvents(List.of(new PutEventsEntry("shop", "Order", "{\"n\":0,\"big\":true}", t0,
                List.of(), null))).failedEntryCount());   // before the archive: not in it
            Await.until(() -> delivered.size() == 1, "the first event");
            final DistributedBus.Archive archive = a.createArchive("big-orders", "{\"detail\":{\"big\":[true]}}",
                "the big ones", 0);
            b.sync();   // reads are this node's view: read the control topic to its end first
            assertEquals(List.of(archive), b.archives(), "every node knows the archive");
            assertThrows(dev.eventrouter.bus.ResourceExistsException.class,
                () -> b.createArchive("big-orders", null, null, 0));
            for (int n = 1; n <= 4; n++) {
                assertEquals(0, b.putEvents(List.of(new PutEventsEntry("shop", "Order", "{\"n\":" + n + ",\"big\":"
                    + (n % 2 == 0) + "}", t0.plusSeconds(n), List.of(), null))).failedEntryCount());
            }
            Await.until(() -> delivered.size() == 5, "five events");
            delivered.clear();

            final DistributedBus.ReplayRecord started = b.startReplay("big-again", "big-orders", t0,
                t0.plusSeconds(60), List.of(), null);
            assertEquals(ReplayState.RUNNING, started.state());
            Await.until(() -> a.replay("big-again").state() == ReplayState.COMPLETED, "the replay's end, on A");
            Await.until(() -> delivered.size() == 2, "the two big events after the archive's creation");
            assertEquals(Set.of("{\"n\":2,\"big\":true}}", "{\"n\":4,\"big\":true}}"), new HashSet<>(delivered));
            assertEquals(t0.plusSeconds(4).toEpochMilli(), a.replay("big-again").lastReplayedTime());
            assertThrows(dev.eventrouter.bus.ResourceExistsException.class, () -> a.startReplay("big-again",
                "big-orders", t0, t0.plusSeconds(60), List.of(), null));
            assertThrows(IllegalStateException.class, () -> a.cancelReplay("big-again"));
            assertThrows(dev.eventrouter.bus.NoSuchResourceException.class, () -> a.startReplay("other", "nope", t0,
                t0.plusSeconds(60), List.of(), null));

            b.updateArchive("big-orders", null, "renamed", 7);
            a.sync();
            assertEquals(new DistributedBus.Archive("big-orders", "{\"detail\":{\"big\":[true]}}", "renamed", 7,
                archive.creationTime()), a.archive("big-orders"));
            a.deleteArchive("big-orders");
            b.sync();
            assertEquals(List.of(), b.archives());
            assertEquals(List.of("big-again"), b.replayRecords().stream().map(r -> r.name()).toList(),
                "a replay outlives its archive, as in EventBridge");
            assertEquals(0, a.applyErrors() + b.applyErrors(), a.lastApplyError() + " / " + b.lastApplyError());
        }
    }

    @Test
    void aTargetRecordAheadOfItsRuleWaitsForIt() throws Exception {
        // compaction keeps each key's last record: a target's record can come before its rule's re-put
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "order-" + System
            .nanoTime() % 100_000).withPartitions(1);
        final List<String> delivered = new CopyOnWriteArrayList<>();
        try (Router first = Router.start(new RouterContext().trackEnds(true));
             DistributedBus node = DistributedBus.join(first, config, Map.of("collect", collect(delivered)))) {
            node.awaitApplied(node.putRule("r", "{\"source\":[\"shop\"]}", RuleState.ENABLED, List.of()));
        }
        final java.nio.charset.Charset utf8 = java.nio.charset.StandardCharsets.UTF_8;
        final Map<String, byte[]> records = new java.util.LinkedHashMap<>();
        records.put("rule/r", null);
        records.put("target/late/t", "{\"id\":\"t\",\"type\":\"handler\",\"handler\":\"collect\"}".getBytes(utf8));
        records.put("rule/late", "{\"name\":\"late\",\"eventPattern\":\"{\\\"source\\\":[\\\"shop\\\"]}\",\"state\":\"ENABLED\"}"
            .getBytes(utf8));
        appendControl(broker, config, records);
        try (Router second = Router.start(new RouterContext().trackEnds(true));
             DistributedBus node = DistributedBus.join(second, config, Map.of("collect", collect(delivered)))) {
            assertEquals(List.of("late"), second.listRules(config.busName()).stream().map(r -> r.name()).toList());
            assertEquals(List.of("t"), second.listTargetsByRule(config.busName(), "late").stream().map(t -> t.id())
                .toList());
            assertEquals(0, node.applyErrors(), node.lastApplyError());
            Await.until(() -> !node.ownedPartitions().isEmpty(), "the partition owned");
            assertEquals(0, node.putEvents(List.of(PutEventsEntry.of("shop", "Order", "{}"))).failedEntryCount());
            Await.until(() -> delivered.size() == 1, "the event delivered through the late target");
        }
    }

    @Test
    void replaysATimeRangeOfTheEventsTopicToEveryRuleOrToTheNamedOnes() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "replays-" + System
            .nanoTime() % 100_000).withPartitions(3);
        final List<String> all = new CopyOnWriteArrayList<>();
        final List<String> audit = new CopyOnWriteArrayList<>();
        final EventHandler names = delivery -> all.add(delivery.payloadAsString());
        final EventHandler audits = delivery -> audit.add(delivery.payloadAsString());
        try (Router router = Router.start(new RouterContext().trackEnds(true));
             DistributedBus node = DistributedBus.join(router, config, Map.of("all", names, "audit", audits))) {
            node.awaitApplied(node.putRule("orders", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                List.of(DistributedBus.TargetSpec.handler("t", "all"))));
            node.awaitApplied(node.putRule("audit", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                List.of(DistributedBus.TargetSpec.handler("t", "audit"))));
            final java.time.Instant t0 = java.time.Instant.parse("2026-12-03T10:00:00Z");
            for (int i = 0; i < 10; i++) {
                assertEquals(0, node.putEvents(List.of(new PutEventsEntry("shop", "Order", "{\"n\":" + i + "}",
                    t0.plusSeconds(i), List.of(), null))).failedEntryCount());
            }
            Await.until(() -> all.size() == 10 && audit.size() == 10, "the events delivered");

            final DistributedBus.Replay toAll = node.startReplay("r1", t0.plusSeconds(3), t0.plusSeconds(6),
                List.of());
            Await.until(() -> all.size() == 13 && audit.size() == 13, "three events replayed to both rules");
            Await.until(() -> toAll.state() == dev.eventrouter.persist.replay.ReplayState.COMPLETED, "the replay completed");
            assertEquals(3, toAll.replayed());
            assertEquals(t0.plusSeconds(5).toEpochMilli(), toAll.lastReplayedTime());
            for (String event : all.subList(10, 13)) {
                assertTrue(event.startsWith("{\"replay-name\":\"r1\","), event);
            }

            // only the named rule; the range now holds the replayed events too, which are never replayed again
            final DistributedBus.Replay toAudit = node.startReplay("r2", t0, t0.plusSeconds(60), List.of("audit"));
            Await.until(() -> audit.size() == 23, "ten events replayed to the audit rule only");
            Await.until(() -> toAudit.state() == dev.eventrouter.persist.replay.ReplayState.COMPLETED, "the replay completed");
            assertEquals(13, all.size(), "the other rule got none of them");
            assertEquals(10, toAudit.replayed());
            assertEquals("EventStartTime must be before EventEndTime, got " + t0 + " and " + t0, assertThrows(
                IllegalArgumentException.class, () -> node.startReplay("r3", t0, t0, List.of())).getMessage());
        }
    }

    /**
     * A replay recorded as running on a node that is not a member of the bus's group (it died, or closed without
     * recording the end) is recorded FAILED by the next node that reads it; one whose node is a member is left alone.
     */
    @Test
    void aReplayWhoseNodeLeftTheGroupIsRecordedFailed() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "orphans-" + System
            .nanoTime() % 100_000).withPartitions(2).withConsumerProperties(Map.of("session.timeout.ms", "6000",
                "heartbeat.interval.ms", "1000"));
        try (Router routerA = Router.start(new RouterContext().trackEnds(true));
             Router routerB = Router.start(new RouterContext().trackEnds(true));
             DistributedBus a = DistributedBus.join(routerA, config, Map.of());
             DistributedBus b = DistributedBus.join(routerB, config, Map.of())) {
            Await.until(() -> a.ownedPartitions().size() == 1 && b.ownedPartitions().size() == 1, "both in the group");
            final long t0 = java.time.Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();
            final Map<String, byte[]> records = new java.util.LinkedHashMap<>();
            for (String[] replay : new String[][] {{"ghost", "a-node-that-never-joined"}, {"alive", b.nodeId()}}) {
                records.put("replay/" + replay[0], new DistributedBus.ReplayRecord(replay[0], null, t0, t0 + 60_000,
                    List.of(), null, ReplayState.RUNNING, null, t0, 0, -1, replay[1]).toBytes());
            }
            appendControl(broker, config, records);
            a.sync();
            Await.until(() -> a.replay("ghost").state() == ReplayState.FAILED, "the ghost's replay recorded failed");
            final DistributedBus.ReplayRecord ghost = a.replay("ghost");
            assertEquals(DistributedBus.NODE_LEFT, ghost.stateReason());
            assertTrue(ghost.endTime() > 0, "its end time is recorded");
            b.sync();
            assertEquals(ReplayState.FAILED, b.replay("ghost").state(), "recorded for every node");
            assertEquals(ReplayState.RUNNING, a.replay("alive").state(), "B is in the group: its replay runs");

            b.close();   // leaves the group with its replay still recorded running (it never ran it); closing again at
            // the end of the block does nothing
            Await.until(() -> a.replay("alive").state() == ReplayState.FAILED, "B's replay recorded failed");
            assertEquals(DistributedBus.NODE_LEFT, a.replay("alive").stateReason());
            assertEquals(List.of("alive", "ghost"), a.replayRecords().stream().map(r -> r.name()).toList());
            assertEquals(0, a.applyErrors(), a.lastApplyError());
        }
    }

    /**
     * A node that closes while it runs a replay records how it ended: FAILED with the reason, or COMPLETED when it
     * finished first (a replay's pace cannot be timed against a close); never left RUNNING for other nodes.
     */
    @Test
    void aClosingNodeRecordsTheEndOfTheReplayItRuns() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "closing-" + System
            .nanoTime() % 100_000).withPartitions(2);
        try (Router routerA = Router.start(new RouterContext().trackEnds(true));
             Router routerB = Router.start(new RouterContext().trackEnds(true));
             DistributedBus a = DistributedBus.join(routerA, config, Map.of());
             DistributedBus b = DistributedBus.join(routerB, config, Map.of())) {
            b.createArchive("all", null, null, 0);
            final java.time.Instant t0 = java.time.Instant.parse("2026-12-03T10:00:00Z");
            for (int batch = 0; batch < 200; batch++) {   // 2,000 events for the replay to read and append again
                final List<PutEventsEntry> entries = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    entries.add(new PutEventsEntry("shop", "Order", "{\"n\":" + (batch * 10 + i) + "}",
                        t0.plusSeconds(batch), List.of(), null));
                }
                assertEquals(0, a.putEvents(entries).failedEntryCount());
            }
            assertEquals(ReplayState.RUNNING, b.startReplay("long", "all", t0, t0.plusSeconds(3_600), List.of(), null)
                .state());
            b.close();
            a.sync();
            final DistributedBus.ReplayRecord ended = a.replay("long");
            assertTrue(ended.state() == ReplayState.COMPLETED && ended.stateReason() == null
                || ended.state() == ReplayState.FAILED && DistributedBus.NODE_CLOSED.equals(ended.stateReason()),
                ended.toString());
            assertTrue(ended.endTime() > 0, ended.toString());
        }
    }

    @Test
    void aNodesConsumerClientIdIsTheBussOwn() {
        assertEquals("consumerProperties: client.id is set by the distributed bus (it names the node in the group, so"
            + " other nodes can tell when it left)", assertThrows(IllegalArgumentException.class,
                () -> DistributedBus.Config.of("127.0.0.1:9", "b").withConsumerProperties(Map.of("client.id", "x")))
            .getMessage());
    }

    /** A rule's Kafka target changed through the control topic sends to the new topic from then on. */
    @Test
    void aKafkaTargetFollowsItsRuleChanges() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        final String suffix = Long.toString(System.nanoTime() % 100_000);
        final String first = "first-" + suffix;
        final String second = "second-" + suffix;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
            org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(first, 1, (short) 1),
                new org.apache.kafka.clients.admin.NewTopic(second, 1, (short) 1))).all().get(30,
                java.util.concurrent.TimeUnit.SECONDS);
        }
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "kafka-" + suffix)
            .withPartitions(1);
        try (Router router = Router.start(new RouterContext().trackEnds(true));
             DistributedBus node = DistributedBus.join(router, config, Map.of())) {
            node.awaitApplied(node.putRule("out", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                List.of(DistributedBus.TargetSpec.kafka("k", broker.bootstrapServers(), first, "$.detail.n"))));
            assertEquals(0, node.putEvents(List.of(PutEventsEntry.of("shop", "Order", "{\"n\":1}")))
                .failedEntryCount());
            assertEquals(List.of("1"), keys(broker, first, 1));
            node.awaitApplied(node.putRule("out", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                List.of(DistributedBus.TargetSpec.kafka("k", broker.bootstrapServers(), second, "$.detail.n"))));
            assertEquals(0, node.putEvents(List.of(PutEventsEntry.of("shop", "Order", "{\"n\":2}")))
                .failedEntryCount());
            assertEquals(List.of("2"), keys(broker, second, 1));
            assertEquals(List.of("1"), keys(broker, first, 1), "nothing more to the old topic");
            assertEquals(0, node.applyErrors(), node.lastApplyError());
        }
    }

    /** @return the keys of the topic's first {@code count} records (read from the start in a new group). */
    /** Appends records (a {@code null} value: a tombstone) to the bus's control topic, as a node would. */
    private static void appendControl(final KafkaBroker broker, final DistributedBus.Config config,
                                      final Map<String, byte[]> records) throws Exception {
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer =
                 new org.apache.kafka.clients.producer.KafkaProducer<>(Map.of("bootstrap.servers",
                     broker.bootstrapServers()), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                     new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (Map.Entry<String, byte[]> record : records.entrySet()) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(config.controlTopic(), 0,
                    record.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8), record.getValue())).get();
            }
        }
    }

    private static List<String> keys(final KafkaBroker broker, final String topic, final int count) {
        final List<String> keys = new ArrayList<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                 new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                     org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     broker.bootstrapServers(),
                     org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "keys-" + System.nanoTime(),
                     org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (keys.size() < count && System.nanoTime() - deadline < 0) {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(record -> keys.add(new String(record.key(),
                    java.nio.charset.StandardCharsets.UTF_8)));
            }
            // one more poll: a record beyond the count would show here
            consumer.poll(java.time.Duration.ofMillis(500)).forEach(record -> keys.add(new String(record.key(),
                java.nio.charset.StandardCharsets.UTF_8)));
        }
        return keys;
    }

    @Test
    void refusesWhatItCannotKeep() throws Exception {
        final KafkaBroker broker = KafkaBroker.shared();
        try (Router untracked = Router.start(new RouterContext())) {
            assertEquals("router: a distributed bus commits only what has ended: start the router with "
                + "RouterContext.trackEnds(true)", assertThrows(IllegalArgumentException.class,
                () -> DistributedBus.join(untracked, DistributedBus.Config.of(broker.bootstrapServers(), "x"),
                    Map.of())).getMessage());
        }
        final DistributedBus.Config config = DistributedBus.Config.of(broker.bootstrapServers(), "refusals");
        try (Router router = Router.start(new RouterContext().trackEnds(true));
             DistributedBus node = DistributedBus.join(router, config, Map.of())) {
            assertTrue(assertThrows(dev.eventrouter.pattern.InvalidPatternException.class, () -> node.putRule("r",
                "{\"source\":\"a\"}", null, List.of())).getMessage().contains("source"),
                "the pattern's error names where it is wrong");
            assertEquals("target t: exactly one of handler, bus and kafka, got 2", assertThrows(
                IllegalArgumentException.class, () -> new DistributedBus.TargetSpec("t", "h", "b", null)).getMessage());
            assertEquals("ReplayName=a b: must be 1-64 characters of letters, digits, '.', '-' and '_'", assertThrows(
                IllegalArgumentException.class, () -> node.startReplay("a b", java.time.Instant.EPOCH,
                    java.time.Instant.now(), List.of())).getMessage());
            assertEquals("target t: no handler named nowhere is bound on this node", assertThrows(
                IllegalArgumentException.class, () -> node.putRule("r", "{\"source\":[\"a\"]}", null,
                    List.of(DistributedBus.TargetSpec.handler("t", "nowhere")))).getMessage());
            final dev.eventrouter.event.MalformedEventException malformed = assertThrows(
                dev.eventrouter.event.MalformedEventException.class,
                () -> node.publish("{\"id\":\"x\",\"detail\":{".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertTrue(malformed.getMessage().contains("offset"), malformed.getMessage());
            final PutEventsResult result = node.putEvents(List.of(new PutEventsEntry("shop", "Order", "{}", null,
                List.of(), "another-bus"), PutEventsEntry.of("", "Order", "{}")));
            assertEquals(2, result.failedEntryCount());
            assertEquals("EventBusName another-bus is not the distributed bus refusals",
                result.entries().get(0).error().message());
        }
        assertEquals("partitions=0: must be positive", assertThrows(IllegalArgumentException.class,
            () -> DistributedBus.Config.of("h:1", "b").withPartitions(0)).getMessage());
    }
}
