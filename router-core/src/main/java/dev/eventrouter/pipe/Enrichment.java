package dev.eventrouter.pipe;

/**
 * A pipe's enrichment: called synchronously with the batch as a JSON array of its events, returns the enriched
 * payload, which replaces it. An array's elements become the events sent on (it may be longer or shorter); any other
 * JSON value is one event; {@code ""}, {@code {}} and {@code []} send nothing (the enrichment filtered the batch).
 * Throwing fails the batch, which is retried through the whole pipe by its source's policy.
 */
@FunctionalInterface
public interface Enrichment {
    /**
     * @param batch UTF-8 JSON array of the batch's events.
     * @return UTF-8 JSON (or an empty string).
     */
    byte[] enrich(byte[] batch) throws Exception;
}
