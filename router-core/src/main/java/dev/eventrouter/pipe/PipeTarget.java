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
     * @return the most events this target takes at a time: a pipe's source may not batch more (Pipes user guide,
     *         "batching": 10 for an EventBridge bus, SNS or SQS target; unbounded here for other targets).
     */
    default int maxBatchSize() {
        return Integer.MAX_VALUE;
    }

    /** @return this target, taking at most {@code max} events at a time. */
    default PipeTarget withMaxBatchSize(final int max) {
        final PipeTarget delegate = this;
        return new PipeTarget() {
            @Override
            public void deliver(final List<byte[]> events) throws Exception {
                delegate.deliver(events);
            }

            @Override
            public int maxBatchSize() {
                return max;
            }
        };
    }

    /**
     * @return a target that puts each event on a bus as the {@code detail} of an event with this source and
     *     detail-type (PutEvents, 10 entries a call); an entry the bus refuses fails the batch with its error. It
     *     takes 10 events at a time, as an EventBridge bus target does.
     */
    static PipeTarget bus(final Router router, final String busName, final String source, final String detailType) {
        final PipeTarget put = events -> {
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
        return put.withMaxBatchSize(10);
    }

    /** @return a target that sends each event to a queue as one message; 10 at a time, as an SQS target. */
    static PipeTarget queue(final QueueSink queue) {
        final PipeTarget send = events -> {
            for (int i = 0; i < events.size(); i++) {
                queue.send(events.get(i));
            }
        };
        return send.withMaxBatchSize(10);
    }
}
