package dev.eventrouter.persist.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** run (with an archive) → archive ls/describe/dump → replay, end to end through the command line. */
@Timeout(120)
class ArchiveCliTest {
    @TempDir
    Path dir;

    private Path archive;

    private static String event(final int id, final int amount) {
        return OrderEvents.event(id, amount);
    }

    @BeforeEach
    void archiveFourEvents() throws IOException {
        Files.writeString(dir.resolve("router.json"), """
            {"eventBuses": ["orders"],
             "archives": [{"name": "orders-archive", "eventBus": "orders", "dir": "archives/orders"}]}
            """);
        Files.writeString(dir.resolve("events.ndjson"), event(1, 60) + "\n" + event(2, 120) + "\n" + event(3, 180)
            + "\n" + event(4, 240) + "\n");
        final CliRun run = CliRun.of("run", "--config", dir.resolve("router.json").toString(), "--events",
            dir.resolve("events.ndjson").toString(), "--bus", "orders");
        assertEquals(0, run.code(), run.err());
        archive = dir.resolve("archives/orders");
    }

    @Test
    void shouldListDescribeAndDumpTheArchiveWrittenByRun() {
        final CliRun ls = CliRun.of("archive", "ls", "--dir", dir.resolve("archives").toString());
        assertEquals(0, ls.code(), ls.err());
        assertTrue(ls.out().lines().skip(1).findFirst().orElse("").matches("orders +4 .*"), ls.out());
        final CliRun describe = CliRun.of("archive", "describe", "--dir", archive.toString());
        assertTrue(describe.out().contains("\nevents:           4\n"), describe.out());
        final CliRun dump = CliRun.of("archive", "dump", "--dir", archive.toString(), "--pattern",
            "{\"detail\":{\"amount\":[{\"numeric\":[\">\",100]}]}}", "--limit", "2");
        assertEquals(new CliRun(0, event(2, 120) + "\n" + event(3, 180) + "\n", ""), dump);
        final CliRun none = CliRun.of("archive", "dump", "--dir", archive.toString(), "--to", "0");
        assertEquals(new CliRun(0, "", ""), none);
    }

    @Test
    void shouldReplayTheRangeIntoAFileWithReplayName() throws IOException {
        final Path out = dir.resolve("replayed.ndjson");
        final CliRun replay = CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now",
            "--pattern", "{\"detail\":{\"id\":[1, 4]}}", "--out", out.toString(), "--name", "again");
        assertEquals(0, replay.code(), replay.err());
        assertTrue(replay.err().startsWith("done: 2 events replayed, last event time "), replay.err());
        assertEquals(List.of(event(1, 60).replace("{\"version\"", "{\"replay-name\":\"again\",\"version\""),
            event(4, 240).replace("{\"version\"", "{\"replay-name\":\"again\",\"version\"")),
            Files.readAllLines(out));
    }

    /**
     * A replay selects by the events' own time (StartReplay: "events that occurred between" the two times): these
     * events say 2026-11-28T10:00:00Z and were archived just now, so that second's range replays them all and the
     * last hour's none.
     */
    @Test
    void shouldReplayByTheEventsOwnTimeNotWhenTheyWereArchived() throws IOException {
        final Path out = dir.resolve("by-time.ndjson");
        final CliRun theirs = CliRun.of("replay", "--archive", archive.toString(), "--from", "2026-11-28T10:00:00Z",
            "--to", "2026-11-28T10:00:01Z", "--out", out.toString());
        assertEquals(0, theirs.code(), theirs.err());
        assertTrue(theirs.err().startsWith("done: 4 events replayed, last event time 2026-11-28T10:00:00"),
            theirs.err());
        assertEquals(4, Files.readAllLines(out).size());
        final CliRun archived = CliRun.of("replay", "--archive", archive.toString(), "--from", "-1h", "--to", "now",
            "--out", dir.resolve("by-archive-time.ndjson").toString());
        assertEquals(new CliRun(0, "", "done: 0 events replayed\n"), archived);
    }

    @Test
    void shouldReplayIntoARouterBuiltFromAConfig() throws IOException {
        Files.writeString(dir.resolve("replay.json"), """
            {"rules": [{"name": "all", "eventPattern": {"replay-name": ["again"]},
                        "targets": [{"id": "print", "type": "stdout", "inputPath": "$.detail.id"}]}]}
            """);
        final CliRun replay = CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now",
            "--config", dir.resolve("replay.json").toString(), "--name", "again");
        assertEquals(0, replay.code(), replay.err());
        assertEquals("1\n2\n3\n4\n", replay.out());
        assertTrue(replay.err().contains("all                      default                     4\n"), replay.err());
    }

    @Test
    void shouldReplayOnlyToTheNamedRulesWhenRulesAreGiven() throws IOException {
        Files.writeString(dir.resolve("replay.json"), """
            {"rules": [{"name": "a", "eventPattern": {"source": ["shop"]},
                        "targets": [{"id": "print", "type": "stdout", "input": "\\"a\\""}]},
                       {"name": "b", "eventPattern": {"source": ["shop"]},
                        "targets": [{"id": "print", "type": "stdout", "input": "\\"b\\""}]}]}
            """);
        final CliRun replay = CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now",
            "--config", dir.resolve("replay.json").toString(), "--rule", "b");
        assertEquals(0, replay.code(), replay.err());
        assertEquals("\"b\"\n\"b\"\n\"b\"\n\"b\"\n", replay.out());
        assertEquals(new CliRun(2, "", "router: --rule: Rule c does not exist on EventBus default.\n"),
            CliRun.of("replay", "--archive",
            archive.toString(), "--from", "0", "--to", "now", "--config", dir.resolve("replay.json").toString(),
            "--rule", "c"));
    }

    @Test
    void shouldExitTwoWithOneLineForEachBadInput() throws IOException {
        final String missing = dir.resolve("nope").toString();
        assertEquals(new CliRun(2, "", "router: --dir: " + missing + ": no such directory\n"),
            CliRun.of("archive", "describe", "--dir", missing));
        assertEquals(new CliRun(2, "", "router: --dir: " + dir + ": not an archive (no metadata.cq4t)\n"),
            CliRun.of("archive", "dump", "--dir", dir.toString()));
        assertEquals(new CliRun(2, "", "router: --archive: " + missing + ": no such directory\n"),
            CliRun.of("replay", "--archive", missing, "--from", "-1h", "--to", "now"));
        assertEquals(new CliRun(2, "", "router: --from: cannot read time \"yesterday\": use ISO-8601 "
            + "(2026-11-28T10:00:00Z), epoch milliseconds, or relative (-15m, -2h, -7d)\n"),
            CliRun.of("replay", "--archive", archive.toString(), "--from", "yesterday", "--to", "now"));
        assertEquals(new CliRun(2, "", "router: --from must be before --to\n"),
            CliRun.of("replay", "--archive", archive.toString(), "--from", "now", "--to", "-1h"));
        assertEquals(new CliRun(2, "", "router: --speed: must be max or a factor such as 1x or 10x, got fast\n"),
            CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now", "--speed", "fast"));
        final Path cycle;
        try (java.util.stream.Stream<Path> files = Files.list(archive)) {
            cycle = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        final byte[] bytes = Files.readAllBytes(cycle);
        for (int i = 0; i < 4096; i += 7) {
            bytes[i] = 0x5A;
        }
        Files.write(cycle, bytes);
        final CliRun corrupt = CliRun.of("archive", "dump", "--dir", archive.toString());
        assertEquals(2, corrupt.code());
        assertTrue(corrupt.err().startsWith("router: --dir: " + archive + ": cannot read the archive (corrupt "
            + "file?): "), corrupt.err());
        assertEquals(1, corrupt.err().lines().count(), corrupt.err());
        assertEquals(new CliRun(2, "", "router: give --pattern or --rules, not both\n"),
            CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now", "--pattern", "{}",
                "--rules", "r.json"));
        assertEquals(new CliRun(2, "", "router: --rule needs --config (it names rules of the configured router)\n"),
            CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now", "--rule", "a"));
        assertEquals(new CliRun(2, "", "router: --name: must be 1-64 characters of letters, digits, '.', '-' and "
            + "'_'\n"), CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now", "--name",
                "a b"));
        assertEquals(new CliRun(2, "", "router: --limit must be 0 or more\n"),
            CliRun.of("archive", "dump", "--dir", archive.toString(), "--limit", "-5"));
        assertEquals(new CliRun(2, "", "router: give --out or --config, not both\n"),
            CliRun.of("replay", "--archive", archive.toString(), "--from", "0", "--to", "now", "--out", "x",
                "--config", "y"));
    }

    /**
     * A corrupt excerpt header (not the file header) made dump, replay and poll print an InternalError stack trace
     * (Chronicle faults reading past the mapped file). Each is one line naming the last good position, exit 2.
     */
    @Test
    void shouldReportACorruptExcerptHeaderInOneLine() throws IOException {
        final Path cycle;
        try (java.util.stream.Stream<Path> files = Files.list(archive)) {
            cycle = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        final byte[] bytes = Files.readAllBytes(cycle);
        final byte[] marker = "\"id\":\"e3\"".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = -1;
        for (int i = 0; i + marker.length <= bytes.length && at < 0; i++) {
            if (java.util.Arrays.equals(bytes, i, i + marker.length, marker, 0, marker.length)) {
                at = i;
            }
        }
        assertTrue(at > 0, "the third event is in the cycle file");
        int start = at;
        while (bytes[start] != '{') {
            start--;
        }
        // the excerpt's 4-byte header stands before the 8-byte archive time that precedes the envelope
        // a complete data excerpt of 268 MB: far past the end of the file
        bytes[start - 12] = 0x00;
        bytes[start - 11] = (byte) 0xFF;
        bytes[start - 10] = (byte) 0xFF;
        bytes[start - 9] = 0x0F;
        Files.write(cycle, bytes);
        for (String[] args : List.of(
                new String[] {"archive", "dump", "--dir", archive.toString()},
                new String[] {"replay", "--archive", archive.toString(), "--from", "0", "--to", "now", "--out",
                    dir.resolve("replayed.ndjson").toString()},
                new String[] {"poll", "--source", "chronicle:" + archive})) {
            final CliRun run = CliRun.of(args);
            assertEquals(2, run.code(), String.join(" ", args) + ": " + run.err());
            assertEquals(1, run.err().lines().count(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().startsWith("router: "), run.err());
            assertTrue(run.err().contains("(corrupt file?)"), run.err());
            final String option = args[0].equals("archive") ? "--dir: " : args[0].equals("replay") ? "--archive: " : "";
            assertTrue(run.err().startsWith("router: " + option + archive + ": cannot read the entry after position "),
                "one message naming the archive and the last good position, not wrapped twice: " + run.err());
        }
    }
}
