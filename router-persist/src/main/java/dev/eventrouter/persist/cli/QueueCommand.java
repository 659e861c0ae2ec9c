package dev.eventrouter.persist.cli;

import dev.eventrouter.persist.queue.DurableQueue;
import dev.eventrouter.persist.queue.QueueConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code router queue send|stats --queue DIR}: fills and inspects durable queues from the shell. */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Durable queues (SQS semantics on Chronicle Queue).",
    subcommands = {QueueCommand.Send.class, QueueCommand.Stats.class})
final class QueueCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: send or stats");
    }

    /** {@code router queue send --queue DIR [FILE]}: one message per non-blank line of FILE (or stdin). */
    @Command(name = "send", mixinStandardHelpOptions = true,
        description = "Sends one message per non-blank line of FILE (stdin by default); creates the queue.")
    static final class Send implements Callable<Integer> {
        @Option(names = "--queue", required = true, paramLabel = "DIR", description = "The queue directory.")
        private Path queue;

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Messages, one per line (default: stdin).")
        private Path file;

        @CommandLine.Mixin
        private VerboseOption verbose;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            final DurableQueue target;
            try {
                target = DurableQueue.open(queue, QueueConfig.DEFAULT, System::currentTimeMillis);
            } catch (IllegalArgumentException e) {
                throw new UserError("--queue: " + e.getMessage());
            }
            long sent = 0;
            long number = 0;
            try (target; BufferedReader lines = reader()) {
                String line;
                while ((line = lines.readLine()) != null) {
                    number++;
                    if (!line.isBlank()) {
                        try {
                            target.send(line.getBytes(StandardCharsets.UTF_8));
                        } catch (IllegalArgumentException e) {
                            throw new UserError((file == null ? "stdin" : file.toString()) + " line " + number + ": "
                                + e.getMessage() + "; " + sent + " messages before it were sent to " + queue);
                        } catch (RuntimeException | InternalError e) {
                            // a full disk: Chronicle faults writing a mapped page (InternalError)
                            throw new UserError(queue + ": cannot write line " + number + " (" + e.getMessage()
                                + "); " + sent + " messages before it were sent");
                        }
                        sent++;
                    }
                }
            }
            spec.commandLine().getErr().printf("sent %d messages to %s%n", sent, queue);
            return 0;
        }

        private BufferedReader reader() throws IOException {
            if (file == null) {
                return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            }
            try {
                return Files.newBufferedReader(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new UserError("FILE: no such file: " + file);
            }
        }
    }

    /** {@code router queue stats --queue DIR}: messages in flight (received, not deleted). */
    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Prints how many messages were sent and how many are in flight.")
    static final class Stats implements Callable<Integer> {
        @Option(names = "--queue", required = true, paramLabel = "DIR", description = "The queue directory.")
        private Path queue;

        @CommandLine.Mixin
        private VerboseOption verbose;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (!DurableQueue.isQueue(queue)) {
                throw new UserError("--queue: " + queue + ": not a queue (no messages/ and journal/)");
            }
            try (DurableQueue target = DurableQueue.open(queue, QueueConfig.DEFAULT, System::currentTimeMillis)) {
                spec.commandLine().getOut().printf("messages sent: %d%nin flight: %d%n", target.messagesInLog(),
                    target.inFlight());
            }
            return 0;
        }
    }
}
