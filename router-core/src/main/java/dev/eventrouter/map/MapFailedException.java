package dev.eventrouter.map;

import java.util.List;

/**
 * A Map state failed: more items failed than it tolerates ({@code States.ExceedToleratedFailureThreshold}), or its
 * input had no array at ItemsPath ({@code States.Runtime}). Lists the failed items.
 */
public final class MapFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The error name when failures exceed the tolerance. */
    public static final String EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold";
    /** The error name when the input cannot be mapped. */
    public static final String RUNTIME = "States.Runtime";

    private final String error;
    private final transient List<MapResult.ItemFailure> failures;

    MapFailedException(final String error, final String message, final List<MapResult.ItemFailure> failures) {
        super(error + ": " + message);
        this.error = error;
        this.failures = List.copyOf(failures);
    }

    /** @return the Step Functions error name. */
    public String error() {
        return error;
    }

    /** @return the items that failed, in input order. */
    public List<MapResult.ItemFailure> failures() {
        return failures;
    }
}
