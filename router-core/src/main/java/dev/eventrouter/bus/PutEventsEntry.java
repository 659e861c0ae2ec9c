package dev.eventrouter.bus;

import java.time.Instant;
import java.util.List;

/**
 * One entry of a PutEvents call. Immutable. {@code source}, {@code detailType} and {@code detail} are required
 * (an entry without them fails on its own); {@code time} defaults to when the entry is accepted, and
 * {@code eventBusName} (a name or an ARN) to the default bus.
 *
 * @param source       the event source; custom sources must not start with {@code aws.}.
 * @param detailType   at most 128 characters.
 * @param detail       a JSON object, as text.
 * @param time         the event time, or {@code null} for the time of acceptance.
 * @param resources    ARNs the event concerns; may be empty.
 * @param eventBusName a bus name or ARN, or {@code null} for the default bus.
 * @param traceHeader  an AWS X-Ray trace header (1-500 printable ASCII characters), carried to the targets beside
 *                     the event (never in it), or {@code null}.
 */
public record PutEventsEntry(String source, String detailType, String detail, Instant time, List<String> resources,
                             String eventBusName, String traceHeader) {
    /**
     * Copies the resources; {@code null} means none.
     *
     * @throws IllegalArgumentException when a resource is {@code null}, naming its index.
     */
    public PutEventsEntry {
        if (resources == null) {
            resources = List.of();
        } else {
            for (int i = 0; i < resources.size(); i++) {
                if (resources.get(i) == null) {
                    throw new IllegalArgumentException("Resources[" + i + "] must not be null");
                }
            }
            resources = List.copyOf(resources);
        }
    }

    /** An entry without a trace header. */
    public PutEventsEntry(final String source, final String detailType, final String detail, final Instant time,
                          final List<String> resources, final String eventBusName) {
        this(source, detailType, detail, time, resources, eventBusName, null);
    }

    /** @return an entry for the default bus, stamped at acceptance, without resources. */
    public static PutEventsEntry of(final String source, final String detailType, final String detail) {
        return new PutEventsEntry(source, detailType, detail, null, List.of(), null);
    }

    /** @return a copy with this event time. */
    public PutEventsEntry withTime(final Instant eventTime) {
        return new PutEventsEntry(source, detailType, detail, eventTime, resources, eventBusName, traceHeader);
    }

    /** @return a copy with these resources. */
    public PutEventsEntry withResources(final List<String> eventResources) {
        return new PutEventsEntry(source, detailType, detail, time, eventResources, eventBusName, traceHeader);
    }

    /** @return a copy for this bus (name or ARN). */
    public PutEventsEntry withEventBusName(final String bus) {
        return new PutEventsEntry(source, detailType, detail, time, resources, bus, traceHeader);
    }

    /** @return a copy with this X-Ray trace header. */
    public PutEventsEntry withTraceHeader(final String header) {
        return new PutEventsEntry(source, detailType, detail, time, resources, eventBusName, header);
    }
}
