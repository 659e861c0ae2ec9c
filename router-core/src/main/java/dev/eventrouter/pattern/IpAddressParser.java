package dev.eventrouter.pattern;

/**
 * Parses IPv4 and IPv6 address literals from UTF-8 bytes without allocating, with the acceptance rules of
 * EventBridge's engine (which uses {@code java.net.InetAddress} behind two regular expressions).
 *
 * <ul>
 *   <li>IPv4: four dot-separated decimal parts, each at most 255 (leading zeros allowed), at most 15 characters.</li>
 *   <li>IPv6: hex groups of value at most {@code 0xffff} separated by {@code :}, one {@code ::} standing for at
 *       least one zero group; no zone and no embedded dotted IPv4. An IPv4-mapped address
 *       ({@code ::ffff:a.b.c.d} in hex) is an IPv4 address.</li>
 * </ul>
 * Thread-safe: stateless; the result goes into the caller's two-element array.
 */
public final class IpAddressParser {
    /** Returned when the bytes are not an address literal. */
    public static final int NOT_AN_ADDRESS = 0;
    /** Returned for an IPv4 address: {@code out[1]} holds it in its low 32 bits. */
    public static final int IPV4 = 4;
    /** Returned for an IPv6 address: {@code out[0]} holds the high 64 bits and {@code out[1]} the low 64 bits. */
    public static final int IPV6 = 6;

    private IpAddressParser() {
    }

    /**
     * Parses {@code length} bytes at {@code offset}.
     *
     * @param bytes  UTF-8 text.
     * @param offset first byte.
     * @param length number of bytes.
     * @param out    receives the address: {@code out[0]} high, {@code out[1]} low 64 bits.
     * @return {@link #IPV4}, {@link #IPV6} or {@link #NOT_AN_ADDRESS}.
     */
    public static int parse(final byte[] bytes, final int offset, final int length, final long[] out) {
        boolean hasColon = false;
        boolean hasDot = false;
        for (int i = offset, end = offset + length; i < end; i++) {
            final byte b = bytes[i];
            if (b == ':') {
                hasColon = true;
            } else if (b == '.') {
                hasDot = true;
            }
        }
        if (hasColon && !hasDot) {
            return parseV6(bytes, offset, length, out);
        }
        if (hasDot && !hasColon) {
            return parseV4(bytes, offset, length, out);
        }
        return NOT_AN_ADDRESS;
    }

    /** Parses a Java string (off the hot path). */
    public static int parse(final String text, final long[] out) {
        final byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, out);
    }

    private static int parseV4(final byte[] bytes, final int offset, final int length, final long[] out) {
        if (length > 15) {
            return NOT_AN_ADDRESS;
        }
        long address = 0;
        int part = 0;
        int digits = 0;
        int parts = 0;
        for (int i = offset, end = offset + length; i <= end; i++) {
            if (i == end || bytes[i] == '.') {
                if (digits == 0 || part > 255) {
                    return NOT_AN_ADDRESS;
                }
                address = (address << 8) | part;
                parts++;
                part = 0;
                digits = 0;
                continue;
            }
            final int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                return NOT_AN_ADDRESS;
            }
            part = part * 10 + digit;
            digits++;
            if (part > 255) {
                return NOT_AN_ADDRESS;
            }
        }
        if (parts != 4) {
            return NOT_AN_ADDRESS;
        }
        out[0] = 0;
        out[1] = address;
        return IPV4;
    }

    private static int parseV6(final byte[] bytes, final int offset, final int length, final long[] out) {
        final int end = offset + length;
        if (length < 2) {
            return NOT_AN_ADDRESS;
        }
        if (bytes[offset] == ':' && bytes[offset + 1] != ':') {
            return NOT_AN_ADDRESS;
        }
        if (bytes[end - 1] == ':' && bytes[end - 2] != ':') {
            return NOT_AN_ADDRESS;
        }
        long high = 0;
        long low = 0;
        int groups = 0;
        int groupsBeforeGap = -1;
        int i = offset;
        while (i < end) {
            if (bytes[i] == ':') {
                // "::" at i: the gap
                if (i + 1 < end && bytes[i + 1] == ':') {
                    if (groupsBeforeGap >= 0) {
                        return NOT_AN_ADDRESS;
                    }
                    groupsBeforeGap = groups;
                    i += 2;
                    if (i < end && bytes[i] == ':') {
                        return NOT_AN_ADDRESS;
                    }
                    continue;
                }
                if (i == offset) {
                    return NOT_AN_ADDRESS;
                }
                i++;
                if (i == end) {
                    return NOT_AN_ADDRESS;
                }
                continue;
            }
            int value = 0;
            int start = i;
            while (i < end && bytes[i] != ':') {
                final int digit = hexDigit(bytes[i]);
                if (digit < 0) {
                    return NOT_AN_ADDRESS;
                }
                value = (value << 4) | digit;
                if (value > 0xffff) {
                    return NOT_AN_ADDRESS;
                }
                i++;
            }
            if (i == start || groups == 8) {
                return NOT_AN_ADDRESS;
            }
            high = (high << 16) | (low >>> 48);
            low = (low << 16) | value;
            groups++;
        }
        if (groupsBeforeGap < 0) {
            if (groups != 8) {
                return NOT_AN_ADDRESS;
            }
        } else {
            if (groups > 7) {
                return NOT_AN_ADDRESS;
            }
            // shift the groups after the gap to the end; the gap is zeros
            final int after = groups - groupsBeforeGap;
            final int missing = 8 - groups;
            out[0] = high;
            out[1] = low;
            insertZeroGroups(out, groups, after, missing);
            high = out[0];
            low = out[1];
        }
        if (high == 0 && (low >>> 32) == 0xffffL) {
            out[0] = 0;
            out[1] = low & 0xffff_ffffL;
            return IPV4;
        }
        out[0] = high;
        out[1] = low;
        return IPV6;
    }

    // The groups were packed right-aligned: group k (0-based of `count`) is at position (count-1-k) from the right.
    private static void insertZeroGroups(final long[] words, final int count, final int after, final int missing) {
        long high = 0;
        long low = 0;
        for (int k = 0; k < count; k++) {
            final int fromRight = count - 1 - k;
            final long group = groupAt(words, fromRight);
            final int position = k < count - after ? k : k + missing;
            final int targetFromRight = 7 - position;
            if (targetFromRight >= 4) {
                high |= group << (16 * (targetFromRight - 4));
            } else {
                low |= group << (16 * targetFromRight);
            }
        }
        words[0] = high;
        words[1] = low;
    }

    private static long groupAt(final long[] words, final int fromRight) {
        return fromRight >= 4 ? (words[0] >>> (16 * (fromRight - 4))) & 0xffff : (words[1] >>> (16 * fromRight)) & 0xffff;
    }

    /**
     * @param b an ASCII byte.
     * @return its value as a hex digit (either case), or -1.
     */
    public static int hexDigit(final byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
