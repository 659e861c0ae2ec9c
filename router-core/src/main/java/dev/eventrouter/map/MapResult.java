package dev.eventrouter.map;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a Map state returned: one result per item (or per batch), in input order; {@code null} for a failed item the
 * map tolerated.
 *
 * @param results  the results' JSON, in input order.
 * @param failures the items that failed within tolerance, in input order.
 */
public record MapResult(List<String> results, List<ItemFailure> failures) {
    /** Copies the failures (results may hold nulls). */
    public MapResult {
        results = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(results));
        failures = List.copyOf(failures);
    }

    /** @return the state's output: a JSON array of the results ({@code null} for tolerated failures). */
    public String output() {
        final StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < results.size(); i++) {
            out.append(i == 0 ? "" : ",").append(results.get(i) == null ? "null" : results.get(i));
        }
        return out.append(']').toString();
    }

    /** @return {@link #output()} as UTF-8. */
    public byte[] outputBytes() {
        return output().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * An item (or a batch of items) that failed.
     *
     * @param index     its index in the input array (a batch's first item).
     * @param itemCount how many items it held (1, or the batch's size).
     * @param error     why, from the processor's exception.
     */
    public record ItemFailure(int index, int itemCount, String error) {
    }
}
