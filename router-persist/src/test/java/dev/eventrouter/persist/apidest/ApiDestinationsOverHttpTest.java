package dev.eventrouter.persist.apidest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.persist.serve.Credentials;
import dev.eventrouter.persist.serve.EventsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.ApiDestinationHttpMethod;
import software.amazon.awssdk.services.eventbridge.model.ConnectionAuthorizationType;
import software.amazon.awssdk.services.eventbridge.model.ConnectionState;
import software.amazon.awssdk.services.eventbridge.model.CreateApiDestinationResponse;
import software.amazon.awssdk.services.eventbridge.model.CreateConnectionResponse;
import software.amazon.awssdk.services.eventbridge.model.DescribeApiDestinationResponse;
import software.amazon.awssdk.services.eventbridge.model.DescribeConnectionResponse;
import software.amazon.awssdk.services.eventbridge.model.EventBridgeException;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;

/**
 * CreateConnection ... ListApiDestinations and an API destination target through the real AWS SDK against
 * {@code router serve}'s server, with a real endpoint on loopback receiving the calls.
 */
@Timeout(60)
class ApiDestinationsOverHttpTest {
    private static final String KEY = "AKIAAPIDEST000000001";

    private LoopbackHttpServer endpoint;
    private Router router;
    private ApiDestinations apis;
    private EventsServer server;
    private EventBridgeClient client;

    @BeforeEach
    void setUp() throws IOException {
        endpoint = new LoopbackHttpServer();
        router = Router.start(new RouterContext().account("111111111111").publishTimeout(Duration.ZERO));
        apis = ApiDestinations.start(new ApiDestinations.Context().account("111111111111").seed(3));
        server = EventsServer.start(router, new InetSocketAddress("127.0.0.1", 0), new Credentials(Map.of(KEY,
            new Credentials.Entry("secret", Principal.account("111111111111")))), Principal.account("111111111111"),
            Clock.systemUTC(), 1);
        server.serveApiDestinations(apis);
        client = EventBridgeClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
            .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create()).credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, "secret"))).build();
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.close();
        router.close(Duration.ofSeconds(10));
        apis.close();
        endpoint.close();
    }

    @Test
    void shouldManageConnectionsAndDestinationsAndDeliverThroughThemWithTheSdk() {
        final CreateConnectionResponse created = client.createConnection(b -> b.name("crm").description("CRM")
            .authorizationType(ConnectionAuthorizationType.API_KEY).authParameters(a -> a
                .apiKeyAuthParameters(k -> k.apiKeyName("x-api-key").apiKeyValue("s3cr3t-key"))
                .invocationHttpParameters(p -> p.headerParameters(h -> h.key("X-Team").value("orders")
                    .isValueSecret(false), h -> h.key("X-Token").value("s3cr3t-param").isValueSecret(true)))));
        assertEquals(ConnectionState.AUTHORIZED, created.connectionState());
        assertTrue(created.connectionArn().matches("arn:aws:events:us-east-1:111111111111:connection/crm/"
            + "[0-9a-f-]{36}"), created.connectionArn());

        final DescribeConnectionResponse described = client.describeConnection(b -> b.name("crm"));
        assertEquals("crm", described.name());
        assertEquals("CRM", described.description());
        assertEquals(ConnectionAuthorizationType.API_KEY, described.authorizationType());
        assertEquals("x-api-key", described.authParameters().apiKeyAuthParameters().apiKeyName());
        assertEquals("orders", described.authParameters().invocationHttpParameters().headerParameters().get(0)
            .value());
        assertNull(described.authParameters().invocationHttpParameters().headerParameters().get(1).value(),
            "a secret parameter is described without its value");
        assertFalse(described.toString().contains("s3cr3t"), described.toString());

        final CreateApiDestinationResponse destination = client.createApiDestination(b -> b.name("orders")
            .connectionArn(created.connectionArn()).invocationEndpoint(endpoint.url("/orders/*"))
            .httpMethod(ApiDestinationHttpMethod.PUT).invocationRateLimitPerSecond(50));
        assertEquals("ACTIVE", destination.apiDestinationStateAsString());
        final DescribeApiDestinationResponse d = client.describeApiDestination(b -> b.name("orders"));
        assertEquals(endpoint.url("/orders/*"), d.invocationEndpoint());
        assertEquals(50, d.invocationRateLimitPerSecond());
        assertEquals(ApiDestinationHttpMethod.PUT, d.httpMethod());
        assertEquals(List.of("orders"), client.listApiDestinations(b -> b.namePrefix("ord")).apiDestinations()
            .stream().map(x -> x.name()).toList());
        assertEquals(List.of("crm"), client.listConnections(b -> b.connectionState(ConnectionState.AUTHORIZED))
            .connections().stream().map(x -> x.name()).toList());

        client.putRule(b -> b.name("new-orders").eventPattern("{\"source\":[\"shop\"]}"));
        assertEquals(0, client.putTargets(b -> b.rule("new-orders").targets(t -> t.id("crm")
            .arn(destination.apiDestinationArn()).httpParameters(h -> h.pathParameterValues("$.detail.id")
                .headerParameters(Map.of("X-Source", "$.source"))))).failedEntryCount());
        assertEquals(0, client.putEvents(b -> b.entries(PutEventsRequestEntry.builder().source("shop")
            .detailType("Order").detail("{\"id\":\"o-17\"}").build())).failedEntryCount());
        Await.until(() -> endpoint.requests.size() == 1, "the endpoint called");
        final LoopbackHttpServer.Request call = endpoint.requests.get(0);
        assertEquals("PUT /orders/o-17", call.method() + " " + call.uri());
        assertEquals("s3cr3t-key", call.headers().get("x-api-key"));
        assertEquals("s3cr3t-param", call.headers().get("x-token"));
        assertEquals("shop", call.headers().get("x-source"));
        assertEquals(destination.apiDestinationArn(), client.listTargetsByRule(b -> b.rule("new-orders")).targets()
            .get(0).arn());
        Await.until(() -> apis.metrics("orders").successes() == 1, "answered");
        final String metrics = scrape();
        final String tag = "api_destination=\"" + destination.apiDestinationArn() + "\"";
        assertTrue(metrics.contains("eventrouter_apidest_invocations_total{" + tag + "} 1.0"), metrics);
        assertTrue(metrics.contains("eventrouter_apidest_successes_total{" + tag + "} 1.0"), metrics);
        assertTrue(metrics.contains("eventrouter_apidest_failures_total{" + tag + ",class=\"5xx\"} 0.0"), metrics);
        assertTrue(metrics.contains("eventrouter_apidest_latency_micros{" + tag + ",quantile=\"max\"}"), metrics);

        assertEquals(ConnectionState.DEAUTHORIZED, client.deauthorizeConnection(b -> b.name("crm"))
            .connectionState());
        final EventBridgeException inUse = assertThrows(EventBridgeException.class,
            () -> client.deleteConnection(b -> b.name("crm")));
        assertEquals("connection crm is used by API destination orders", inUse.awsErrorDetails().errorMessage());
        client.deleteApiDestination(b -> b.name("orders"));
        assertEquals(ConnectionState.DELETING, client.deleteConnection(b -> b.name("crm")).connectionState());
        assertThrows(ResourceNotFoundException.class, () -> client.describeConnection(b -> b.name("crm")));
    }

    private String scrape() {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.port() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldAnswerBadDefinitionsWithAwsErrors() {
        client.createConnection(b -> b.name("c").authorizationType(ConnectionAuthorizationType.BASIC)
            .authParameters(a -> a.basicAuthParameters(p -> p.username("u").password("p"))));
        assertThrows(ResourceAlreadyExistsException.class, () -> client.createConnection(b -> b.name("c")
            .authorizationType(ConnectionAuthorizationType.BASIC)
            .authParameters(a -> a.basicAuthParameters(p -> p.username("u").password("p")))));
        final String arn = client.describeConnection(b -> b.name("c")).connectionArn();
        final EventBridgeException http = assertThrows(EventBridgeException.class, () -> client.createApiDestination(
            b -> b.name("d").connectionArn(arn).invocationEndpoint("http://example.com/x")
                .httpMethod(ApiDestinationHttpMethod.POST)));
        assertEquals("ValidationException", http.awsErrorDetails().errorCode());
        assertEquals("InvocationEndpoint http://example.com/x must be an HTTPS URL (HTTP only on a loopback address: "
            + "localhost, 127.0.0.0/8 or [::1])", http.awsErrorDetails().errorMessage());
        assertThrows(ResourceNotFoundException.class, () -> client.createApiDestination(b -> b.name("d")
            .connectionArn("arn:aws:events:us-east-1:111111111111:connection/nope/x")
            .invocationEndpoint("https://example.com").httpMethod(ApiDestinationHttpMethod.POST)));
        final EventBridgeException missing = assertThrows(EventBridgeException.class, () -> client.createConnection(
            b -> b.name("k").authorizationType(ConnectionAuthorizationType.API_KEY)
                .authParameters(a -> a.basicAuthParameters(p -> p.username("u").password("p")))));
        assertEquals("ApiKeyAuthParameters is required for this authorization type",
            missing.awsErrorDetails().errorMessage());
    }
}
