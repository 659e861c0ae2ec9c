package dev.eventrouter.persist;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child JVM with this test JVM's class path and the JVM flags Chronicle Queue needs (crash tests), and reads
 * the numbered events they write.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** @return the started process; its stdout is a pipe, stderr is inherited unless the builder is changed. */
    public static ProcessBuilder builder(final Class<?> main, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--add-") || argument.startsWith("-D")) {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** @return a started child whose stderr goes to this JVM's. */
    public static Process start(final Class<?> main, final String... args) throws IOException {
        return builder(main, args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** @return the number {@code n} of a crash test's event {@code {"n":123,...}}. */
    public static long number(final String event) {
        final int start = event.indexOf("\"n\":") + 4;
        int end = start;
        while (Character.isDigit(event.charAt(end))) {
            end++;
        }
        return Long.parseLong(event.substring(start, end));
    }
}
