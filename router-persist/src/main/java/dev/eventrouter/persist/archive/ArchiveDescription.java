package dev.eventrouter.persist.archive;

/**
 * What {@code describe} reports of an archive. Times are epoch milliseconds, -1 when the archive is empty.
 *
 * @param spec            the archive as declared.
 * @param state           {@code ENABLED}; {@code FAILED} after a write failed (its bus refuses events until
 *                        {@link ArchiveStage#resume}); {@code DISABLED} once deleted.
 * @param eventCount      events archived.
 * @param sizeBytes       bytes of its queue files on disk.
 * @param firstEventTime  archive time of the first event.
 * @param lastEventTime   archive time of the last event.
 * @param durablePosition the position up to which every event survives a process crash, -1 when empty.
 * @param failedAppends   accepted events that could not be archived (already in the ring when it failed).
 * @param failure         why the last write failed, or {@code null}.
 */
public record ArchiveDescription(ArchiveSpec spec, String state, long eventCount, long sizeBytes,
                                 long firstEventTime, long lastEventTime, long durablePosition, long failedAppends,
                                 String failure) {
}
