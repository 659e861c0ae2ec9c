package dev.eventrouter.pipe;

/**
 * A pipe's states, as the Pipes API reference names them ({@code DesiredState} and {@code CurrentState}). An
 * in-process pipe reaches these: {@link #CREATING} from {@link Pipe.Builder#build()} until it is started, then
 * {@link #RUNNING} or {@link #STOPPED} as its desired state says. AWS's transitional and failure states (STARTING,
 * STOPPING, UPDATING, DELETING, ..._FAILED) have nothing to wait for here: a change takes effect at once.
 */
public enum PipeState {
    /** Built, not started yet. */
    CREATING,
    /** Polling its source and delivering. */
    RUNNING,
    /** Started but not polling: records wait in the source. */
    STOPPED
}
