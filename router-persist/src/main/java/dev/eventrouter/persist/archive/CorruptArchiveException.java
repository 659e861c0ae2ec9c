package dev.eventrouter.persist.archive;

/**
 * A Chronicle Queue file that cannot be read where an entry should be: a header pointing past the end of the file
 * (Chronicle then faults in its memory access and throws {@link InternalError}), or an entry that is not a whole
 * event (a torn write left zeros). The message names the queue and the last good position; nothing after the
 * corruption is served.
 */
public final class CorruptArchiveException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param queue     the queue's directory.
     * @param afterIndex the last entry read whole, or -1.
     * @param what      what is wrong.
     * @param cause     what Chronicle threw, or {@code null}.
     */
    public CorruptArchiveException(final String queue, final long afterIndex, final String what,
                                   final Throwable cause) {
        super(queue + ": cannot read the entry after position " + afterIndex + " (corrupt file?): " + what, cause);
    }
}
