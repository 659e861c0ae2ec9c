package dev.eventrouter.source;

/** Where a mapping keeps, per partition, the position after the last record it finished. */
public interface CheckpointStore {
    /** @return the saved position, or -1 when none. */
    long load(String mapping, int partition);

    /** Saves a position; when this returns, a restart resumes from it. */
    void save(String mapping, int partition, long position);

    /** Checkpoints kept in memory (tests, or sources that are not durable either). */
    static CheckpointStore inMemory() {
        final java.util.concurrent.ConcurrentHashMap<String, Long> positions = new java.util.concurrent.ConcurrentHashMap<>();
        return new CheckpointStore() {
            @Override
            public long load(final String mapping, final int partition) {
                return positions.getOrDefault(mapping + "/" + partition, -1L);
            }

            @Override
            public void save(final String mapping, final int partition, final long position) {
                positions.put(mapping + "/" + partition, position);
            }
        };
    }
}
