package dev.eventrouter.pattern;

/** Builds {@link ValueMatcher.IpRange}s from address literals and CIDR blocks. Stateless. */
final class IpRanges {
    private IpRanges() {
    }

    /** @return the one-address range for an address literal, or {@code null} when {@code text} is not one. */
    static ValueMatcher.IpRange single(final String text) {
        final long[] address = new long[2];
        final int version = IpAddressParser.parse(text, address);
        if (version == IpAddressParser.NOT_AN_ADDRESS) {
            return null;
        }
        return new ValueMatcher.IpRange(version, address[0], address[1], address[0], address[1]);
    }

    /**
     * @param text {@code address/bits}; the address need not be the network address.
     * @return the covered range.
     * @throws IllegalArgumentException naming what is malformed.
     */
    static ValueMatcher.IpRange cidr(final String text) {
        final int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": one '/' required");
        }
        final long[] address = new long[2];
        final int version = IpAddressParser.parse(text.substring(0, slash), address);
        if (version == IpAddressParser.NOT_AN_ADDRESS) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": invalid IP address");
        }
        final int bits = maskBits(text, text.substring(slash + 1), version == IpAddressParser.IPV4 ? 32 : 128);
        if (version == IpAddressParser.IPV4) {
            final long mask = bits == 0 ? 0 : (0xffff_ffffL << (32 - bits)) & 0xffff_ffffL;
            final long start = address[1] & mask;
            final long end = start | (~mask & 0xffff_ffffL);
            return new ValueMatcher.IpRange(version, 0, start, 0, end);
        }
        final long highMask = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
        final long lowMask = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
        return new ValueMatcher.IpRange(version, address[0] & highMask, address[1] & lowMask,
            address[0] | ~highMask, address[1] | ~lowMask);
    }

    private static int maskBits(final String text, final String bits, final int maximum) {
        if (bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": mask bits must be an integer");
        }
        final int value = Integer.parseInt(bits);
        if (value > maximum) {
            throw new IllegalArgumentException(
                "malformed CIDR \"" + text + "\": mask bits must be at most " + maximum);
        }
        return value;
    }
}
