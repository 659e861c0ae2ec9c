package dev.eventrouter.persist.cli;

/**
 * SIGTERM and SIGINT as a request to stop, so a server can drain and exit 0 instead of the JVM's 143/130. Uses
 * {@code sun.misc.Signal} (module jdk.unsupported, exported by the launcher's flags); where a signal cannot be
 * handled (another platform), a shutdown hook runs the action instead.
 */
final class Signals {
    private Signals() {
    }

    static void onTermination(final Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                Runtime.getRuntime().addShutdownHook(new Thread(action, "eventrouter-stop-" + name));
            }
        }
    }
}
