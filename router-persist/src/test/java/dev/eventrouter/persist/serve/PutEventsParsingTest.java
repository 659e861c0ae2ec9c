package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.bus.PutEventsEntry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PutEvents' entries read from the request's tokens: the members AWS defines, and a named error for each bad one. */
class PutEventsParsingTest {
    private static List<PutEventsEntry> parse(final String body) throws Exception {
        try (com.fasterxml.jackson.core.JsonParser parser = EventsApi.JSON.getFactory().createParser(body)) {
            return EventsApi.entries(parser);
        }
    }

    private static ApiException refused(final String body) {
        return assertThrows(ApiException.class, () -> parse(body));
    }

    @Test
    void shouldReadEveryMemberAndSkipUnknownOnes() throws Exception {
        assertEquals(List.of(new PutEventsEntry("shop", "Order", "{\"a\":1}", Instant.parse("2026-12-02T10:00:00.250Z"),
            List.of("arn:x", "arn:y"), "orders", "t"), new PutEventsEntry("s", null, null, null, List.of(), null)),
            parse("{\"EndpointId\":\"x\",\"Entries\":[{\"Source\":\"shop\",\"DetailType\":\"Order\",\"Detail\":"
                + "\"{\\\"a\\\":1}\",\"Time\":1796205600.25,\"Resources\":[\"arn:x\",\"arn:y\"],\"EventBusName\":"
                + "\"orders\",\"TraceHeader\":\"t\",\"Unknown\":{\"deep\":[1,{}]}},{\"Source\":\"s\",\"Detail\":null,"
                + "\"Resources\":null}],\"More\":[1,2]}"));
    }

    @Test
    void readsTheEndpointIdAndTheForwardingRegionOfAGlobalEndpointCall() throws Exception {
        try (com.fasterxml.jackson.core.JsonParser parser = EventsApi.JSON.getFactory().createParser(
            "{\"Entries\":[{\"Source\":\"s\"}],\"EndpointId\":\"abcde.veo\",\"EventRouterForwardedFrom\":"
                + "\"us-west-2\"}")) {
            final EventsApi.PutEventsRequest request = EventsApi.request(parser);
            assertEquals("abcde.veo", request.endpointId());
            assertEquals("us-west-2", request.forwardedFrom());
            assertEquals(1, request.entries().size());
        }
        try (com.fasterxml.jackson.core.JsonParser parser = EventsApi.JSON.getFactory().createParser(
            "{\"Entries\":[{\"Source\":\"s\"}]}")) {
            final EventsApi.PutEventsRequest request = EventsApi.request(parser);
            assertEquals(null, request.endpointId());
            assertEquals(null, request.forwardedFrom());
        }
        // a router serving no global endpoint answers an EndpointId as AWS answers an unknown one
        final EventsApi api = new EventsApi(dev.eventrouter.bus.Router.start(new dev.eventrouter.bus.RouterContext()),
            new AwsTargets());
        final ApiException unknown = assertThrows(ApiException.class, () -> api.putEvents(
            dev.eventrouter.auth.Principal.account("123456789012"), ("{\"EndpointId\":\"abcde.veo\",\"Entries\":"
                + "[{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"{}\"}]}").getBytes(
                java.nio.charset.StandardCharsets.UTF_8), null));
        assertEquals("ResourceNotFoundException", unknown.type);
        assertEquals("No endpoint has the EndpointId abcde.veo (this router serves no global endpoints).",
            unknown.getMessage());
        api.router().close();
    }

    @Test
    void shouldAnswerAwsValidationMessagesForEntries() {
        assertEquals("1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must "
            + "not be null", refused("{}").getMessage());
        assertEquals("1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must "
            + "not be null", refused("{\"Entries\":null}").getMessage());
        assertEquals("1 validation error detected: Value '0 entries' at 'entries' failed to satisfy constraint: "
            + "Member must have length greater than or equal to 1", refused("{\"Entries\":[]}").getMessage());
        assertEquals("1 validation error detected: Value '11 entries' at 'entries' failed to satisfy constraint: "
            + "Member must have length less than or equal to 10", refused("{\"Entries\":[" + "{},".repeat(10) + "{}]}")
            .getMessage());
        assertEquals("ValidationException", refused("{}").type);
    }

    @Test
    void shouldNameTheEntryAndMemberOfAWrongType() {
        final ApiException object = refused("{\"Entries\":[{\"Source\":\"s\"},{\"Detail\":{\"a\":1}}]}");
        assertEquals("SerializationException", object.type);
        assertEquals("Entries[1].Detail must be a string, got an object", object.getMessage());
        assertEquals("Entries[0].Source must be a string, got an array",
            refused("{\"Entries\":[{\"Source\":[\"s\"]}]}").getMessage());
        assertEquals("Entries[0].Time must be epoch seconds, got noon",
            refused("{\"Entries\":[{\"Time\":\"noon\"}]}").getMessage());
        assertEquals("Entries[0].Resources must be a list of strings",
            refused("{\"Entries\":[{\"Resources\":\"arn:x\"}]}").getMessage());
        assertEquals("Entries[0] must be an object", refused("{\"Entries\":[\"s\"]}").getMessage());
        assertEquals("the request body must be a JSON object", refused("[1]").getMessage());
    }
}
