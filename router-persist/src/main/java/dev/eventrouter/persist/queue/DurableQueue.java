package dev.eventrouter.persist.queue;

import dev.eventrouter.persist.archive.ArchiveReader;
import dev.eventrouter.persist.archive.ArchiveStore;
import dev.eventrouter.source.QueueSink;
import dev.eventrouter.source.QueueSource;
import dev.eventrouter.source.SourceRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.EpochClock;

/**
 * A queue with SQS semantics stored on Chronicle Queue: sent messages are appended to a message log
 * ({@code DIR/messages}, eventrouter's excerpt format, so {@code chronicle:DIR/messages} can tail it too); every
 * receive (ids, receive counts, when they become visible again) and every delete is appended to a journal
 * ({@code DIR/journal}) before it returns. A received message is hidden for the visibility timeout and comes back,
 * its receive count one higher, unless deleted; with a redrive policy, a message already received
 * {@code maxReceiveCount} times is moved to the dead-letter queue (sent there first, then deleted here: a crash in
 * between leaves a duplicate, never a loss) instead of being received again. Opening a queue replays its journal, so
 * after a crash every message not deleted is received again, at the latest when its visibility timeout ends.
 * Thread-safe: every operation holds the queue's lock. Message ids are positions in the message log.
 */
public final class DurableQueue implements QueueSource, QueueSink, AutoCloseable {
    private static final byte RECEIVE = 1;
    private static final byte DELETE = 2;
    /** The whole state: where new messages start and every message in flight; recovery restarts from the last one. */
    private static final byte SNAPSHOT = 3;

    private final Path dir;
    private final QueueConfig config;
    private final EpochClock clock;
    private final ArchiveStore messages;
    private final SingleChronicleQueue journal;
    private ExcerptAppender journalAppender;
    private ArchiveReader reader;
    private ArchiveReader lookup;
    private Thread owner;
    /** Received and not deleted, by id. */
    private final Long2ObjectHashMap<Message> inFlight = new Long2ObjectHashMap<>();
    /** The same messages (and deleted ones, dropped lazily) by when they become visible, then id. */
    private final PriorityQueue<Message> byVisibility = new PriorityQueue<>(
        Comparator.comparingLong((Message m) -> m.visibleAt).thenComparingLong(m -> m.id));
    /** Ids at or after this were never received. */
    private long nextNew;
    /** The time of the last new message received: messages not yet received are no older. */
    private long lastReceivedTime = Long.MAX_VALUE;
    private int snapshotCycle = Integer.MIN_VALUE;
    private long sent;
    private long received;
    private long deleted;
    private long redriven;

    private static final class Message {
        final long id;
        final SourceRecord record;
        int receiveCount;
        long visibleAt;
        boolean gone;

        Message(final long id, final SourceRecord record, final int receiveCount, final long visibleAt) {
            this.id = id;
            this.record = record;
            this.receiveCount = receiveCount;
            this.visibleAt = visibleAt;
        }
    }

    /**
     * The largest message body, SQS's maximum since 2025 (1 MiB; AWS Compute Blog, "More room to build: serverless
     * services now support payloads up to 1 MB"). Checked before anything is written: a refused message leaves
     * nothing in the queue.
     */
    public static final int MAX_MESSAGE_BYTES = 1_048_576;

    private DurableQueue(final Path dir, final QueueConfig config, final EpochClock clock) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        messages = ArchiveStore.openLog(dir.resolve("messages"));
        final net.openhft.chronicle.core.time.TimeProvider journalTime = clock::time;
        journal = SingleChronicleQueueBuilder.binary(dir.resolve("journal")).rollCycle(RollCycles.FAST_DAILY)
            .timeProvider(journalTime).timeoutMS(1_000).build();
        recover();
        compact();
    }

    /**
     * Opens (or creates) a queue directory.
     *
     * @throws IllegalArgumentException when the path is a file, or a directory that holds something else.
     */
    public static DurableQueue open(final Path dir, final QueueConfig config, final EpochClock clock) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a directory");
        }
        if (Files.isDirectory(dir) && !isQueue(dir) && hasFiles(dir)) {
            throw new IllegalArgumentException(dir + ": not a queue (no messages/ and journal/)");
        }
        return new DurableQueue(dir, config, clock);
    }

    /** @return whether a directory holds a durable queue. */
    public static boolean isQueue(final Path dir) {
        return Files.isDirectory(dir.resolve("messages")) && Files.isDirectory(dir.resolve("journal"));
    }

    private static boolean hasFiles(final Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    /** Replays the journal: what is in flight (with its receive count and visibility) and where new messages start. */
    private void recover() {
        long highest = -1;
        final Long2ObjectHashMap<long[]> state = new Long2ObjectHashMap<>();  // id -> {receiveCount, visibleAt}
        try (ExcerptTailer tailer = journal.createTailer()) {
            while (true) {
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        break;
                    }
                    final Bytes<?> in = document.wire().bytes();
                    final byte type = in.readByte();
                    final int n = in.readInt();
                    if (type == RECEIVE) {
                        final long visibleAt = in.readLong();
                        for (int i = 0; i < n; i++) {
                            final long id = in.readLong();
                            state.put(id, new long[] {in.readInt(), visibleAt});
                            highest = Math.max(highest, id);
                        }
                    } else if (type == DELETE) {
                        for (int i = 0; i < n; i++) {
                            state.remove(in.readLong());
                        }
                    } else if (type == SNAPSHOT) {
                        state.clear();
                        highest = in.readLong() - 1;
                        for (int i = 0; i < n; i++) {
                            final long id = in.readLong();
                            final int count = in.readInt();
                            state.put(id, new long[] {count, in.readLong()});
                        }
                    } else {
                        throw new IllegalStateException(dir.resolve("journal") + ": unknown record type " + type
                            + " at index " + document.index());
                    }
                }
            }
        }
        nextNew = highest + 1;
        if (highest >= 0) {
            final ArchiveReader last = lookup();
            last.seekPosition(highest);
            if (last.next() && last.index() == highest) {
                lastReceivedTime = last.timeMillis();
            }
        }
        if (!state.isEmpty()) {
            final ArchiveReader bodies = lookup();
            state.forEach((id, value) -> {
                bodies.seekPosition(id);
                if (!bodies.next() || bodies.index() != id) {
                    throw new IllegalStateException(dir + ": message " + id + " is in the journal but not in "
                        + "messages/");
                }
                final Message message = new Message(id, record(bodies), (int) value[0], value[1]);
                inFlight.put(id, message);
                byVisibility.add(message);
            });
        }
    }

    /**
     * Compacts the queue's files: writes a snapshot of the state to the journal, deletes the journal's earlier cycle
     * files (recovery starts at the snapshot), and deletes message-log cycle files that hold no message still in
     * flight or not yet received. Runs on open and when the journal rolls to a new cycle (daily).
     *
     * @return how many cycle files were deleted.
     */
    public synchronized int compact() {
        adopt();
        try (DocumentContext document = journalAppender().writingDocument()) {
            final Bytes<?> out = document.wire().bytes();
            out.writeByte(SNAPSHOT);
            out.writeInt(inFlight.size());
            out.writeLong(nextNew);
            inFlight.forEach((id, message) -> {
                out.writeLong(id);
                out.writeInt(message.receiveCount);
                out.writeLong(message.visibleAt);
            });
        }
        snapshotCycle = journalAppender.cycle();
        int deleted = ArchiveStore.deleteCycleFilesBefore(journal, snapshotCycle);
        long oldestLive = lastReceivedTime;
        for (Message message : inFlight.values()) {
            oldestLive = Math.min(oldestLive, message.record.timestampMillis());
        }
        if (oldestLive != Long.MAX_VALUE) {
            deleted += messages.deleteCyclesBefore(oldestLive);
        }
        return deleted;
    }

    private ArchiveReader lookup() {
        if (lookup == null) {
            lookup = messages.reader();
        }
        return lookup;
    }

    private static SourceRecord record(final ArchiveReader reader) {
        return new SourceRecord(null, reader.timeMillis(), reader.index(),
            Arrays.copyOf(reader.bytes(), reader.length()));
    }

    /** Takes the lock's Chronicle objects over when the calling thread changed. */
    private void adopt() {
        final Thread current = Thread.currentThread();
        if (current != owner) {
            owner = current;
            messages.handOverAppender();
            if (journalAppender != null) {
                journalAppender.singleThreadedCheckReset();
            }
            if (reader != null) {
                reader.handOver();
            }
            if (lookup != null) {
                lookup.handOver();
            }
        }
    }

    /**
     * Sends a message: durable against a process crash when this returns.
     *
     * @return its id.
     */
    @Override
    public synchronized long send(final byte[] body) {
        if (body.length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message of " + body.length + " bytes exceeds the queue's maximum of "
                + MAX_MESSAGE_BYTES + " bytes");
        }
        adopt();
        final long id = messages.append(clock.time(), body, 0, body.length);
        sent++;
        return id;
    }

    @Override
    public synchronized int receive(final int maxMessages, final List<SourceRecord> into) {
        adopt();
        final long now = clock.time();
        final long visibleAt = now + config.visibilityTimeoutMillis();
        final int start = into.size();
        // messages whose visibility timeout ended come first, then new ones
        Message head;
        while (into.size() - start < maxMessages && (head = byVisibility.peek()) != null
            && (head.gone || head.visibleAt <= now)) {
            byVisibility.poll();
            if (head.gone) {
                continue;
            }
            final QueueConfig.RedrivePolicy redrive = config.redrive();
            if (redrive != null && head.receiveCount >= redrive.maxReceiveCount()) {
                redrive.deadLetterQueue().send(head.record.data());
                journalDelete(head.id);
                inFlight.remove(head.id);
                head.gone = true;
                redriven++;
                continue;
            }
            head.receiveCount++;
            head.visibleAt = visibleAt;
            byVisibility.add(head);
            into.add(head.record);
        }
        if (reader == null) {
            reader = messages.reader();
            reader.seekPosition(nextNew);
        }
        try {
            while (into.size() - start < maxMessages && reader.next()) {
                final Message message = new Message(reader.index(), record(reader), 1, visibleAt);
                nextNew = message.id + 1;
                lastReceivedTime = message.record.timestampMillis();
                inFlight.put(message.id, message);
                byVisibility.add(message);
                into.add(message.record);
            }
        } catch (InternalError e) {
            throw reader.corruption(e);   // next()'s fault, delivered late (ArchiveReader.corruption)
        }
        final int count = into.size() - start;
        if (count > 0) {
            try (DocumentContext document = journalAppender().writingDocument()) {
                final Bytes<?> out = document.wire().bytes();
                out.writeByte(RECEIVE);
                out.writeInt(count);
                out.writeLong(visibleAt);
                for (int i = start; i < into.size(); i++) {
                    final long id = into.get(i).position();
                    out.writeLong(id);
                    out.writeInt(inFlight.get(id).receiveCount);
                }
            }
            received += count;
            if (journalAppender.cycle() != snapshotCycle) {
                compact();
            }
        }
        return count;
    }

    @Override
    public synchronized void delete(final List<SourceRecord> batch) {
        adopt();
        int count = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (inFlight.containsKey(batch.get(i).position())) {
                count++;
            }
        }
        if (count == 0) {
            return;
        }
        try (DocumentContext document = journalAppender().writingDocument()) {
            final Bytes<?> out = document.wire().bytes();
            out.writeByte(DELETE);
            out.writeInt(count);
            for (int i = 0; i < batch.size(); i++) {
                final Message message = inFlight.remove(batch.get(i).position());
                if (message != null) {
                    message.gone = true;
                    out.writeLong(message.id);
                }
            }
        }
        deleted += count;
    }

    private void journalDelete(final long id) {
        try (DocumentContext document = journalAppender().writingDocument()) {
            final Bytes<?> out = document.wire().bytes();
            out.writeByte(DELETE);
            out.writeInt(1);
            out.writeLong(id);
        }
    }

    private ExcerptAppender journalAppender() {
        if (journalAppender == null) {
            journalAppender = journal.createAppender();
        }
        return journalAppender;
    }

    /** @return messages received and neither deleted nor moved (hidden, or visible again). */
    public synchronized int inFlight() {
        return inFlight.size();
    }

    /** @return messages ever sent and still in the message log (deleted ones included: the log is append-only). */
    public synchronized long messagesInLog() {
        adopt();
        return messages.eventCount();
    }

    /** @return the receive count of a message in flight, or 0 when it is not. */
    @Override
    public synchronized int receiveCount(final long id) {
        final Message message = inFlight.get(id);
        return message == null ? 0 : message.receiveCount;
    }

    /** @return statistics since this queue was opened. */
    public synchronized Stats stats() {
        return new Stats(sent, received, deleted, redriven, inFlight.size());
    }

    /**
     * @param sent      messages sent.
     * @param received  receives (a message received twice counts twice).
     * @param deleted   messages deleted.
     * @param redriven  messages moved to the dead-letter queue.
     * @param inFlight  messages received and not deleted (over the queue's whole life).
     */
    public record Stats(long sent, long received, long deleted, long redriven, int inFlight) {
    }

    /** @return the queue's directory. */
    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        adopt();
        if (reader != null) {
            reader.close();
        }
        if (lookup != null) {
            lookup.close();
        }
        if (journalAppender != null) {
            journalAppender.close();
        }
        journal.close();
        messages.close();
    }
}
