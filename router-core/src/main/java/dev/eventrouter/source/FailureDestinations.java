package dev.eventrouter.source;

import dev.eventrouter.bus.PutEventsEntry;
import dev.eventrouter.bus.PutEventsResult;
import dev.eventrouter.bus.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.agrona.concurrent.EpochClock;

/**
 * Built-in on-failure destinations for stream mappings: each receives the given-up batch's invocation record
 * ({@link FailurePolicy.FailedBatch#toJson(long, List)}: Lambda's {@code KafkaBatchInfo} shape for a Kafka source,
 * {@code StreamBatchInfo} for the others) before the mapping commits past the batch; a destination that throws
 * keeps the batch, which is retried (handler, then destination) after the retry delay, so nothing is dropped
 * unreported.
 */
public final class FailureDestinations {
    private FailureDestinations() {
    }

    /** A destination taking each record's JSON. */
    @FunctionalInterface
    private interface RecordSink {
        void accept(String json, long now);
    }

    private static FailurePolicy.FailureDestination writing(final EpochClock clock, final RecordSink sink) {
        return new FailurePolicy.FailureDestination() {
            @Override
            public void onFailure(final FailurePolicy.FailedBatch failed) {
                final long now = clock.time();
                sink.accept(failed.toJson(now), now);
            }

            @Override
            public void onFailure(final FailurePolicy.FailedBatch failed, final List<SourceRecord> records) {
                final long now = clock.time();
                sink.accept(failed.toJson(now, records), now);
            }
        };
    }

    /** @return a destination appending each record as one NDJSON line to {@code file} (created if missing). */
    public static FailurePolicy.FailureDestination file(final Path file, final EpochClock clock) {
        return writing(clock, (json, now) -> {
            try {
                Files.write(file, (json + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UncheckedIOException("on-failure destination " + file + ": " + e.getMessage(), e);
            }
        });
    }

    /** @return a destination sending each record to a queue as one message. */
    public static FailurePolicy.FailureDestination queue(final QueueSink queue, final EpochClock clock) {
        return writing(clock, (json, now) -> queue.send(json.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @return a destination putting each record on a bus as the {@code detail} of an event with source
     *     {@code eventrouter.mapping} and detail-type {@code Mapping Batch Failure}.
     * @throws IllegalStateException from the destination when the bus refuses the event.
     */
    public static FailurePolicy.FailureDestination bus(final Router router, final String busName,
                                                       final EpochClock clock) {
        return writing(clock, (json, now) -> {
            final PutEventsResult result = router.putEvents(List.of(new PutEventsEntry("eventrouter.mapping",
                "Mapping Batch Failure", json, Instant.ofEpochMilli(now), List.of(), busName)));
            if (result.failedEntryCount() > 0) {
                final var error = result.entries().get(0).error();
                throw new IllegalStateException("on-failure destination bus " + busName + " refused the record: "
                    + error.code() + " " + error.message());
            }
        });
    }
}
