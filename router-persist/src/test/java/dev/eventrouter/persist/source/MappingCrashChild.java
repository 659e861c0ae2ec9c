package dev.eventrouter.persist.source;

import dev.eventrouter.persist.ChildJvm;
import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.source.FileCheckpointStore;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.SourceRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child JVM of {@link MappingCrashTest}: a mapping over an archive with a checkpoint file; its handler appends
 * the numbers of each batch to an output file (one write per batch) and then reports the batch on stdout with a
 * 2 KB line, so a parent that stops reading holds it back. Exits with "done" when the checkpoint passes the last
 * event; otherwise runs until killed.
 */
public final class MappingCrashChild {
    private MappingCrashChild() {
    }

    public static void main(final String[] args) throws IOException {
        final Path archive = Path.of(args[0]);
        final Path checkpointFile = Path.of(args[1]);
        final Path out = Path.of(args[2]);
        final PrintStream report = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        final String padding = "x".repeat(2048);
        final long end;
        try (ArchiveStore store = ArchiveStore.openReadOnly(archive)) {
            end = store.durablePosition() + 1;
        }
        try (ChronicleSource source = ChronicleSource.open(archive);
             FileCheckpointStore checkpoints = FileCheckpointStore.open(checkpointFile);
             FileChannel output = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                 StandardOpenOption.APPEND)) {
            final Poller poller = new Poller(System::currentTimeMillis);
            poller.add(MappingConfig.of("crash", 100, 0), source, checkpoints, (partition, records) -> {
                final StringBuilder numbers = new StringBuilder();
                for (SourceRecord record : records) {
                    numbers.append(ChildJvm.number(record.dataAsString())).append('\n');
                }
                ChildJvm.append(output, numbers.toString());
                report.println("batch " + records.size() + " " + padding);
                report.flush();
                return null;
            });
            while (checkpoints.load("crash", 0) < end) {
                poller.doWork();
            }
            report.println("done");
            report.flush();
        }
    }

}
