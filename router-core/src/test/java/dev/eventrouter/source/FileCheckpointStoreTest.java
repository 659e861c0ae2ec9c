package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCheckpointStoreTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepPositionsPerMappingAndPartitionAcrossReopening() {
        final Path file = dir.resolve("sub/checkpoints.dat");
        try (FileCheckpointStore store = FileCheckpointStore.open(file)) {
            assertEquals(-1, store.load("orders", 0));
            store.save("orders", 0, 10);
            store.save("orders", 3, 7);
            store.save("payments", 0, 99);
            store.save("orders", 0, 11);
            store.force();
        }
        try (FileCheckpointStore store = FileCheckpointStore.open(file)) {
            assertEquals(11, store.load("orders", 0));
            assertEquals(-1, store.load("orders", 1));
            assertEquals(7, store.load("orders", 3));
            assertEquals(99, store.load("payments", 0));
            store.save("orders", 1, 5);
        }
        try (FileCheckpointStore store = FileCheckpointStore.open(file)) {
            assertEquals(5, store.load("orders", 1));
        }
    }

    @Test
    void shouldRefuseASecondOpenAFullFileAndAFileThatIsNotOne() throws Exception {
        final Path file = dir.resolve("c.dat");
        try (FileCheckpointStore store = FileCheckpointStore.open(file, 2)) {
            assertEquals(file + ": checkpoints in use by another mapping process",
                assertThrows(IllegalStateException.class, () -> FileCheckpointStore.open(file)).getMessage());
            store.save("m", 0, 1);
            store.save("m", 1, 1);
            assertEquals(file + ": full (2 mapping partitions)",
                assertThrows(IllegalStateException.class, () -> store.save("m", 2, 1)).getMessage());
        }
        final Path other = dir.resolve("other.dat");
        Files.writeString(other, "x".repeat(100));
        assertEquals(other + ": not a checkpoint file (bad magic at byte 0)",
            assertThrows(IllegalArgumentException.class, () -> FileCheckpointStore.open(other)).getMessage());
        final Path tiny = dir.resolve("tiny.dat");
        Files.writeString(tiny, "abc");
        assertEquals(tiny + ": not a checkpoint file (3 bytes)",
            assertThrows(IllegalArgumentException.class, () -> FileCheckpointStore.open(tiny)).getMessage());
    }
}
