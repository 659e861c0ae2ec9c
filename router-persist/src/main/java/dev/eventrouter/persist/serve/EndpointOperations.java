package dev.eventrouter.persist.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.bus.NoSuchResourceException;
import dev.eventrouter.persist.global.EndpointSpec;
import dev.eventrouter.persist.global.GlobalEndpoints;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CreateEndpoint, UpdateEndpoint, DeleteEndpoint, DescribeEndpoint and ListEndpoints over {@link GlobalEndpoints}
 * (members and shapes of the EventBridge API reference), and the internal operation one Region's replicator calls on
 * the other ({@value GlobalEndpoints#REPLICATE}). An endpoint is its account's: other accounts are refused. A change
 * made on one Region's router is made on the other Region's router first or after (marked as forwarded, so it is not
 * forwarded back), and is refused, with nothing changed, when that router does not take it: both Regions' routers
 * always serve the same endpoints.
 */
final class EndpointOperations {
    /** How long a change waits for the other Region's router (opening an outbox there can take a second or more). */
    private static final java.time.Duration CONTROL_TIMEOUT = java.time.Duration.ofSeconds(30);
    private final EventsApi api;
    private final GlobalEndpoints global;

    EndpointOperations(final EventsApi api, final GlobalEndpoints global) {
        this.api = api;
        this.global = global;
        api.register("CreateEndpoint", this::create);
        api.register("UpdateEndpoint", this::update);
        api.register("DeleteEndpoint", this::delete);
        api.register("DescribeEndpoint", this::describe);
        api.register("ListEndpoints", this::list);
        api.register(GlobalEndpoints.REPLICATE, this::replicate);
    }

    /** @return the spec a CreateEndpoint or UpdateEndpoint request declares ({@code base} fills what it leaves out). */
    private static EndpointSpec spec(final EventsApi.Call call, final EndpointSpec base) {
        final String name = call.required("Name");
        final JsonNode routing = call.body().path("RoutingConfig").path("FailoverConfig");
        final JsonNode replication = call.body().get("ReplicationConfig");
        final List<String> buses = new ArrayList<>();
        final JsonNode given = call.body().get("EventBuses");
        if (given != null && given.isArray()) {
            given.forEach(bus -> buses.add(bus.path("EventBusArn").asText(null)));
        }
        try {
            return new EndpointSpec(name, call.body().has("Description") ? call.text("Description")
                    : base == null ? null : base.description(),
                routing.path("Primary").hasNonNull("HealthCheck") ? routing.path("Primary").path("HealthCheck").asText()
                    : base == null ? null : base.healthCheck(),
                routing.path("Secondary").hasNonNull("Route") ? routing.path("Secondary").path("Route").asText()
                    : base == null ? null : base.secondaryRegion(),
                replication != null && replication.hasNonNull("State") ? !"DISABLED".equals(replication.path("State")
                    .asText()) : base == null || base.replication(),
                call.body().has("RoleArn") ? call.text("RoleArn") : base == null ? null : base.roleArn(),
                given != null ? buses : base == null ? List.of() : base.eventBusArns());
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(e.getMessage());
        }
    }

    private void requireOwn(final EventsApi.Call call, final EndpointSpec spec) {
        if (!call.caller().principal().account().equals(spec.account())) {
            throw new ApiException("AccessDeniedException", "User: " + call.caller().principal().arn()
                + " is not authorized to act on endpoint " + spec.arn() + " of account " + spec.account());
        }
    }

    /** @return whether the call came from the other Region's router (applied here only). */
    private static boolean forwarded(final EventsApi.Call call) {
        return call.body().hasNonNull(GlobalEndpoints.FORWARDED_FROM);
    }

    /** Makes the same call on the other Region's router, marked as forwarded. @throws ApiException when refused. */
    private void onPeer(final EventsApi.Call call, final EndpointSpec spec, final String operation) {
        final ObjectNode body = call.body().deepCopy();
        body.put(GlobalEndpoints.FORWARDED_FROM, global.region());
        final String other = spec.otherRegion(global.region());
        final String why = global.call(other, operation, body.toString().getBytes(StandardCharsets.UTF_8),
            CONTROL_TIMEOUT);
        if (why != null) {
            throw new ApiException("InternalException", "the router of " + other + " did not take " + operation
                + " for endpoint " + spec.name() + ": " + why, 500);
        }
    }

    private JsonNode create(final EventsApi.Call call) {
        final EndpointSpec spec = spec(call, null);
        requireOwn(call, spec);
        GlobalEndpoints.Endpoint endpoint;
        try {
            endpoint = global.create(spec);
        } catch (dev.eventrouter.bus.ResourceExistsException e) {
            endpoint = global.endpoint(spec.name());
            if (!forwarded(call) || !endpoint.spec().equals(spec)) {
                throw new ApiException("ResourceAlreadyExistsException", e.getMessage());
            }
            // the other Region's router sent it again (its first call's answer was lost): already done
        }
        if (!forwarded(call)) {
            try {
                onPeer(call, spec, "CreateEndpoint");
            } catch (ApiException e) {
                global.delete(spec.name());   // both Regions serve it, or neither
                throw e;
            }
        }
        final ObjectNode out = shape(endpoint, false);
        out.put("State", "CREATING");
        return out;
    }

    private JsonNode update(final EventsApi.Call call) {
        final GlobalEndpoints.Endpoint was = find(call.required("Name"));
        requireOwn(call, was.spec());
        final EndpointSpec spec = spec(call, was.spec());
        if (!forwarded(call)) {
            onPeer(call, spec, "UpdateEndpoint");
        }
        final ObjectNode out = shape(global.update(spec), true);
        out.put("State", "UPDATING");
        return out;
    }

    private JsonNode delete(final EventsApi.Call call) {
        if (forwarded(call)) {
            try {
                global.endpoint(call.required("Name"));
            } catch (NoSuchResourceException e) {
                return EventsApi.JSON.createObjectNode();   // sent again after a lost answer: already deleted
            }
        }
        final GlobalEndpoints.Endpoint endpoint = find(call.required("Name"));
        requireOwn(call, endpoint.spec());
        if (!forwarded(call)) {
            onPeer(call, endpoint.spec(), "DeleteEndpoint");
        }
        global.delete(endpoint.spec().name());
        return EventsApi.JSON.createObjectNode();
    }

    private JsonNode describe(final EventsApi.Call call) {
        final GlobalEndpoints.Endpoint endpoint = find(call.required("Name"));
        requireOwn(call, endpoint.spec());
        final ObjectNode out = shape(endpoint, true);
        out.put("State", "ACTIVE");
        out.put("CreationTime", endpoint.creationTime() / 1000.0);
        out.put("LastModifiedTime", endpoint.lastModifiedTime() / 1000.0);
        // not AWS's: where this router sends the endpoint's events now, and what it has not replicated yet
        out.put("EventRouterActiveRegion", endpoint.activeRegion());
        out.put("EventRouterHealth", endpoint.health().status().name());
        out.put("EventRouterReplicationBacklog", endpoint.replicationBacklog());
        out.put("EventRouterReplicated", endpoint.replicated());
        return out;
    }

    private JsonNode list(final EventsApi.Call call) {
        final String prefix = call.text("NamePrefix");
        final String home = call.text("HomeRegion");
        final List<JsonNode> items = new ArrayList<>();
        for (GlobalEndpoints.Endpoint endpoint : global.endpoints()) {
            if (endpoint.spec().account().equals(call.caller().principal().account())
                && (prefix == null || endpoint.spec().name().startsWith(prefix))
                && (home == null || home.equals(endpoint.spec().primaryRegion()))) {
                final ObjectNode item = shape(endpoint, true);
                item.put("State", "ACTIVE");
                item.put("CreationTime", endpoint.creationTime() / 1000.0);
                item.put("LastModifiedTime", endpoint.lastModifiedTime() / 1000.0);
                items.add(item);
            }
        }
        return EventsApi.page(call, items, "Endpoints", "MaxResults");
    }

    private JsonNode replicate(final EventsApi.Call call) {
        final String endpointId = call.required("EndpointId");
        final GlobalEndpoints.Endpoint endpoint;
        try {
            endpoint = global.byId(endpointId);
        } catch (NoSuchResourceException e) {
            throw ApiException.notFound(e.getMessage());
        }
        requireOwn(call, endpoint.spec());
        final List<byte[]> events = new ArrayList<>();
        call.body().path("Events").forEach(event -> events.add(event.toString().getBytes(StandardCharsets.UTF_8)));
        return EventsApi.JSON.createObjectNode().put("Published", global.receive(call.caller(), endpointId, events));
    }

    private GlobalEndpoints.Endpoint find(final String name) {
        try {
            return global.endpoint(name);
        } catch (NoSuchResourceException e) {
            throw ApiException.notFound("Endpoint " + name + " does not exist.");
        }
    }

    /** The members every endpoint answer shares, in the API reference's order. */
    private ObjectNode shape(final GlobalEndpoints.Endpoint endpoint, final boolean withId) {
        final EndpointSpec spec = endpoint.spec();
        final ObjectNode out = EventsApi.JSON.createObjectNode().put("Name", spec.name());
        if (spec.description() != null) {
            out.put("Description", spec.description());
        }
        out.put("Arn", spec.arn());
        final ObjectNode failover = out.putObject("RoutingConfig").putObject("FailoverConfig");
        failover.putObject("Primary").put("HealthCheck", spec.healthCheck());
        failover.putObject("Secondary").put("Route", spec.secondaryRegion());
        out.putObject("ReplicationConfig").put("State", spec.replication() ? "ENABLED" : "DISABLED");
        final var buses = out.putArray("EventBuses");
        spec.eventBusArns().forEach(arn -> buses.addObject().put("EventBusArn", arn));
        if (spec.roleArn() != null) {
            out.put("RoleArn", spec.roleArn());
        }
        if (withId) {
            out.put("EndpointId", spec.endpointId());
            final URI url = global.url();
            out.put("EndpointUrl", url != null ? url.toString() : "https://" + spec.endpointId()
                + ".endpoint.events.amazonaws.com");
        }
        return out;
    }
}
