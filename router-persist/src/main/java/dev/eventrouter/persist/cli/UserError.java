package dev.eventrouter.persist.cli;

/** A problem with what the user gave: reported as one line on stderr with exit code 2. */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserError(final String message) {
        super(message);
    }
}
