package dev.eventrouter.persist.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chronicle Queue without its JVM flags failed with an AssertionError about a private member of FileChannelImpl;
 * opening an archive now says which flags, and the list in code is the one the build uses.
 */
@Timeout(60)
class ChronicleFlagsTest {
    @TempDir
    Path dir;

    /** The child: opens an archive and prints what happened. */
    public static final class OpenWithoutFlags {
        public static void main(final String[] args) {
            try (ArchiveStore store = ArchiveStore.open(Path.of(args[0]))) {
                System.out.println("opened");
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
            }
        }
    }

    @Test
    void shouldNameTheFlagsChronicleNeeds() throws Exception {
        final Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            OpenWithoutFlags.class.getName(), dir.resolve("a").toString()).redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), output);
        assertTrue(output.lines().anyMatch(line -> line.equals("Chronicle Queue needs these JVM flags (the "
            + "router.jvm.flags of pom.xml): " + ArchiveStore.REQUIRED_JVM_FLAGS)), output);
    }

    @Test
    void shouldListTheSameFlagsAsTheBuild() throws Exception {
        Path pom = Path.of("").toAbsolutePath();
        while (!Files.exists(pom.resolve("router-persist")) && pom.getParent() != null) {
            pom = pom.getParent();
        }
        final String text = Files.readString(pom.resolve("pom.xml"));
        final String flags = text.substring(text.indexOf("<router.jvm.flags>") + "<router.jvm.flags>".length(),
            text.indexOf("</router.jvm.flags>")).replace(" -Dslf4j.internal.verbosity=ERROR", "");
        assertEquals(flags, ArchiveStore.REQUIRED_JVM_FLAGS);
    }
}
