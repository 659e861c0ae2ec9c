package dev.eventrouter.bench;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link StructuralIndex}'s stage 1 with the Vector API: two 256-bit compares per class, each mask taken as a
 * {@code long}. Needs {@code --add-modules jdk.incubator.vector} at run time; fast only where the JDK compiles
 * {@code VectorMask.toLong} to an instruction (JDK 25 here, not JDK 17: see docs/benchmarks.md).
 */
final class VectorMasks extends StructuralIndex.Masks {
    private static final VectorSpecies<Byte> HALF = ByteVector.SPECIES_256;

    @Override
    void classify(final byte[] bytes, final int at) {
        final ByteVector low = ByteVector.fromArray(HALF, bytes, at);
        final ByteVector high = ByteVector.fromArray(HALF, bytes, at + 32);
        quotes = low.eq((byte) '"').toLong() | (high.eq((byte) '"').toLong() << 32);
        backslashes = low.eq((byte) '\\').toLong() | (high.eq((byte) '\\').toLong() << 32);
        // signed compares: below 0x20 and not negative (bytes from 0x80 are negative)
        controls = (low.lt((byte) 0x20).toLong() & ~low.lt((byte) 0).toLong())
            | ((high.lt((byte) 0x20).toLong() & ~high.lt((byte) 0).toLong()) << 32);
        spaces = low.eq((byte) ' ').toLong() | (high.eq((byte) ' ').toLong() << 32);
        structurals = structural(low) | (structural(high) << 32);
    }

    /** '{' '}' '[' ']' ',' ':' (with 0x20 set, '[' reads as '{' and ']' as '}'). */
    private static long structural(final ByteVector v) {
        final ByteVector folded = v.or((byte) 0x20);
        return folded.eq((byte) '{').or(folded.eq((byte) '}')).or(v.eq((byte) ',')).or(v.eq((byte) ':')).toLong();
    }
}
