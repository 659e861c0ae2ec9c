package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * close() unmapped the file while a poller could still be saving: the JVM crashed (SIGSEGV). Now a save that
     * started before close finishes first, and every later one fails with a clear exception.
     */
    @Test
    void shouldRefuseSavesAfterCloseAndNeverTouchUnmappedMemory() throws Exception {
        final Path file = dir.resolve("closing.dat");
        final FileCheckpointStore store = FileCheckpointStore.open(file);
        store.save("m", 0, 1);
        final java.util.concurrent.atomic.AtomicReference<Throwable> ended =
            new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.CountDownLatch saving = new java.util.concurrent.CountDownLatch(1);
        final Thread saver = new Thread(() -> {
            try {
                for (long position = 2; ; position++) {
                    store.save("m", (int) (position & 3), position);
                    saving.countDown();
                }
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        saver.start();
        saving.await();
        store.close();
        saver.join();
        assertEquals(IllegalStateException.class, ended.get().getClass());
        assertEquals(file + ": checkpoint store is closed", ended.get().getMessage());
        assertEquals(file + ": checkpoint store is closed",
            assertThrows(IllegalStateException.class, () -> store.save("m", 0, 9))
                .getMessage());
        assertThrows(IllegalStateException.class, () -> store.load("m", 0));
        store.close();
        try (FileCheckpointStore reopened = FileCheckpointStore.open(file)) {
            assertTrue(reopened.load("m", 0) >= 1);
        }
    }
}
