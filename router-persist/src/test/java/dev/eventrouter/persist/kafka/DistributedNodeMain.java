package dev.eventrouter.persist.kafka;

import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.RuleState;
import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.target.EventHandler;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a distributed bus in a child JVM, for the crash test: args {@code BOOTSTRAP BUS OUT [rule]}. Every
 * event its rule delivers appends its {@code "n"} as one line to OUT (one write each: what a SIGKILL interrupts is at
 * most the line being written, and the page cache keeps what was written). With {@code rule} it puts the bus's rule
 * first. Prints "joined" once it is in the bus, then runs until killed.
 */
public final class DistributedNodeMain {
    private DistributedNodeMain() {
    }

    public static void main(final String[] args) throws Exception {
        final FileChannel out = FileChannel.open(Path.of(args[2]), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        final EventHandler collect = delivery -> {
            synchronized (out) {
                ChildJvm.append(out, ChildJvm.number(delivery.payloadAsString()) + "\n");
            }
        };
        final Router router = Router.start(new RouterContext().trackEnds(true));
        // a dead node's partitions move after 6 s (the broker's least session timeout) instead of Kafka's 45 s
        final DistributedBus node = DistributedBus.join(router, DistributedBus.Config.of(args[0], args[1])
            .withConsumerProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "2000")),
            Map.of("collect", collect));
        if (args.length > 3) {
            final long offset = node.putRule("orders", "{\"source\":[\"shop\"]}", RuleState.ENABLED,
                List.of(DistributedBus.TargetSpec.handler("t", "collect")));
            if (!node.awaitApplied(offset)) {
                throw new IllegalStateException("the rule was not applied");
            }
        }
        System.out.println("joined");
        System.out.flush();
        new CountDownLatch(1).await();   // until killed
    }
}
