package dev.eventrouter.persist.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C for long-running commands: SIGINT sets a flag the command polls, and the JVM's shutdown waits until the
 * command has stopped cleanly (output flushed, statistics printed) and closed this.
 */
final class Interruption implements AutoCloseable {
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean interrupted;

    private Interruption() {
        hook = new Thread(() -> {
            interrupted = true;
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** @return an installed interruption: close it when the command is done. */
    static Interruption install() {
        final Interruption interruption = new Interruption();
        Runtime.getRuntime().addShutdownHook(interruption.hook);
        return interruption;
    }

    /** @return whether Ctrl-C was pressed. */
    boolean interrupted() {
        return interrupted;
    }

    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl-C): the hook is running
        }
    }
}
