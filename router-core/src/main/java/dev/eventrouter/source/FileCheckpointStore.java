package dev.eventrouter.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checkpoints in a memory-mapped file: a save is one ordered 8-byte store into the page cache, so it survives the
 * process being killed (SIGKILL included) the moment it returns, at no more cost than a memory write; {@link #force()}
 * also survives a machine crash. One slot of {@value #SLOT_BYTES} bytes per mapping and partition (the mapping's
 * name, the partition, the position); the file holds {@code capacity} slots. The file is locked: one process at a
 * time. Saves for one mapping come from one thread (its poller); loads and saves are safe from any thread; a save takes no lock once its slot exists.
 */
public final class FileCheckpointStore implements CheckpointStore, AutoCloseable {
    static final int SLOT_BYTES = 96;
    private static final int MAGIC = 0x43484B31;  // "CHK1"
    private static final int HEADER_BYTES = 64;
    private static final int USED = 1;
    private static final int NAME_OFFSET = 8;      // int used, int partition, then the name's length and bytes
    private static final int NAME_MAX = 64;
    private static final int POSITION_OFFSET = 80;

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int capacity;
    /** Slot offsets by mapping name, then partition (-1 when the partition has none yet). */
    private final Map<String, int[]> slots = new ConcurrentHashMap<>();
    /** Calls inside the mapped memory; close unmaps only at zero, after refusing new ones. */
    private final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;
    private int used;

    private FileCheckpointStore(final Path file, final int capacity) throws IOException {
        this.file = file;
        final boolean exists = Files.exists(file);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null;
        }
        if (acquired == null) {
            channel.close();
            throw new IllegalStateException(file + ": checkpoints in use by another mapping process");
        }
        lock = acquired;
        final long size = HEADER_BYTES + (long) capacity * SLOT_BYTES;
        if (exists && channel.size() > 0 && channel.size() < HEADER_BYTES) {
            final long found = channel.size();
            lock.release();
            channel.close();
            throw new IllegalArgumentException(file + ": not a checkpoint file (" + found + " bytes)");
        }
        mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, Math.max(size, channel.size()));
        buffer = new UnsafeBuffer(mapped);
        if (buffer.getInt(0) == 0 && buffer.getInt(4) == 0) {
            buffer.putInt(4, capacity);
            buffer.putIntVolatile(0, MAGIC);
        } else if (buffer.getInt(0) != MAGIC) {
            close();
            throw new IllegalArgumentException(file + ": not a checkpoint file (bad magic at byte 0)");
        }
        this.capacity = buffer.getInt(4);
        for (int slot = 0; slot < this.capacity; slot++) {
            final int offset = HEADER_BYTES + slot * SLOT_BYTES;
            if (buffer.getIntVolatile(offset) != USED) {
                break;
            }
            final int partition = buffer.getInt(offset + 4);
            final int nameLength = buffer.getInt(offset + NAME_OFFSET);
            final byte[] name = new byte[nameLength];
            buffer.getBytes(offset + NAME_OFFSET + 4, name);
            index(new String(name, StandardCharsets.UTF_8), partition, offset);
            used = slot + 1;
        }
    }

    /**
     * Opens (or creates) a checkpoint file with room for 4,096 mapping partitions.
     *
     * @throws IllegalStateException    when another process (or store) has it open.
     * @throws IllegalArgumentException when the file is not a checkpoint file.
     */
    public static FileCheckpointStore open(final Path file) {
        return open(file, 4096);
    }

    /** As {@link #open(Path)} with room for {@code capacity} mapping partitions (used when the file is created). */
    public static FileCheckpointStore open(final Path file, final int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity=" + capacity + ": must be positive");
        }
        try {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new FileCheckpointStore(file, capacity);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Records a slot, copy on write: a reader sees the old array or the whole new one (slots are made rarely). */
    private void index(final String mapping, final int partition, final int offset) {
        final int[] offsets = slots.get(mapping);
        final int[] copy = new int[Math.max(partition + 1, offsets == null ? 4 : offsets.length)];
        java.util.Arrays.fill(copy, -1);
        if (offsets != null) {
            System.arraycopy(offsets, 0, copy, 0, offsets.length);
        }
        copy[partition] = offset;
        slots.put(mapping, copy);
    }

    /** @return the slot's offset, or -1 when it has none; lock-free (saves run on every batch). */
    private int find(final String mapping, final int partition) {
        final int[] offsets = slots.get(mapping);
        return offsets != null && partition < offsets.length ? offsets[partition] : -1;
    }

    /** Creates a slot under the lock (once per mapping partition). */
    private synchronized int create(final String mapping, final int partition) {
        final int existing = find(mapping, partition);
        if (existing >= 0) {
            return existing;
        }
        final byte[] name = mapping.getBytes(StandardCharsets.UTF_8);
        if (name.length > NAME_MAX) {
            throw new IllegalArgumentException("mapping name " + mapping + ": longer than " + NAME_MAX + " bytes");
        }
        if (used == capacity) {
            throw new IllegalStateException(file + ": full (" + capacity + " mapping partitions)");
        }
        final int offset = HEADER_BYTES + used * SLOT_BYTES;
        buffer.putInt(offset + 4, partition);
        buffer.putInt(offset + NAME_OFFSET, name.length);
        buffer.putBytes(offset + NAME_OFFSET + 4, name);
        buffer.putLongVolatile(offset + POSITION_OFFSET, -1);
        buffer.putIntVolatile(offset, USED);
        used++;
        index(mapping, partition, offset);
        return offset;
    }

    /**
     * Enters the mapped memory: announces the call, then checks {@link #closed} (close sets it, then waits for the
     * announced calls), so no call touches the memory after it is unmapped.
     *
     * @throws IllegalStateException when the store is closed.
     */
    private void enter() {
        inside.incrementAndGet();
        if (closed) {
            inside.decrementAndGet();
            throw new IllegalStateException(file + ": checkpoint store is closed");
        }
    }

    /** @throws IllegalStateException when the store is closed. */
    @Override
    public long load(final String mapping, final int partition) {
        enter();
        try {
            final int offset = find(mapping, partition);
            return offset < 0 ? -1 : buffer.getLongVolatile(offset + POSITION_OFFSET);
        } finally {
            inside.decrementAndGet();
        }
    }

    /** @throws IllegalStateException when the store is closed (the checkpoint is not saved). */
    @Override
    public void save(final String mapping, final int partition, final long position) {
        enter();
        try {
            int offset = find(mapping, partition);
            if (offset < 0) {
                offset = create(mapping, partition);
            }
            buffer.putLongOrdered(offset + POSITION_OFFSET, position);
        } finally {
            inside.decrementAndGet();
        }
    }

    /**
     * Writes saved checkpoints to the storage device (survives a machine crash, not only a process crash).
     *
     * @throws IllegalStateException when the store is closed.
     */
    public void force() {
        enter();
        try {
            mapped.force();
        } finally {
            inside.decrementAndGet();
        }
    }

    /**
     * Refuses new calls, waits for those already inside (each is a few memory accesses, or a force), then releases
     * the lock and unmaps. Idempotent. A save after close throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        while (inside.get() != 0) {
            Thread.onSpinWait();
        }
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            IoUtil.unmap(mapped);
        }
    }
}
