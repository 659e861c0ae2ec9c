package dev.eventrouter.match;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable map from byte strings to condition ids, optionally comparing with ASCII case folding.
 * Lookups do not allocate. Thread-safe once built.
 */
final class BytesTable {
    static final int[] NONE = new int[0];

    private final boolean folded;
    private final int mask;
    private final int[] hashes;
    private final int[] keyOffsets;
    private final int[] keyLengths;
    private final int[][] values;
    private final byte[] keys;

    private BytesTable(final boolean folded, final Map<String, List<Integer>> entries) {
        this.folded = folded;
        final int size = Hashing.tableSize(entries.size());
        mask = size - 1;
        hashes = new int[size];
        keyOffsets = new int[size];
        keyLengths = new int[size];
        values = new int[size][];
        final List<byte[]> encoded = new ArrayList<>();
        int total = 0;
        for (String key : entries.keySet()) {
            final byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            encoded.add(bytes);
            total += bytes.length;
        }
        keys = new byte[total];
        int position = 0;
        int index = 0;
        for (Map.Entry<String, List<Integer>> entry : entries.entrySet()) {
            final byte[] bytes = encoded.get(index++);
            System.arraycopy(bytes, 0, keys, position, bytes.length);
            final int hash = folded ? Hashing.hashFolded(bytes, 0, bytes.length) : Hashing.hash(bytes, 0, bytes.length);
            int slot = hash & mask;
            while (values[slot] != null) {
                slot = (slot + 1) & mask;
            }
            hashes[slot] = hash;
            keyOffsets[slot] = position;
            keyLengths[slot] = bytes.length;
            values[slot] = entry.getValue().stream().mapToInt(Integer::intValue).distinct().toArray();
            position += bytes.length;
        }
    }

    /** @return the ids stored for the bytes, or {@link #NONE}. */
    int[] get(final byte[] bytes, final int offset, final int length) {
        final int hash = folded ? Hashing.hashFolded(bytes, offset, length) : Hashing.hash(bytes, offset, length);
        int slot = hash & mask;
        int[] found;
        while ((found = values[slot]) != null) {
            if (hashes[slot] == hash && keyLengths[slot] == length && sameBytes(bytes, offset, keyOffsets[slot], length)) {
                return found;
            }
            slot = (slot + 1) & mask;
        }
        return NONE;
    }

    private boolean sameBytes(final byte[] bytes, final int offset, final int keyOffset, final int length) {
        if (folded) {
            for (int i = 0; i < length; i++) {
                if (Hashing.fold(bytes[offset + i]) != Hashing.fold(keys[keyOffset + i])) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[offset + i] != keys[keyOffset + i]) {
                return false;
            }
        }
        return true;
    }

    /** Collects entries, then {@link #build()}s the table. */
    static final class Builder {
        private final boolean folded;
        private final Map<String, List<Integer>> entries = new LinkedHashMap<>();

        Builder(final boolean folded) {
            this.folded = folded;
        }

        void add(final String key, final int id) {
            final String normalized = folded ? foldAscii(key) : key;
            entries.computeIfAbsent(normalized, k -> new ArrayList<>()).add(id);
        }

        BytesTable build() {
            return entries.isEmpty() ? null : new BytesTable(folded, entries);
        }
    }

    static String foldAscii(final String text) {
        final StringBuilder folded = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            folded.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return folded.toString();
    }
}
