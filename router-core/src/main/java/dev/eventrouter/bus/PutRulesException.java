package dev.eventrouter.bus;

/**
 * {@link Router#putRules} refused a rule, so none took effect: which one ({@link #index()}) and why (the cause, what
 * {@link Router#putRule} would have thrown for it: an {@code InvalidPatternException}, an
 * {@code AccessDeniedException}, an {@code IllegalArgumentException}).
 */
public final class PutRulesException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int index;

    PutRulesException(final int index, final RuntimeException cause) {
        super("Rules[" + index + "]: " + cause.getMessage(), cause);
        this.index = index;
    }

    /** @return the position in the list of the rule refused. */
    public int index() {
        return index;
    }

    /** @return what was refused, as {@link Router#putRule} throws it. */
    @Override
    public synchronized RuntimeException getCause() {
        return (RuntimeException) super.getCause();
    }
}
