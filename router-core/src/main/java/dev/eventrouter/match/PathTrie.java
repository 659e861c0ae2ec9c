package dev.eventrouter.match;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The field paths the rules refer to, as a trie of dot-separated segments. An event key is split on {@code .}
 * while it is looked up, so the key {@code "a.b"} and the nested keys {@code a} then {@code b} reach the same node,
 * exactly as EventBridge's flattened paths do. A lookup miss means the scanner skips the whole value.
 * Immutable; lookups do not allocate.
 */
final class PathTrie {
    static final int ROOT = 0;
    static final int MISSING = -1;

    private final int mask;
    private final int[] slotParent;
    private final int[] slotHash;
    private final int[] slotKeyOffset;
    private final int[] slotKeyLength;
    private final int[] slotChild;
    private final byte[] keys;
    private final int[] nodeField;
    private final boolean[] nodeHasChildren;
    /** Per node, 256 bits: the first bytes of its children's segments (a miss needs no hashing). */
    private final long[] childFirstBytes;

    /** @param paths the dotted paths; path {@code i} becomes field {@code i}. */
    PathTrie(final List<String> paths) {
        final Map<String, Integer> nodes = new HashMap<>();
        final List<int[]> edges = new ArrayList<>();
        final List<byte[]> edgeKeys = new ArrayList<>();
        final List<Integer> fields = new ArrayList<>();
        final List<Boolean> hasChildren = new ArrayList<>();
        fields.add(-1);
        hasChildren.add(false);
        for (int field = 0; field < paths.size(); field++) {
            int node = ROOT;
            final StringBuilder prefix = new StringBuilder();
            for (String segment : paths.get(field).split("\\.", -1)) {
                prefix.append('\u0000').append(segment);
                Integer next = nodes.get(prefix.toString());
                if (next == null) {
                    next = fields.size();
                    fields.add(-1);
                    hasChildren.add(false);
                    nodes.put(prefix.toString(), next);
                    edges.add(new int[] {node, next});
                    edgeKeys.add(segment.getBytes(StandardCharsets.UTF_8));
                    hasChildren.set(node, true);
                }
                node = next;
            }
            fields.set(node, field);
        }
        nodeField = fields.stream().mapToInt(Integer::intValue).toArray();
        nodeHasChildren = new boolean[hasChildren.size()];
        for (int i = 0; i < nodeHasChildren.length; i++) {
            nodeHasChildren[i] = hasChildren.get(i);
        }
        childFirstBytes = new long[4 * nodeField.length];
        for (int e = 0; e < edges.size(); e++) {
            final byte[] key = edgeKeys.get(e);
            if (key.length > 0) {
                final int first = key[0] & 0xff;
                childFirstBytes[4 * edges.get(e)[0] + (first >>> 6)] |= 1L << first;
            }
        }
        final int size = Hashing.tableSize(Math.max(1, edges.size()));
        mask = size - 1;
        slotParent = new int[size];
        slotHash = new int[size];
        slotKeyOffset = new int[size];
        slotKeyLength = new int[size];
        slotChild = new int[size];
        java.util.Arrays.fill(slotChild, MISSING);
        keys = new byte[edgeKeys.stream().mapToInt(k -> k.length).sum()];
        int position = 0;
        for (int e = 0; e < edges.size(); e++) {
            final byte[] key = edgeKeys.get(e);
            System.arraycopy(key, 0, keys, position, key.length);
            final int hash = hash(edges.get(e)[0], key, 0, key.length);
            int slot = hash & mask;
            while (slotChild[slot] != MISSING) {
                slot = (slot + 1) & mask;
            }
            slotParent[slot] = edges.get(e)[0];
            slotHash[slot] = hash;
            slotKeyOffset[slot] = position;
            slotKeyLength[slot] = key.length;
            slotChild[slot] = edges.get(e)[1];
            position += key.length;
        }
    }

    private static int hash(final int parent, final byte[] bytes, final int offset, final int length) {
        return Hashing.mix(Hashing.hash(bytes, offset, length) + 0x61C88647 * parent);
    }

    /** @return the field id at the node, or -1 when no rule tests a value there. */
    int field(final int node) {
        return nodeField[node];
    }

    /** @return whether rules refer to paths below the node. */
    boolean hasChildren(final int node) {
        return nodeHasChildren[node];
    }

    /**
     * Follows an event key (unescaped UTF-8) from a node, splitting it on {@code .}.
     *
     * @return the node reached, or {@link #MISSING}.
     */
    int lookup(final int node, final byte[] bytes, final int offset, final int length) {
        if (length > 0) {
            final int first = bytes[offset] & 0xff;
            if ((childFirstBytes[4 * node + (first >>> 6)] & (1L << first)) == 0) {
                return MISSING;
            }
        }
        int current = node;
        int start = offset;
        final int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (bytes[i] == '.') {
                current = child(current, bytes, start, i - start);
                if (current == MISSING) {
                    return MISSING;
                }
                start = i + 1;
            }
        }
        return child(current, bytes, start, end - start);
    }

    private int child(final int parent, final byte[] bytes, final int offset, final int length) {
        final int hash = hash(parent, bytes, offset, length);
        int slot = hash & mask;
        int child;
        while ((child = slotChild[slot]) != MISSING) {
            if (slotHash[slot] == hash && slotParent[slot] == parent && slotKeyLength[slot] == length
                && sameBytes(bytes, offset, slotKeyOffset[slot], length)) {
                return child;
            }
            slot = (slot + 1) & mask;
        }
        return MISSING;
    }

    private boolean sameBytes(final byte[] bytes, final int offset, final int keyOffset, final int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[offset + i] != keys[keyOffset + i]) {
                return false;
            }
        }
        return true;
    }
}
