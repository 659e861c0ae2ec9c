package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What PutEvents answers for entries accepted to an archive-backed bus once the archive stage was waited for: the
 * accepted ones stay accepted unless the archive may have missed them (its bus refuses events since a failed
 * write, or the router closed first); those become InternalFailure, counted, so the producer sends them again.
 */
class FailUnarchivedTest {
    private static ObjectNode answer() throws Exception {
        return (ObjectNode) EventsApi.JSON.readTree("{\"FailedEntryCount\":1,\"Entries\":[{\"EventId\":\"a\"},"
            + "{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"full\"},{\"EventId\":\"c\"}]}");
    }

    @Test
    void shouldKeepTheAnswerWhenTheArchivePassedTheEvents() throws Exception {
        try (Router router = Router.start(new RouterContext())) {
            final ObjectNode out = EventsServer.failUnarchived(answer(), List.of(new EventsApi.ArchivedEntry(0,
                router.eventBus(null)), new EventsApi.ArchivedEntry(2, router.eventBus(null))), true);
            assertEquals(answer(), out);
        }
    }

    @Test
    void shouldFailTheArchivedEntriesOfABusWhoseArchiveFailed() throws Exception {
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("other");
            router.eventBus(null).refuseEvents("archive a cannot write to /x: disk full");
            final ObjectNode out = EventsServer.failUnarchived(answer(), List.of(new EventsApi.ArchivedEntry(0,
                router.eventBus(null)), new EventsApi.ArchivedEntry(2, router.eventBus("other"))), true);
            assertEquals("{\"FailedEntryCount\":2,\"Entries\":[{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":"
                + "\"the event may not have been archived (archive a cannot write to /x: disk full); send it again\"},"
                + "{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"full\"},{\"EventId\":\"c\"}]}",
                out.toString());
        }
    }

    @Test
    void shouldFailEveryArchivedEntryWhenTheRouterClosedFirst() throws Exception {
        try (Router router = Router.start(new RouterContext())) {
            final ObjectNode out = EventsServer.failUnarchived(answer(), List.of(new EventsApi.ArchivedEntry(0,
                router.eventBus(null)), new EventsApi.ArchivedEntry(2, router.eventBus(null))), false);
            assertEquals("{\"FailedEntryCount\":3,\"Entries\":[{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":"
                + "\"the server stopped before the event was archived; send it again\"},{\"ErrorCode\":"
                + "\"ThrottlingException\",\"ErrorMessage\":\"full\"},{\"ErrorCode\":\"InternalFailure\","
                + "\"ErrorMessage\":\"the server stopped before the event was archived; send it again\"}]}",
                out.toString());
        }
    }
}
