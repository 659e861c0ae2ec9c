package dev.eventrouter.persist.cli;

/** A problem with what the user gave: reported as one line on stderr with exit code 2. */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(final String message) {
        super(message);
    }
}
