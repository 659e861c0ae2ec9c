package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EventArnsTest {
    @Test
    void shouldResolveNamesArnsAndTheDefaultBus() {
        assertEquals(new EventArns.BusId("us-east-1", "123456789012", "default"),
            EventArns.resolve(null, "us-east-1", "123456789012"));
        assertEquals(new EventArns.BusId("us-east-1", "123456789012", "orders"),
            EventArns.resolve("orders", "us-east-1", "123456789012"));
        assertEquals(new EventArns.BusId("eu-west-1", "210987654321", "partner/acme"),
            EventArns.resolve("arn:aws:events:eu-west-1:210987654321:event-bus/partner/acme", "us-east-1",
                "123456789012"));
    }

    @Test
    void shouldFormatBusAndRuleArns() {
        final EventArns.BusId orders = new EventArns.BusId("us-east-1", "123456789012", "orders");
        assertEquals("arn:aws:events:us-east-1:123456789012:event-bus/orders", orders.arn());
        assertEquals("arn:aws:events:us-east-1:123456789012:rule/orders/big", orders.ruleArn("big"));
        assertEquals("arn:aws:events:us-east-1:123456789012:rule/big",
            new EventArns.BusId("us-east-1", "123456789012", "default").ruleArn("big"));
    }

    @Test
    void shouldRejectMalformedReferencesNamingTheField() {
        assertEquals("EventBusName=arn:aws:sqs:us-east-1:123456789012:q: not an event bus ARN "
                + "(arn:aws:events:REGION:ACCOUNT:event-bus/NAME)",
            assertThrows(IllegalArgumentException.class, () -> EventArns.resolve(
                "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1", "123456789012")).getMessage());
        assertEquals("account=12345: must be 12 digits", assertThrows(IllegalArgumentException.class,
            () -> EventArns.resolve("arn:aws:events:us-east-1:12345:event-bus/x", "us-east-1", "1")).getMessage());
        assertEquals("EventBusName=bad name: must be 1-256 characters of letters, digits, '.', '-', '_' and '/'",
            assertThrows(IllegalArgumentException.class, () -> EventArns.resolve("bad name", "us-east-1",
                "123456789012")).getMessage());
        assertEquals("region=mars: not a region name such as us-east-1", assertThrows(IllegalArgumentException.class,
            () -> EventArns.region("mars")).getMessage());
    }
}
