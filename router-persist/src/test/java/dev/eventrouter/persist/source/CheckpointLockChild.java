package dev.eventrouter.persist.source;

import dev.eventrouter.source.FileCheckpointStore;
import java.io.IOException;
import java.nio.file.Path;

/** The child JVM of {@link CheckpointLockTest}: holds a checkpoint file open until its stdin closes. */
public final class CheckpointLockChild {
    private CheckpointLockChild() {
    }

    public static void main(final String[] args) throws IOException {
        try (FileCheckpointStore store = FileCheckpointStore.open(Path.of(args[0]))) {
            store.save("m", 0, 42);
            System.out.println("holding");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close stdin
            }
        }
    }
}
