package dev.eventrouter.auth;

/**
 * A policy document (or PutPermission request) that cannot be accepted. The message names the statement (index and
 * Sid) and the field, as {@code Statement[1] (Sid=PurpleRules): Condition: operator 'NumericLessThan' is not
 * supported}. AWS answers these with {@code MalformedPolicyDocumentException} or {@code PolicyLengthExceededException}.
 */
public final class InvalidPolicyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String errorCode;

    InvalidPolicyException(final String errorCode, final String message) {
        super(message);
        this.errorCode = errorCode;
    }

    InvalidPolicyException(final String message) {
        this("MalformedPolicyDocumentException", message);
    }

    /** @return the AWS error code: {@code MalformedPolicyDocumentException} or {@code PolicyLengthExceededException}. */
    public String errorCode() {
        return errorCode;
    }
}
