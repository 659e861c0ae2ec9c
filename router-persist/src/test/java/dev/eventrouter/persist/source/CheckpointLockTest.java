package dev.eventrouter.persist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.source.FileCheckpointStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint file held by another process is refused with a message, and usable once that process ends. */
@Timeout(60)
class CheckpointLockTest {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseACheckpointFileThatAnotherProcessHolds() throws Exception {
        final Path file = dir.resolve("checkpoints.dat");
        final Process child = ChildJvm.start(CheckpointLockChild.class, file.toString());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
            assertEquals("holding", out.readLine());
            assertEquals(file + ": checkpoints in use by another mapping process",
                assertThrows(IllegalStateException.class, () -> FileCheckpointStore.open(file)).getMessage());
            child.getOutputStream().close();
            assertEquals(0, child.waitFor());
        }
        try (FileCheckpointStore store = FileCheckpointStore.open(file)) {
            assertEquals(42, store.load("m", 0), "saved by the other process");
        }
    }
}
