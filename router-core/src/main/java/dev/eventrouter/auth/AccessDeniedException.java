package dev.eventrouter.auth;

/**
 * A call the policies do not allow. The message is AWS's: {@code User: <principal> is not authorized to perform:
 * <action> on resource: <arn> because no resource-based policy allows the <action> action} (or {@code with an
 * explicit deny in a resource-based policy}, or the identity-based variants).
 */
public final class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The AWS error code. */
    public static final String CODE = "AccessDeniedException";

    public AccessDeniedException(final String message) {
        super(message);
    }

    /** @return {@value #CODE}. */
    public String errorCode() {
        return CODE;
    }
}
