package dev.eventrouter.bus;

/**
 * Why an entry was not accepted: EventBridge's error code and a message naming the field.
 *
 * @param code    {@link #INVALID_ARGUMENT}, {@link #MALFORMED_DETAIL}, {@link #THROTTLING} or
 *                {@link #INTERNAL_FAILURE}.
 * @param message what is wrong, naming the field.
 */
public record EntryError(String code, String message) {
    /** A missing or invalid field, or an entry over the size limit. Not retryable. */
    public static final String INVALID_ARGUMENT = "InvalidArgument";
    /** Detail that is not a JSON object. Not retryable. */
    public static final String MALFORMED_DETAIL = "MalformedDetail";
    /** The bus could not take the entry in time. Retryable. */
    public static final String THROTTLING = "ThrottlingException";
    /** An unexpected failure. Retryable. */
    public static final String INTERNAL_FAILURE = "InternalFailure";
    /** The event bus named by the entry does not exist. Not retryable. */
    public static final String RESOURCE_NOT_FOUND = "ResourceNotFoundException";
    /** The bus's policies do not let the caller put events on it. */
    public static final String ACCESS_DENIED = "AccessDeniedException";
    /** The bus's policy lets the caller put events, but not with this Source. */
    public static final String NOT_AUTHORIZED_FOR_SOURCE = "NotAuthorizedForSourceException";
    /** The bus's policy lets the caller put events with this Source, but not with this DetailType. */
    public static final String NOT_AUTHORIZED_FOR_DETAIL_TYPE = "NotAuthorizedForDetailTypeException";

    /** @return whether a client may retry the entry unchanged. */
    public boolean isRetryable() {
        return THROTTLING.equals(code) || INTERNAL_FAILURE.equals(code);
    }
}
