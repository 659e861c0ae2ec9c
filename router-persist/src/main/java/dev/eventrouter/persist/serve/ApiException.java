package dev.eventrouter.persist.serve;

/**
 * An AWS error answer: its {@code __type} (the error code the SDKs map to exception classes), message and HTTP
 * status.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String type;
    final int status;

    ApiException(final String type, final String message) {
        this(type, message, 400);
    }

    ApiException(final String type, final String message, final int status) {
        super(message);
        this.type = type;
        this.status = status;
    }

    static ApiException validation(final String message) {
        return new ApiException("ValidationException", message);
    }

    static ApiException notFound(final String message) {
        return new ApiException("ResourceNotFoundException", message);
    }
}
