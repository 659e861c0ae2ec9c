package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Router.start in a JVM started without the flags used to fail deep inside Agrona with an IllegalAccessError that
 * named no flag (the README's example failed that way). It names the flag now.
 */
@Timeout(60)
class JvmFlagsTest {
    /** The child: starts a router and prints what happened. */
    public static final class StartWithoutFlags {
        public static void main(final String[] args) {
            try (Router router = Router.start(new RouterContext())) {
                System.out.println("started");
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
            }
        }
    }

    @Test
    void shouldNameTheMissingJvmFlag() throws IOException, InterruptedException {
        final Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), StartWithoutFlags.class.getName())
            .redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), output);
        assertEquals(List.of("eventrouter needs the JVM flag --add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
            + " (Agrona's Unsafe access); archives and queues (Chronicle Queue) need the flags listed in the README's"
            + " Embedding section too"), output.lines().filter(line -> !line.startsWith("WARNING")).toList());
    }
}
