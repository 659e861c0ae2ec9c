package dev.eventrouter.persist.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.Target;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * How a {@link DistributedBus} carries targets in its control topic: a target is a JSON object every node turns into
 * a router {@link Target} of its own (a handler, a producer, a file). The same object must give the same target on
 * every node, so it names what the target reaches instead of holding it.
 *
 * <p>{@link #of(Map)} understands the {@code router run} config's target shape for what a library node can rebuild
 * by itself: {@code {"id": "t", "type": "handler", "handler": "billing"}} (a handler bound under that name on every
 * node), {@code {"id": "t", "type": "bus", "eventBus": "audit"}} and {@code {"id": "t", "type": "kafka", "kafka":
 * {"bootstrapServers": ..., "topic": ..., "keyPath": ...}}}. {@code router run} and {@code router serve} nodes add the
 * config's other types, input shaping and retry policies, and EventBridge's PutTargets shape.
 */
public interface TargetCodec extends AutoCloseable {
    /**
     * @return the target {@code spec} describes, built on this node.
     * @throws IllegalArgumentException naming what is wrong with the spec, or what this node lacks to build it.
     */
    Target decode(JsonNode spec);

    /**
     * @return the spec of a target put on this node's local bus (by a rule call made through
     *         {@link DistributedBus#changeRule}), or {@code null} when other nodes could not rebuild it.
     */
    JsonNode encode(Target target);

    /** Closes what the decoded targets hold (producers): called when the node leaves the bus. */
    @Override
    default void close() {
    }

    /** @return a codec for handlers bound by name on every node, other buses, and Kafka topics. */
    static TargetCodec of(final Map<String, EventHandler> handlers) {
        final Map<String, EventHandler> bound = Map.copyOf(handlers);
        return new TargetCodec() {
            /** One producer per distinct Kafka config, shared by the targets naming it; closed with the codec. */
            private final Map<KafkaTarget.Config, KafkaTarget> producers = new HashMap<>();
            private final Map<Target, JsonNode> specs = java.util.Collections.synchronizedMap(new IdentityHashMap<>());

            @Override
            public Target decode(final JsonNode spec) {
                final String id = spec.path("id").asText(null);
                final String type = spec.path("type").asText("");
                final Target target = switch (type) {
                    case "handler" -> {
                        final EventHandler handler = bound.get(spec.path("handler").asText());
                        if (handler == null) {
                            throw new IllegalArgumentException("target " + id + ": no handler named "
                                + spec.path("handler").asText() + " is bound on this node");
                        }
                        yield Target.handler(id, handler);
                    }
                    case "bus" -> Target.bus(id, spec.path("eventBus").asText());
                    case "kafka" -> {
                        final JsonNode k = spec.path("kafka");
                        final KafkaTarget.Config config = KafkaTarget.Config.of(k.path("bootstrapServers").asText(),
                            k.path("topic").asText()).withKeyPath(k.hasNonNull("keyPath") ? k.path("keyPath").asText()
                            : null);
                        synchronized (producers) {
                            yield producers.computeIfAbsent(config, KafkaTarget::open).target(id);
                        }
                    }
                    default -> throw new IllegalArgumentException("target " + id + ": type must be handler, bus or "
                        + "kafka on this node, got " + (type.isEmpty() ? "none" : type));
                };
                specs.put(target, spec);
                return target;
            }

            @Override
            public JsonNode encode(final Target target) {
                return specs.get(target);
            }

            @Override
            public void close() {
                synchronized (producers) {
                    producers.values().forEach(KafkaTarget::close);
                    producers.clear();
                }
            }
        };
    }

    /** @return the spec of a {@link DistributedBus.TargetSpec}, in the shape {@link #of} reads. */
    static ObjectNode specOf(final DistributedBus.TargetSpec target) {
        final ObjectNode t = JsonNodeFactory.instance.objectNode().put("id", target.id());
        if (target.handler() != null) {
            t.put("type", "handler").put("handler", target.handler());
        } else if (target.bus() != null) {
            t.put("type", "bus").put("eventBus", target.bus());
        } else {
            final ObjectNode k = t.put("type", "kafka").putObject("kafka")
                .put("bootstrapServers", target.kafka().bootstrapServers()).put("topic", target.kafka().topic());
            if (target.kafka().keyPath() != null) {
                k.put("keyPath", target.kafka().keyPath());
            }
        }
        return t;
    }
}
