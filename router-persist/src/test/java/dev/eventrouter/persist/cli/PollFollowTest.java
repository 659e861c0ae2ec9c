package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventrouter.persist.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code router poll --follow} in a child JVM delivers lines as they are appended and stops on SIGINT with its statistics. */
@Timeout(120)
class PollFollowTest {
    @TempDir
    Path dir;

    @Test
    void shouldFollowAppendsAndStopCleanlyOnSigint() throws Exception {
        final Path events = Files.writeString(dir.resolve("e.ndjson"), "{\"n\":1}\n{\"n\":2}\n");
        final Path err = dir.resolve("err.txt");
        final Process child = ChildJvm.builder(RouterCli.class, "poll", "--source", "file:" + events, "--follow",
            "--batch-size", "10").redirectError(err.toFile()).start();
        final List<String> delivered = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
            delivered.add(out.readLine());
            delivered.add(out.readLine());
            Files.writeString(events, "{\"n\":3}\n", StandardOpenOption.APPEND);
            delivered.add(out.readLine());
            new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
            assertEquals(130, child.waitFor());
        }
        assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"), delivered);
        final List<String> stderr = Files.readAllLines(err);
        assertEquals("stopped: 2 batches, 3 records, mean batch size 1.5, 0 filtered, 0 failed",
            stderr.get(stderr.size() - 1));
    }
}
