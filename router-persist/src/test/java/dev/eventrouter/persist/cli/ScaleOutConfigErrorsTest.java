package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad {@code distributed} buses and {@code globalEndpoints} sections are refused before anything starts, each error
 * naming its field (exit 2), and {@code router run} refuses global endpoints (they are served over HTTP).
 */
class ScaleOutConfigErrorsTest {
    @TempDir
    Path dir;

    private String error(final String config) throws Exception {
        final Path file = Files.writeString(dir.resolve("router.json"), config);
        final CliRun run = CliRun.of("run", "--config", file.toString(), "--events", Files.writeString(
            dir.resolve("e.ndjson"), "").toString());
        assertEquals(2, run.code(), run.err());
        return run.err().replace("router: " + file + ": ", "").trim();
    }

    private static final String ENDPOINT = """
        {"name": "g", "routingConfig": {"failoverConfig": {"primary": {"healthCheck": "h"},
           "secondary": {"route": "us-west-2"}}}, "replicationConfig": {"state": "DISABLED"},
         "eventBuses": [{"eventBusArn": "arn:aws:events:us-east-1:111111111111:event-bus/orders"},
                        {"eventBusArn": "arn:aws:events:us-west-2:111111111111:event-bus/orders"}]}""";

    @Test
    void aDistributedBusNamesTheWrongField() throws Exception {
        assertEquals("eventBuses[0].distributed.partitions: must be positive, got 0", error("""
            {"eventBuses": [{"name": "orders", "distributed": {"bootstrapServers": "127.0.0.1:9", "partitions": 0}}]}
            """));
        assertEquals("eventBuses[0].distributed.bootstrapServers: required: a non-empty string", error("""
            {"eventBuses": [{"name": "orders", "distributed": {}}]}"""));
        assertEquals("eventBuses[0].distributed: a distributed bus is named, not an ARN (it is in the router's "
            + "account)", error("""
            {"eventBuses": [{"name": "arn:aws:events:us-east-1:123456789012:event-bus/orders",
                             "distributed": {"bootstrapServers": "127.0.0.1:9"}}]}"""));
        assertEquals("eventBuses[0].distributed.colour: unknown field (expected one of [bootstrapServers, "
            + "consumerProperties, controlTopic, eventsTopic, groupId, openTimeoutSeconds, partitionKeyPath, "
            + "partitions])", error("""
            {"eventBuses": [{"name": "orders", "distributed": {"bootstrapServers": "h:1", "colour": "red"}}]}"""));
    }

    @Test
    void globalEndpointsNameTheWrongFieldAndRouterRunRefusesThem() throws Exception {
        assertEquals("globalEndpoints.regions: is required: each Region's router URL (and the access key to call "
            + "the other one with)", error("{\"globalEndpoints\": {\"endpoints\": []}}"));
        assertEquals("globalEndpoints.regions.us-west-2.url: an http:// or https:// URL with a host, got ftp://x",
            error("{\"globalEndpoints\": {\"regions\": {\"us-west-2\": {\"url\": \"ftp://x\"}}}}"));
        assertEquals("globalEndpoints.regions.us-west-2: accessKeyId and secretAccessKey go together", error(
            "{\"globalEndpoints\": {\"regions\": {\"us-west-2\": {\"url\": \"http://h:1\", \"accessKeyId\": \"K\"}}}}"));
        assertEquals("globalEndpoints.healthChecks[0]: evaluationPeriods: at least 1, got 0", error("""
            {"globalEndpoints": {"regions": {}, "healthChecks": [{"name": "h", "evaluationPeriods": 0}]}}"""));
        assertEquals("globalEndpoints.endpoints[0]: RoleArn is required when ReplicationConfig.State is ENABLED",
            error("{\"globalEndpoints\": {\"regions\": {}, \"endpoints\": [" + ENDPOINT.replace("DISABLED",
                "ENABLED") + "]}}"));
        assertEquals("globalEndpoints: producers reach global endpoints over HTTP: serve this config with router "
            + "serve", error("{\"globalEndpoints\": {\"regions\": {}, \"endpoints\": [" + ENDPOINT + "]}}"));
    }
}
