package dev.eventrouter.persist.archive;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * An archive as declared. Immutable.
 *
 * @param name          1-48 characters of letters, digits, '.', '-' and '_'.
 * @param eventBus      the source bus, by name or ARN.
 * @param eventPattern  only events matching it are archived; {@code null} archives every event.
 * @param retentionDays days to keep events, 0 to keep them forever.
 * @param dir           the Chronicle Queue directory.
 */
public record ArchiveSpec(String name, String eventBus, String eventPattern, int retentionDays, Path dir) {
    private static final Pattern NAME = Pattern.compile("[.\\-_A-Za-z0-9]{1,48}");

    /** Validates every field, naming it. */
    public ArchiveSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("ArchiveName=" + name
                + ": must be 1-48 characters of letters, digits, '.', '-' and '_'");
        }
        if (retentionDays < 0) {
            throw new IllegalArgumentException("archive " + name + ": RetentionDays=" + retentionDays
                + ": must be 0 (forever) or more");
        }
        if (dir == null) {
            throw new IllegalArgumentException("archive " + name + ": a directory is required");
        }
    }
}
