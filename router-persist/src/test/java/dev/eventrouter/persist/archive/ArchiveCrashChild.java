package dev.eventrouter.persist.archive;

import dev.eventrouter.persist.ChildJvm;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import net.openhft.chronicle.queue.RollCycles;

/**
 * The child JVM of {@link ArchiveCrashTest}: appends numbered events to an archive as fast as it can, continuing
 * after the last event found, and prints {@code durable <position> <number>} after every 64 appends, until killed.
 */
public final class ArchiveCrashChild {
    private ArchiveCrashChild() {
    }

    public static void main(final String[] args) {
        final Path dir = Path.of(args[0]);
        final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        long next = 0;
        try (ArchiveStore store = ArchiveStore.open(dir, RollCycles.FIVE_MINUTELY)) {
            try (ArchiveReader reader = store.reader()) {
                while (reader.next()) {
                    next = ChildJvm.number(reader.eventAsString()) + 1;
                }
            }
            final byte[] padding = "x".repeat(600).getBytes(StandardCharsets.US_ASCII);
            while (true) {
                final byte[] event = ("{\"n\":" + next + ",\"pad\":\"" + new String(padding, StandardCharsets.US_ASCII)
                    + "\"}").getBytes(StandardCharsets.UTF_8);
                final long position = store.append(System.currentTimeMillis(), event, 0, event.length);
                if ((next & 63) == 63) {
                    out.println("durable " + position + " " + next);
                    out.flush();
                }
                next++;
            }
        }
    }
}
