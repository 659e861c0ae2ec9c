package dev.eventrouter.match;

/** Byte-range hashing shared by the lookup tables. Stateless. */
final class Hashing {
    private Hashing() {
    }

    static int hash(final byte[] bytes, final int offset, final int length) {
        int h = 0x9E3779B9;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = 31 * h + bytes[i];
        }
        return mix(h);
    }

    static int hashFolded(final byte[] bytes, final int offset, final int length) {
        int h = 0x9E3779B9;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = 31 * h + fold(bytes[i]);
        }
        return mix(h);
    }

    static int mix(final int value) {
        int h = value * 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    /** ASCII case folding: A-Z to a-z; every other byte unchanged. */
    static byte fold(final byte b) {
        return (b >= 'A' && b <= 'Z') ? (byte) (b + 32) : b;
    }

    static int tableSize(final int entries) {
        int size = 4;
        while (size < entries * 2) {
            size <<= 1;
        }
        return size;
    }
}
