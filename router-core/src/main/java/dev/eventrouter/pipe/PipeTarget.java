package dev.eventrouter.pipe;

import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import dev.eventrouter.source.QueueSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a pipe sends its events: called with the batch's events (after enrichment and transformation), on the
 * poller's thread. Throwing fails the batch: it is retried through the whole pipe, enrichment included.
 */
@FunctionalInterface
public interface PipeTarget {
    /** @param events UTF-8 payloads, in order. */
    void deliver(List<byte[]> events) throws Exception;

    /**
     * @return a target that puts each event on a bus as the {@code detail} of an event with this source and
     *     detail-type (PutEvents, 10 entries a call); an entry the bus refuses fails the batch with its error.
     */
    static PipeTarget bus(final Router router, final String busName, final String source, final String detailType) {
        return events -> {
            final List<String> refused = new ArrayList<>();
            for (int from = 0; from < events.size(); from += 10) {
                final List<PutEventsEntry> entries = new ArrayList<>(10);
                for (int i = from; i < Math.min(events.size(), from + 10); i++) {
                    entries.add(new PutEventsEntry(source, detailType,
                        new String(events.get(i), StandardCharsets.UTF_8), null, List.of(), busName));
                }
                final PutEventsResult result = router.putEvents(entries);
                for (int i = 0; i < result.entries().size(); i++) {
                    final PutEventsResult.Entry entry = result.entries().get(i);
                    if (!entry.isAccepted()) {
                        refused.add("event " + (from + i) + ": " + entry.error().code() + " "
                            + entry.error().message());
                    }
                }
            }
            if (!refused.isEmpty()) {
                throw new IllegalStateException("bus " + busName + " refused " + String.join("; ", refused));
            }
        };
    }

    /** @return a target that sends each event to a queue as one message. */
    static PipeTarget queue(final QueueSink queue) {
        return events -> {
            for (int i = 0; i < events.size(); i++) {
                queue.send(events.get(i));
            }
        };
    }
}
