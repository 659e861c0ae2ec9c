package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.eventrouter.bus.EntryError;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What PutEvents answers for entries accepted to an archive-backed bus once the archive stage was waited for: the
 * accepted ones stay accepted unless the archive may have missed them (its bus refuses events since a failed
 * write, or the router closed first); those become InternalFailure, counted, so the producer sends them again.
 * Also the answer's bytes, which the server writes without a tree: the same JSON as the tree prints.
 */
class FailUnarchivedTest {
    private static PutEventsResult answer() {
        return new PutEventsResult(1, List.of(new PutEventsResult.Entry("a", null),
            new PutEventsResult.Entry(null, new EntryError(EntryError.THROTTLING, "full")),
            new PutEventsResult.Entry("c", null)));
    }

    /** The answer as Jackson prints it from a tree: what the server wrote before it wrote the bytes itself. */
    private static String jackson(final PutEventsResult result) {
        final com.fasterxml.jackson.databind.node.ObjectNode out = EventsApi.JSON.createObjectNode();
        out.put("FailedEntryCount", result.failedEntryCount());
        final com.fasterxml.jackson.databind.node.ArrayNode answers = out.putArray("Entries");
        for (PutEventsResult.Entry entry : result.entries()) {
            if (entry.isAccepted()) {
                answers.addObject().put("EventId", entry.eventId());
            } else {
                answers.addObject().put("ErrorCode", entry.error().code())
                    .put("ErrorMessage", entry.error().message());
            }
        }
        return out.toString();
    }

    private static String json(final PutEventsResult result) {
        return new String(EventsApi.answerBytes(result), StandardCharsets.UTF_8);
    }

    @Test
    void shouldKeepTheAnswerWhenTheArchivePassedTheEvents() {
        try (Router router = Router.start(new RouterContext())) {
            final PutEventsResult answer = answer();
            final PutEventsResult out = EventsServer.failUnarchived(answer, List.of(new EventsApi.ArchivedEntry(0,
                router.eventBus(null)), new EventsApi.ArchivedEntry(2, router.eventBus(null))), true);
            assertSame(answer, out);
            assertEquals("{\"FailedEntryCount\":1,\"Entries\":[{\"EventId\":\"a\"},{\"ErrorCode\":"
                + "\"ThrottlingException\",\"ErrorMessage\":\"full\"},{\"EventId\":\"c\"}]}", json(out));
        }
    }

    @Test
    void shouldFailTheArchivedEntriesOfABusWhoseArchiveFailed() {
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("other");
            router.eventBus(null).refuseEvents("archive a cannot write to /x: disk full");
            final PutEventsResult out = EventsServer.failUnarchived(answer(), List.of(new EventsApi.ArchivedEntry(0,
                router.eventBus(null)), new EventsApi.ArchivedEntry(2, router.eventBus("other"))), true);
            assertEquals("{\"FailedEntryCount\":2,\"Entries\":[{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":"
                + "\"the event may not have been archived (archive a cannot write to /x: disk full); send it again\"},"
                + "{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"full\"},{\"EventId\":\"c\"}]}",
                json(out));
        }
    }

    @Test
    void shouldFailEveryArchivedEntryWhenTheRouterClosedFirst() {
        try (Router router = Router.start(new RouterContext())) {
            final PutEventsResult out = EventsServer.failUnarchived(answer(), List.of(new EventsApi.ArchivedEntry(0,
                router.eventBus(null)), new EventsApi.ArchivedEntry(2, router.eventBus(null))), false);
            assertEquals("{\"FailedEntryCount\":3,\"Entries\":[{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":"
                + "\"the server stopped before the event was archived; send it again\"},{\"ErrorCode\":"
                + "\"ThrottlingException\",\"ErrorMessage\":\"full\"},{\"ErrorCode\":\"InternalFailure\","
                + "\"ErrorMessage\":\"the server stopped before the event was archived; send it again\"}]}",
                json(out));
        }
    }

    /** Messages name what the client sent: quotes, backslashes, control and non-ASCII characters are escaped. */
    @Test
    void shouldWriteTheSameJsonAsTheTreeForAnyMessage() throws Exception {
        final PutEventsResult result = new PutEventsResult(2, List.of(
            new PutEventsResult.Entry(null, new EntryError(EntryError.INVALID_ARGUMENT, "bad \"x\\y\"\n\t\u0001")),
            new PutEventsResult.Entry("e1", null),
            new PutEventsResult.Entry(null, new EntryError(EntryError.MALFORMED_DETAIL, "caf\u00e9 \ud83d\ude00 \u2028"))));
        assertEquals(jackson(result), json(result), "the bytes Jackson prints for the same answer");
        assertEquals("{\"FailedEntryCount\":0,\"Entries\":[]}", json(new PutEventsResult(0, List.of())));
    }
}
