package dev.eventrouter.persist;

import dev.eventrouter.persist.cli.RouterCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code router serve} child JVM on a given port, with its config, a credentials file of one access key, and its
 * data directory under {@code home}; started once it prints its listening line (its further stderr is drained, so a
 * chatty child never blocks). Shared by the global endpoint tests and their recovery harness (router-bench).
 */
public final class ServeChild {
    private ServeChild() {
    }

    /** @return a port free right now (for a child that must know its peer's port before either starts). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * @return the started child.
     * @throws IllegalStateException when it exits before listening (its stderr in the message).
     */
    public static Process start(final Path home, final int port, final String config, final String accessKey,
                                final String secret, final String account) throws IOException {
        Files.createDirectories(home);
        final Path file = Files.writeString(home.resolve("router.json"), config);
        final Path creds = Files.writeString(home.resolve("creds.json"), "{\"" + accessKey + "\": "
            + "{\"secretAccessKey\": \"" + secret + "\", \"principal\": \"" + account + "\"}}");
        final Launched launched = launch(List.of("serve", "--config", file.toString(), "--port",
            Integer.toString(port), "--credentials", creds.toString(), "--data-dir", home.resolve("data").toString()));
        final Process process = launched.process();
        final BufferedReader stderr = launched.stderr();
        if (launched.port() != port) {
            process.destroyForcibly();
            throw new IllegalStateException("router serve did not start on port " + port + ": "
                + String.join("\n", launched.lines()));
        }
        final Thread drain = new Thread(() -> {
            try {
                while (stderr.readLine() != null) {
                    // discarded
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
        drain.setDaemon(true);
        drain.start();
        return process;
    }

    /**
     * A started {@code router serve}.
     *
     * @param stderr its standard error, read up to its listening line (what follows is the caller's to read or drain).
     * @param lines  what it printed up to and including that line.
     * @param port   the port it listens on.
     */
    public record Launched(Process process, BufferedReader stderr, List<String> lines, int port) {
    }

    /**
     * Starts {@code router serve} with these arguments in a child JVM (killed if it still runs when this JVM exits)
     * and reads its standard error up to its listening line.
     *
     * @throws IllegalStateException when it exits before listening (what it printed in the message).
     */
    public static Launched launch(final List<String> args) throws IOException {
        final Process process = ChildJvm.builder(RouterCli.class, args.toArray(new String[0]))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ChildJvm.killAtExit(process);
        final BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(),
            StandardCharsets.UTF_8));
        final String listening = "router serve: listening on http://127.0.0.1:";
        final List<String> lines = new ArrayList<>();
        String line;
        while ((line = stderr.readLine()) != null) {
            lines.add(line);
            if (line.startsWith(listening)) {
                final int end = line.indexOf(' ', listening.length());
                return new Launched(process, stderr, lines, Integer.parseInt(line.substring(listening.length(),
                    end < 0 ? line.length() : end)));
            }
        }
        throw new IllegalStateException("router serve exited before listening: " + String.join("\n", lines));
    }

    /**
     * @return the sum of the series of a metric on a router's {@code GET /metrics} whose labels contain
     *         {@code labels} (empty: every series), or 0 when it has none or the router does not answer.
     */
    public static double metric(final int port, final String name, final String labels) {
        final String text;
        try {
            text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(labels)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
