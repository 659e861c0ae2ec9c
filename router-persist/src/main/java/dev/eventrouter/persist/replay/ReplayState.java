package dev.eventrouter.persist.replay;

/** The states of a replay: STARTING → RUNNING → COMPLETED, or → CANCELLING → CANCELLED, or → FAILED. */
public enum ReplayState {
    /** Accepted; the archive is being opened and searched for the start time. */
    STARTING,
    /** Events are being replayed. */
    RUNNING,
    /** Cancel was requested; the replay stops at its next step. */
    CANCELLING,
    /** Every event in the range was replayed. */
    COMPLETED,
    /** Stopped by cancel. */
    CANCELLED,
    /** Stopped by an error; see the reason. */
    FAILED;

    /** @return whether the replay has ended. */
    public boolean isFinal() {
        return this == COMPLETED || this == CANCELLED || this == FAILED;
    }
}
