/**
 * Archives on Chronicle Queue: {@link dev.eventrouter.persist.archive.ArchiveStage} (a ring stage that appends each
 * accepted event to the matching archives of its bus), {@link dev.eventrouter.persist.archive.ArchiveStore} (one
 * archive's queue: append, durable position, retention) and {@link dev.eventrouter.persist.archive.ArchiveReader}
 * (ordered reads and time seeks).
 *
 * <p>Depends on router-core's {@code bus}, {@code match} and {@code pattern}; core never depends on it. Threading:
 * appends on the archive stage's thread only; readers are confined to their creating thread; create, delete and
 * describe from any thread.
 */
package dev.eventrouter.persist.archive;
