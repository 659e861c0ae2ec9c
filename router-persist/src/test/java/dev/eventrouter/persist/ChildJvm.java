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

    /**
     * Kills {@code process} (SIGKILL) when this JVM exits, if it still runs: a test that fails before it stops its
     * children must not leave them running (they would load the machine for every test and benchmark after it).
     */
    public static void killAtExit(final Process process) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }, "kill-child-" + process.pid()));
    }

    /** @return a started child whose stderr goes to this JVM's. */
    public static Process start(final Class<?> main, final String... args) throws IOException {
        final Process process = builder(main, args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        killAtExit(process);
        return process;
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

    /**
     * Starts a mapping crash child, reads {@code batches} of its "batch ..." lines (it blocks on a full pipe after
     * that) and kills it with SIGKILL.
     */
    public static void killAfterBatches(final Class<?> main, final int batches, final String... args)
            throws IOException, InterruptedException {
        final Process child = start(main, args);
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            for (int i = 0; i < batches; i++) {
                final String line = lines.readLine();
                if (line == null || !line.startsWith("batch ")) {
                    throw new AssertionError("child said: " + line);
                }
            }
            child.destroyForcibly();  // SIGKILL
            child.waitFor();
        }
    }

    /** Runs a crash child to its end; fails unless its last line is "done" and it exits 0. */
    public static void runToDone(final Class<?> main, final String... args) throws IOException, InterruptedException {
        final Process last = start(main, args);
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                last.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            String previous = null;
            while ((line = lines.readLine()) != null) {
                previous = line;
            }
            if (!"done".equals(previous) || last.waitFor() != 0) {
                throw new AssertionError("the last run ended with " + previous + ", exit " + last.waitFor());
            }
        }
    }

    /** Appends ASCII text to a channel (a crash child's output: one write per batch). */
    public static void append(final java.nio.channels.FileChannel output, final String text) {
        try {
            final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(text.getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                output.write(bytes);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
