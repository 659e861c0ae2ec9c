package dev.eventrouter.persist.global;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CreateEndpoint's constraints (EventBridge API reference: CreateEndpoint, EndpointEventBus) and derived names. */
class EndpointSpecTest {
    private static final String EAST = "arn:aws:events:us-east-1:111111111111:event-bus/orders";
    private static final String WEST = "arn:aws:events:us-west-2:111111111111:event-bus/orders";

    private static EndpointSpec spec(final String name, final String secondary, final boolean replication,
                                     final String role, final List<String> buses) {
        return new EndpointSpec(name, null, "arn:aws:route53:::healthcheck/h", secondary, replication, role, buses);
    }

    @Test
    void derivesItsRegionsArnAndIdFromItsBuses() {
        final EndpointSpec spec = spec("orders-global", "us-west-2", true, "arn:aws:iam::111111111111:role/r",
            List.of(WEST, EAST));
        assertEquals("us-east-1", spec.primaryRegion());
        assertEquals("arn:aws:events:us-east-1:111111111111:endpoint/orders-global", spec.arn());
        assertEquals("orders", spec.busName());
        assertEquals(EAST, spec.busArn("us-east-1"));
        assertEquals("us-east-1", spec.otherRegion("us-west-2"));
        assertEquals(spec.endpointId(), spec("orders-global", "us-west-2", false, null, List.of(EAST, WEST))
            .endpointId(), "the id depends on the account and name only");
        assertEquals(true, spec.endpointId().matches("[a-z0-9]{5}\\.[a-z0-9]{3}"), spec.endpointId());
    }

    @Test
    void refusesWhatCreateEndpointRefuses() {
        assertEquals("1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must "
            + "satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64",
            assertThrows(IllegalArgumentException.class, () -> spec("a b", "us-west-2", false, null,
                List.of(EAST, WEST))).getMessage());
        assertEquals("1 validation error detected: Value at 'eventBuses' failed to satisfy constraint: Member must "
            + "have length equal to 2, got 1", assertThrows(IllegalArgumentException.class,
                () -> spec("e", "us-west-2", false, null, List.of(EAST))).getMessage());
        assertEquals("EventBuses: the two buses must have the same name in the same account, got [" + EAST
            + ", arn:aws:events:us-west-2:111111111111:event-bus/other]", assertThrows(IllegalArgumentException.class,
                () -> spec("e", "us-west-2", false, null, List.of(EAST,
                    "arn:aws:events:us-west-2:111111111111:event-bus/other"))).getMessage());
        assertEquals("EventBuses: the two buses must be in two Regions, got us-east-1 twice", assertThrows(
            IllegalArgumentException.class, () -> spec("e", "us-east-1", false, null, List.of(EAST,
                "arn:aws:events:us-east-1:111111111111:event-bus/orders"))).getMessage());
        assertEquals("RoutingConfig.FailoverConfig.Secondary.Route eu-west-1 is not the Region of either event bus "
            + "(us-east-1, us-west-2)", assertThrows(IllegalArgumentException.class,
                () -> spec("e", "eu-west-1", false, null, List.of(EAST, WEST))).getMessage());
        assertEquals("RoleArn is required when ReplicationConfig.State is ENABLED", assertThrows(
            IllegalArgumentException.class, () -> spec("e", "us-west-2", true, null, List.of(EAST, WEST)))
            .getMessage());
        assertEquals("EventBuses[1].EventBusArn is not an event bus ARN: orders", assertThrows(
            IllegalArgumentException.class, () -> spec("e", "us-west-2", false, null, List.of(EAST, "orders")))
            .getMessage());
    }
}
