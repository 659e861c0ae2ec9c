package dev.eventrouter.persist.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.target.EventHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distributed bus whose broker is killed (SIGKILL) and restarted under it: PutEvents refuses what Kafka did not
 * acknowledge while the broker is away, and every event it did acknowledge is delivered once the broker is back.
 */
@Timeout(300)
class DistributedBusBrokerRestartTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedEventIsDeliveredAcrossABrokerCrash() throws Exception {
        final Set<String> delivered = ConcurrentHashMap.newKeySet();
        final EventHandler collect = delivery -> {
            final String payload = delivery.payloadAsString();
            final int at = payload.indexOf("\"id\":\"") + 6;
            delivered.add(payload.substring(at, payload.indexOf('"', at)));
        };
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"));
             Router router = Router.start(new RouterContext().trackEnds(true))) {
            final DistributedBus.Config config = new DistributedBus.Config(broker.bootstrapServers(), "restart",
                "restart.events", "restart.control", "restart", 2, null, Duration.ofSeconds(5));
            try (DistributedBus node = DistributedBus.join(router, config, Map.of("collect", collect))) {
                final long put = node.putRule("all", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                    List.of(DistributedBus.TargetSpec.handler("t", "collect")));
                assertTrue(node.awaitApplied(put));
                final Set<String> acknowledged = new HashSet<>();
                put(node, 20, acknowledged);
                Await.until(() -> delivered.containsAll(acknowledged), "the first events delivered");
                broker.kill();
                final PutEventsResult refused = node.putEvents(List.of(PutEventsEntry.of("shop", "Order", "{}")));
                assertEquals(1, refused.failedEntryCount(), "nothing is acknowledged while the broker is away");
                assertEquals("InternalFailure", refused.entries().get(0).error().code());
                // a rule call needs the control topic: refused before it changes anything on this node
                assertThrows(IllegalStateException.class, () -> node.changeRule("all", () -> {
                    router.disableRule("restart", "all");
                    return null;
                }));
                assertEquals(RuleState.ENABLED, router.describeRule("restart", "all").state());
                broker.restart();
                put(node, 20, acknowledged);
                Await.until(() -> delivered.containsAll(acknowledged), "every acknowledged event delivered");
                assertEquals(40, acknowledged.size());
            }
        }
    }

    /** Puts {@code count} events one at a time, keeping the ids Kafka acknowledged (retrying the refused ones). */
    private static void put(final DistributedBus node, final int count, final Set<String> acknowledged) {
        int accepted = 0;
        while (accepted < count) {
            final PutEventsResult result = node.putEvents(List.of(PutEventsEntry.of("shop", "Order",
                "{\"n\":" + accepted + "}")));
            if (result.failedEntryCount() == 0) {
                acknowledged.add(result.entries().get(0).eventId());
                accepted++;
            }
        }
    }
}
