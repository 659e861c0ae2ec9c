package dev.eventrouter.persist.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventrouter.persist.apidest.ApiDestinations;
import dev.eventrouter.persist.apidest.HttpParameters;
import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.RetryPolicy;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Targets in EventBridge's PutTargets shape ({@code {"Id": ..., "Arn": ..., "Input" | "InputPath" |
 * "InputTransformer", "RetryPolicy", "HttpParameters"}}) made into router targets: an event bus ARN goes bus to bus,
 * an API destination ARN calls the destination, any other ARN goes to the handler bound to it (a queue, a function,
 * a Kafka topic: {@link #bind}). Each target made remembers its request, echoed by ListTargetsByRule and carried by a
 * distributed bus's control topic. Thread-safe.
 */
public final class AwsTargets {
    private final Map<String, java.util.function.Function<String, Target>> bound = new ConcurrentHashMap<>();
    private volatile ApiDestinations apiDestinations;
    /** The request of each target made, by identity (the router hands the same object back). */
    private final Map<Target, JsonNode> specs = java.util.Collections.synchronizedMap(
        new java.util.IdentityHashMap<>());

    /** Lets targets whose ARN is {@code arn} deliver to an in-process handler. */
    public void bind(final String arn, final EventHandler handler) {
        bound.put(arn, id -> Target.handler(id, handler).withArn(arn));
    }

    /** Lets targets whose ARN is {@code arn} deliver through what {@code target} makes (given the target's id). */
    public void bindTargets(final String arn, final java.util.function.Function<String, Target> target) {
        bound.put(arn, target);
    }

    /** Lets targets name API destinations by ARN. */
    public void apiDestinations(final ApiDestinations value) {
        apiDestinations = value;
    }

    /**
     * @return the router target the PutTargets entry describes.
     * @throws IllegalArgumentException naming the target when the entry is incomplete or its ARN reaches nothing.
     */
    public Target decode(final JsonNode t) {
        final String id = textOrNull(t, "Id");
        final String arn = textOrNull(t, "Arn");
        if (id == null || arn == null) {
            throw new IllegalArgumentException("target " + id + ": Id and Arn are required");
        }
        Target target;
        final ApiDestinations destinations = apiDestinations;
        if (arn.contains(":event-bus/")) {
            target = Target.bus(id, arn);
        } else if (arn.contains(":api-destination/") && destinations != null) {
            target = destinations.target(id, arn, httpParameters(t.get("HttpParameters")));
        } else {
            final java.util.function.Function<String, Target> make = bound.get(arn);
            if (make == null) {
                throw new IllegalArgumentException("target " + id + ": nothing is bound to " + arn
                    + " (a bus ARN goes bus to bus; other ARNs need a handler bound with EventsServer.bindTarget)");
            }
            target = make.apply(id);
        }
        target = target.withInput(input(t));
        final JsonNode retry = t.get("RetryPolicy");
        if (retry != null && retry.isObject()) {
            target = target.withRetryPolicy(new RetryPolicy(retry.path("MaximumRetryAttempts").asInt(185),
                retry.path("MaximumEventAgeInSeconds").asInt(86_400)));
        }
        specs.put(target, t.deepCopy());
        return target;
    }

    /** @return the PutTargets entry a target was made from, or {@code null} when it was not made here. */
    public JsonNode encode(final Target target) {
        return specs.get(target);
    }

    private static String textOrNull(final JsonNode node, final String member) {
        final JsonNode v = node.get(member);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static HttpParameters httpParameters(final JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        final List<String> path = new ArrayList<>();
        node.path("PathParameterValues").forEach(v -> path.add(v.asText()));
        final Map<String, String> headers = new LinkedHashMap<>();
        node.path("HeaderParameters").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        final Map<String, String> query = new LinkedHashMap<>();
        node.path("QueryStringParameters").fields().forEachRemaining(e -> query.put(e.getKey(),
            e.getValue().asText()));
        return new HttpParameters(path, headers, query);
    }

    private static TargetInput input(final JsonNode t) {
        if (t.hasNonNull("Input")) {
            return TargetInput.constant(t.get("Input").asText());
        }
        if (t.hasNonNull("InputPath")) {
            return TargetInput.path(t.get("InputPath").asText());
        }
        final JsonNode transformer = t.get("InputTransformer");
        if (transformer != null && transformer.isObject()) {
            final Map<String, String> paths = new LinkedHashMap<>();
            transformer.path("InputPathsMap").fields().forEachRemaining(e -> paths.put(e.getKey(),
                e.getValue().asText()));
            return TargetInput.transformer(paths, transformer.path("InputTemplate").asText(null));
        }
        return TargetInput.wholeEvent();
    }
}
