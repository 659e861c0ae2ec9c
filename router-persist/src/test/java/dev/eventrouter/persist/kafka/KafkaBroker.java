package dev.eventrouter.persist.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker in KRaft mode (combined broker and controller, one node) in a child JVM, on loopback
 * ports chosen at start, with its log directory under a given directory: what the Kafka tests run against (no Docker
 * here). {@link #start} formats the storage with Kafka's own {@code StorageTool} and starts {@code kafka.Kafka} from
 * the Kafka artifacts on the test class path, then waits until an admin client sees the cluster. {@link #kill} is
 * SIGKILL (a crash), {@link #close} SIGTERM and a wait (a clean shutdown); {@link #restart} starts it again on the
 * same ports and data. The broker's own output goes to {@code broker.log} in its directory.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final Path config;
    private final int port;
    private volatile Process process;
    /** Started by {@link #startTemporary}: its directory goes with it on {@link #close}. */
    private boolean temporary;

    private KafkaBroker(final Path dir, final Path config, final int port) {
        this.dir = dir;
        this.config = config;
        this.port = port;
        // a test JVM that ends without closing the broker (a crash, a timeout) must not leave it running
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            final Process running = process;
            if (running != null) {
                running.destroyForcibly();
            }
        }, "kafka-broker-reaper"));
    }

    private static KafkaBroker shared;

    /**
     * @return the broker the Kafka test classes share (one per test JVM, started on first use under
     *         {@code target/kafka-shared}, killed when the JVM exits). Tests that kill or restart a broker start their
     *         own with {@link #start}.
     */
    public static synchronized KafkaBroker shared() throws IOException, InterruptedException {
        if (shared == null) {
            final Path dir = Path.of("target", "kafka-shared-" + ProcessHandle.current().pid());
            shared = start(dir);
        }
        return shared;
    }

    /**
     * @return a broker in a new temporary directory that {@link #close} deletes (benchmarks: nothing left behind).
     */
    public static KafkaBroker startTemporary(final String prefix) throws IOException, InterruptedException {
        final KafkaBroker broker = start(Files.createTempDirectory(prefix));
        broker.temporary = true;
        return broker;
    }

    /**
     * Formats a new single-node cluster in {@code dir} and starts it.
     *
     * @throws IOException when formatting fails (with the tool's output) or the broker does not come up.
     */
    public static KafkaBroker start(final Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        final int port = freePort();
        final int controllerPort = freePort();
        final Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "") , StandardCharsets.UTF_8);
        final Process format = child(dir, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
            "-c", config.toString()).start();
        if (!format.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IOException("formatting the KRaft storage failed: " + log(dir));
        }
        final KafkaBroker broker = new KafkaBroker(dir, config, port);
        broker.launch();
        return broker;
    }

    /** @return {@code 127.0.0.1:port}, for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Kills the broker with SIGKILL and waits for it to end. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts the broker again on the same ports and data (after {@link #kill} or {@link #close}). */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        process = child(dir, "kafka.Kafka", config.toString()).start();
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            5_000))) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the broker exited with " + process.exitValue() + ": " + log(dir));
                }
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;   // the broker answers
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        process.destroyForcibly();
                        throw new IOException("the broker did not answer within " + START_TIMEOUT + ": "
                            + log(dir), e);
                    }
                }
            }
        }
    }

    /** Stops the broker with SIGTERM (a clean shutdown) and waits for it, killing it after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        if (temporary) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("deleting " + dir, e);
            }
        }
    }

    private static ProcessBuilder child(final Path dir, final String main, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()));
    }

    private static String log(final Path dir) {
        try {
            final String text = Files.readString(dir.resolve("broker.log"), StandardCharsets.UTF_8);
            return text.length() > 4_000 ? "..." + text.substring(text.length() - 4_000) : text;
        } catch (IOException e) {
            return "(no broker.log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
