package dev.eventrouter.match;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An immutable trie of byte strings for prefix matching (or suffix matching, built and walked from the end).
 * Walking a value visits at most one node per byte, whatever the number of stored strings, and does not allocate.
 */
final class ByteTrie {
    private final boolean reversed;
    private final boolean folded;
    private final long mask;
    private final long[] transitionKeys;
    private final int[] transitionTargets;
    private final int[][] terminals;

    private ByteTrie(final boolean reversed, final boolean folded, final List<long[]> transitions,
                     final List<List<Integer>> nodeIds) {
        this.reversed = reversed;
        this.folded = folded;
        final int size = Hashing.tableSize(Math.max(1, transitions.size()));
        mask = size - 1;
        transitionKeys = new long[size];
        transitionTargets = new int[size];
        java.util.Arrays.fill(transitionTargets, -1);
        for (long[] transition : transitions) {
            int slot = slot(transition[0]);
            while (transitionTargets[slot] != -1) {
                slot = (int) ((slot + 1) & mask);
            }
            transitionKeys[slot] = transition[0];
            transitionTargets[slot] = (int) transition[1];
        }
        terminals = new int[nodeIds.size()][];
        for (int node = 0; node < nodeIds.size(); node++) {
            final List<Integer> ids = nodeIds.get(node);
            terminals[node] = ids == null ? null : ids.stream().mapToInt(Integer::intValue).distinct().toArray();
        }
    }

    private int slot(final long key) {
        return (int) (Hashing.mix((int) (key ^ (key >>> 32))) & mask);
    }

    private int child(final int node, final byte b) {
        final long key = ((long) node << 8) | (b & 0xff);
        int slot = slot(key);
        int target;
        while ((target = transitionTargets[slot]) != -1) {
            if (transitionKeys[slot] == key) {
                return target;
            }
            slot = (int) ((slot + 1) & mask);
        }
        return -1;
    }

    /** Reports the ids of every stored string that is a prefix (or suffix) of the bytes. */
    void walk(final byte[] bytes, final int offset, final int length, final HitSink sink) {
        int node = 0;
        emit(node, sink);
        if (reversed) {
            for (int i = offset + length - 1; i >= offset; i--) {
                node = child(node, folded ? Hashing.fold(bytes[i]) : bytes[i]);
                if (node < 0) {
                    return;
                }
                emit(node, sink);
            }
        } else {
            for (int i = offset, end = offset + length; i < end; i++) {
                node = child(node, folded ? Hashing.fold(bytes[i]) : bytes[i]);
                if (node < 0) {
                    return;
                }
                emit(node, sink);
            }
        }
    }

    private void emit(final int node, final HitSink sink) {
        final int[] ids = terminals[node];
        if (ids != null) {
            for (int id : ids) {
                sink.hit(id);
            }
        }
    }

    /** Collects strings, then {@link #build()}s the trie. */
    static final class Builder {
        private final boolean reversed;
        private final boolean folded;
        private final List<long[]> transitions = new ArrayList<>();
        private final java.util.HashMap<Long, Integer> index = new java.util.HashMap<>();
        private final List<List<Integer>> nodeIds = new ArrayList<>();

        Builder(final boolean reversed, final boolean folded) {
            this.reversed = reversed;
            this.folded = folded;
            nodeIds.add(null);
        }

        void add(final String value, final int id) {
            final byte[] bytes = (folded ? BytesTable.foldAscii(value) : value).getBytes(StandardCharsets.UTF_8);
            int node = 0;
            for (int k = 0; k < bytes.length; k++) {
                final byte b = bytes[reversed ? bytes.length - 1 - k : k];
                final long key = ((long) node << 8) | (b & 0xff);
                Integer next = index.get(key);
                if (next == null) {
                    next = nodeIds.size();
                    nodeIds.add(null);
                    index.put(key, next);
                    transitions.add(new long[] {key, next});
                }
                node = next;
            }
            List<Integer> ids = nodeIds.get(node);
            if (ids == null) {
                ids = new ArrayList<>();
                nodeIds.set(node, ids);
            }
            ids.add(id);
        }

        boolean isEmpty() {
            return nodeIds.size() == 1 && nodeIds.get(0) == null;
        }

        ByteTrie build() {
            return isEmpty() ? null : new ByteTrie(reversed, folded, transitions, nodeIds);
        }
    }
}
