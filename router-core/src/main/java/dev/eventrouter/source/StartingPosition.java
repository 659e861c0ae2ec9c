package dev.eventrouter.source;

/** Where a mapping without a checkpoint starts reading. */
public enum StartingPosition {
    /** The oldest record still in the source. */
    TRIM_HORIZON,
    /** Only records that arrive after the mapping starts. */
    LATEST,
    /** The first record at or after a timestamp. */
    AT_TIMESTAMP
}
