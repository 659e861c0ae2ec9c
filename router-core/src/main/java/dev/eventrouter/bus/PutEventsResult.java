package dev.eventrouter.bus;

import java.util.List;

/**
 * The answer to a PutEvents call: one result per entry, in request order, and how many failed. Clients retry only
 * the failed entries whose error {@linkplain EntryError#isRetryable() is retryable}.
 *
 * @param failedEntryCount entries that were not accepted.
 * @param entries          one per request entry.
 */
public record PutEventsResult(int failedEntryCount, List<Entry> entries) {
    /** Copies the list. */
    public PutEventsResult {
        entries = List.copyOf(entries);
    }

    /**
     * One entry's outcome: an event id, or an error.
     *
     * @param eventId the id of the accepted event, or {@code null}.
     * @param error   why the entry was refused, or {@code null}.
     */
    public record Entry(String eventId, EntryError error) {
        /** @return whether the entry was accepted. */
        public boolean isAccepted() {
            return error == null;
        }
    }
}
