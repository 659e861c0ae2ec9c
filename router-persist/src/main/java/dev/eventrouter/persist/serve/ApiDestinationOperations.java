package dev.eventrouter.persist.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.persist.apidest.ApiDestination;
import dev.eventrouter.persist.apidest.ApiDestinations;
import dev.eventrouter.persist.apidest.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The connection and API destination operations of the EventBridge API (CreateConnection ... ListApiDestinations)
 * over one {@link ApiDestinations}, with the request and response members of the API reference. Describe and list
 * never return a secret: AuthParameters come back without passwords, key values and client secrets, and parameters
 * marked IsValueSecret without their values, as AWS returns them.
 */
final class ApiDestinationOperations {
    private final ApiDestinations apis;

    ApiDestinationOperations(final EventsApi api, final ApiDestinations apis) {
        this.apis = apis;
        api.register("CreateConnection", this::createConnection);
        api.register("DescribeConnection", c -> describe(apis.connection(c.required("Name"))));
        api.register("UpdateConnection", this::updateConnection);
        api.register("DeleteConnection", c -> summary(apis.deleteConnection(c.required("Name")), "DELETING"));
        api.register("DeauthorizeConnection", c -> summary(apis.deauthorizeConnection(c.required("Name")), null));
        api.register("ListConnections", this::listConnections);
        api.register("CreateApiDestination", this::createApiDestination);
        api.register("DescribeApiDestination", c -> describe(apis.apiDestination(c.required("Name"))));
        api.register("UpdateApiDestination", this::updateApiDestination);
        api.register("DeleteApiDestination", c -> {
            apis.deleteApiDestination(c.required("Name"));
            return EventsApi.JSON.createObjectNode();
        });
        api.register("ListApiDestinations", this::listApiDestinations);
    }

    // ---- connections -----------------------------------------------------------------------------------------

    private JsonNode createConnection(final EventsApi.Call call) {
        final Connection created = apis.createConnection(call.required("Name"), call.text("Description"),
            authorization(call.required("AuthorizationType"), call.body().path("AuthParameters")),
            invocation(call.body().path("AuthParameters").path("InvocationHttpParameters")));
        return summary(created, null);
    }

    private JsonNode updateConnection(final EventsApi.Call call) {
        final String type = call.text("AuthorizationType");
        final JsonNode auth = call.body().path("AuthParameters");
        final Connection current = apis.connection(call.required("Name"));
        final Connection.Authorization authorization = type == null && !hasCredentials(auth) ? null
            : authorization(type != null ? type : current.authorization().type(), auth);
        final JsonNode invocationNode = auth.path("InvocationHttpParameters");
        return summary(apis.updateConnection(current.name(), call.text("Description"), authorization,
            invocationNode.isMissingNode() ? null : invocation(invocationNode)), null);
    }

    private static boolean hasCredentials(final JsonNode auth) {
        return auth.has("BasicAuthParameters") || auth.has("ApiKeyAuthParameters") || auth.has("OAuthParameters");
    }

    private static Connection.Authorization authorization(final String type, final JsonNode auth) {
        switch (type) {
            case "BASIC": {
                final JsonNode basic = member(auth, "BasicAuthParameters");
                return new Connection.Basic(text(basic, "Username"), text(basic, "Password"));
            }
            case "API_KEY": {
                final JsonNode key = member(auth, "ApiKeyAuthParameters");
                return new Connection.ApiKey(text(key, "ApiKeyName"), text(key, "ApiKeyValue"));
            }
            case "OAUTH_CLIENT_CREDENTIALS": {
                final JsonNode oauth = member(auth, "OAuthParameters");
                final JsonNode client = member(oauth, "ClientParameters");
                final JsonNode http = oauth.path("OAuthHttpParameters");
                return new Connection.OAuth(text(oauth, "AuthorizationEndpoint"), text(oauth, "HttpMethod"),
                    text(client, "ClientID"), text(client, "ClientSecret"), new Connection.OAuthParameters(
                        parameters(http.path("HeaderParameters")), parameters(http.path("QueryStringParameters")),
                        parameters(http.path("BodyParameters"))));
            }
            default:
                throw new IllegalArgumentException("1 validation error detected: Value '" + type + "' at "
                    + "'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: "
                    + "[BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]");
        }
    }

    private static Connection.InvocationParameters invocation(final JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.has("BodyParameters") && node.get("BodyParameters").size() > 0) {
            throw new IllegalArgumentException("InvocationHttpParameters.BodyParameters are not supported by this "
                + "router yet (docs/api-destinations.md)");
        }
        return new Connection.InvocationParameters(parameters(node.path("HeaderParameters")),
            parameters(node.path("QueryStringParameters")));
    }

    private static List<Connection.Parameter> parameters(final JsonNode array) {
        final List<Connection.Parameter> out = new ArrayList<>();
        for (JsonNode p : array) {
            out.add(new Connection.Parameter(text(p, "Key"), text(p, "Value"), p.path("IsValueSecret").asBoolean()));
        }
        return out;
    }

    private static JsonNode member(final JsonNode parent, final String name) {
        final JsonNode child = parent.get(name);
        if (child == null || !child.isObject()) {
            throw new IllegalArgumentException(name + " is required for this authorization type");
        }
        return child;
    }

    private static String text(final JsonNode parent, final String name) {
        final JsonNode v = parent.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static ObjectNode summary(final Connection c, final String state) {
        final ObjectNode out = EventsApi.JSON.createObjectNode().put("ConnectionArn", c.arn())
            .put("ConnectionState", state != null ? state : c.state().name())
            .put("CreationTime", seconds(c.creationTime())).put("LastModifiedTime", seconds(c.lastModifiedTime()));
        if (c.lastAuthorizedTime() != null) {
            out.put("LastAuthorizedTime", seconds(c.lastAuthorizedTime()));
        }
        return out;
    }

    private static JsonNode describe(final Connection c) {
        final ObjectNode out = summary(c, null).put("Name", c.name())
            .put("AuthorizationType", c.authorization().type());
        if (c.description() != null) {
            out.put("Description", c.description());
        }
        if (c.stateReason() != null) {
            out.put("StateReason", c.stateReason());
        }
        final ObjectNode auth = out.putObject("AuthParameters");
        if (c.authorization() instanceof Connection.Basic basic) {
            auth.putObject("BasicAuthParameters").put("Username", basic.username());
        } else if (c.authorization() instanceof Connection.ApiKey key) {
            auth.putObject("ApiKeyAuthParameters").put("ApiKeyName", key.name());
        } else if (c.authorization() instanceof Connection.OAuth oauth) {
            final ObjectNode o = auth.putObject("OAuthParameters");
            o.putObject("ClientParameters").put("ClientID", oauth.clientId());
            o.put("AuthorizationEndpoint", oauth.authorizationEndpoint()).put("HttpMethod", oauth.httpMethod());
            final ObjectNode http = o.putObject("OAuthHttpParameters");
            parameters(http.putArray("HeaderParameters"), oauth.parameters().headers());
            parameters(http.putArray("QueryStringParameters"), oauth.parameters().queryStrings());
            parameters(http.putArray("BodyParameters"), oauth.parameters().bodies());
        }
        final ObjectNode invocation = auth.putObject("InvocationHttpParameters");
        parameters(invocation.putArray("HeaderParameters"), c.invocation().headers());
        parameters(invocation.putArray("QueryStringParameters"), c.invocation().queryStrings());
        return out;
    }

    /** Parameters as AWS describes them: a secret one without its value. */
    private static void parameters(final ArrayNode out, final List<Connection.Parameter> parameters) {
        for (Connection.Parameter p : parameters) {
            final ObjectNode item = out.addObject().put("Key", p.key()).put("IsValueSecret", p.secret());
            if (!p.secret()) {
                item.put("Value", p.value());
            }
        }
    }

    private JsonNode listConnections(final EventsApi.Call call) {
        final String prefix = call.text("NamePrefix");
        final String state = call.text("ConnectionState");
        final List<JsonNode> items = new ArrayList<>();
        for (Connection c : apis.connections()) {
            if ((prefix == null || c.name().startsWith(prefix)) && (state == null || c.state().name().equals(state))) {
                final ObjectNode item = summary(c, null).put("Name", c.name())
                    .put("AuthorizationType", c.authorization().type());
                if (c.stateReason() != null) {
                    item.put("StateReason", c.stateReason());
                }
                items.add(item);
            }
        }
        return EventsApi.page(call, items, "Connections");
    }

    // ---- API destinations ------------------------------------------------------------------------------------

    private JsonNode createApiDestination(final EventsApi.Call call) {
        return destinationSummary(apis.createApiDestination(call.required("Name"), call.text("Description"),
            call.required("ConnectionArn"), call.required("InvocationEndpoint"), call.required("HttpMethod"),
            rate(call)));
    }

    private JsonNode updateApiDestination(final EventsApi.Call call) {
        return destinationSummary(apis.updateApiDestination(call.required("Name"), call.text("Description"),
            call.text("ConnectionArn"), call.text("InvocationEndpoint"), call.text("HttpMethod"), rate(call)));
    }

    private static Integer rate(final EventsApi.Call call) {
        final JsonNode rate = call.body().get("InvocationRateLimitPerSecond");
        if (rate == null || rate.isNull()) {
            return null;
        }
        if (!rate.canConvertToInt()) {
            throw new IllegalArgumentException("InvocationRateLimitPerSecond must be an integer");
        }
        return rate.asInt();
    }

    private static ObjectNode destinationSummary(final ApiDestination d) {
        return EventsApi.JSON.createObjectNode().put("ApiDestinationArn", d.arn())
            .put("ApiDestinationState", d.state().name()).put("CreationTime", seconds(d.creationTime()))
            .put("LastModifiedTime", seconds(d.lastModifiedTime()));
    }

    private static JsonNode describe(final ApiDestination d) {
        final ObjectNode out = destinationSummary(d).put("Name", d.name()).put("ConnectionArn", d.connectionArn())
            .put("InvocationEndpoint", d.invocationEndpoint()).put("HttpMethod", d.httpMethod())
            .put("InvocationRateLimitPerSecond", d.rateLimitPerSecond());
        if (d.description() != null) {
            out.put("Description", d.description());
        }
        return out;
    }

    private JsonNode listApiDestinations(final EventsApi.Call call) {
        final String prefix = call.text("NamePrefix");
        final String connection = call.text("ConnectionArn");
        final List<JsonNode> items = new ArrayList<>();
        for (ApiDestination d : apis.apiDestinations()) {
            if ((prefix == null || d.name().startsWith(prefix))
                && (connection == null || d.connectionArn().equals(connection))) {
                items.add(describe(d));
            }
        }
        return EventsApi.page(call, items, "ApiDestinations");
    }

    private static double seconds(final Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }
}
