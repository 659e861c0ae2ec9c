package dev.eventrouter.match;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable stabbing index over closed intervals of unsigned 128-bit keys: which stored intervals contain a key.
 * Numbers use the order-preserving encoding of {@link #numberKey(double)}; IPv4 addresses are the low 32 bits.
 *
 * <p>Layout: the distinct end points split the key space into 2n+1 elementary slots (a gap before each point, the
 * point itself, and a final gap); each interval is stored at the O(log n) segment-tree nodes covering its slots.
 * A query is one binary search plus one walk from a leaf to the root: O(log n + matches), no allocation.
 */
final class IntervalIndex {
    private final long[] pointHigh;
    private final long[] pointLow;
    private final int leaves;
    private final int[][] nodes;

    private IntervalIndex(final long[] pointHigh, final long[] pointLow, final int leaves, final int[][] nodes) {
        this.pointHigh = pointHigh;
        this.pointLow = pointLow;
        this.leaves = leaves;
        this.nodes = nodes;
    }

    /** Order-preserving unsigned key of a double (zero must be +0.0). */
    static long numberKey(final double value) {
        final long bits = Double.doubleToRawLongBits(value);
        return bits ^ ((bits >> 63) | Long.MIN_VALUE);
    }

    /** Reports the ids of every interval containing the key. */
    void query(final long high, final long low, final HitSink sink) {
        int lo = 0;
        int hi = pointHigh.length;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (compare(pointHigh[mid], pointLow[mid], high, low) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        final boolean onPoint = lo < pointHigh.length && pointHigh[lo] == high && pointLow[lo] == low;
        int node = (onPoint ? 2 * lo + 1 : 2 * lo) + leaves;
        while (node >= 1) {
            final int[] ids = nodes[node];
            if (ids != null) {
                for (int id : ids) {
                    sink.hit(id);
                }
            }
            node >>>= 1;
        }
    }

    private static int compare(final long aHigh, final long aLow, final long bHigh, final long bLow) {
        final int byHigh = Long.compareUnsigned(aHigh, bHigh);
        return byHigh != 0 ? byHigh : Long.compareUnsigned(aLow, bLow);
    }

    /** Collects intervals, then {@link #build()}s the index. */
    static final class Builder {
        private final List<long[]> intervals = new ArrayList<>();

        void add(final long startHigh, final long startLow, final long endHigh, final long endLow, final int id) {
            if (compare(startHigh, startLow, endHigh, endLow) <= 0) {
                intervals.add(new long[] {startHigh, startLow, endHigh, endLow, id});
            }
        }

        void addNumbers(final double lower, final boolean lowerOpen, final double upper, final boolean upperOpen,
                        final int id) {
            final double start = lowerOpen ? Math.nextUp(lower) : lower;
            final double end = upperOpen ? Math.nextDown(upper) : upper;
            if (start <= end) {
                add(0, numberKey(start == 0.0 ? 0.0 : start), 0, numberKey(end == 0.0 ? 0.0 : end), id);
            }
        }

        boolean isEmpty() {
            return intervals.isEmpty();
        }

        IntervalIndex build() {
            if (intervals.isEmpty()) {
                return null;
            }
            final long[][] points = new long[intervals.size() * 2][];
            int count = 0;
            for (long[] interval : intervals) {
                points[count++] = new long[] {interval[0], interval[1]};
                points[count++] = new long[] {interval[2], interval[3]};
            }
            Arrays.sort(points, (a, b) -> compare(a[0], a[1], b[0], b[1]));
            final long[] high = new long[count];
            final long[] low = new long[count];
            int distinct = 0;
            for (long[] point : points) {
                if (distinct == 0 || high[distinct - 1] != point[0] || low[distinct - 1] != point[1]) {
                    high[distinct] = point[0];
                    low[distinct] = point[1];
                    distinct++;
                }
            }
            final long[] pointHigh = Arrays.copyOf(high, distinct);
            final long[] pointLow = Arrays.copyOf(low, distinct);
            final int slots = 2 * distinct + 1;
            int leaves = 1;
            while (leaves < slots) {
                leaves <<= 1;
            }
            @SuppressWarnings("unchecked")
            final List<Integer>[] lists = (List<Integer>[]) new List<?>[2 * leaves];
            for (long[] interval : intervals) {
                final int from = 2 * find(pointHigh, pointLow, interval[0], interval[1]) + 1;
                final int to = 2 * find(pointHigh, pointLow, interval[2], interval[3]) + 1;
                int left = from + leaves;
                int right = to + leaves + 1;
                while (left < right) {
                    if ((left & 1) == 1) {
                        add(lists, left++, (int) interval[4]);
                    }
                    if ((right & 1) == 1) {
                        add(lists, --right, (int) interval[4]);
                    }
                    left >>>= 1;
                    right >>>= 1;
                }
            }
            final int[][] nodes = new int[2 * leaves][];
            for (int i = 0; i < lists.length; i++) {
                if (lists[i] != null) {
                    nodes[i] = lists[i].stream().mapToInt(Integer::intValue).distinct().toArray();
                }
            }
            return new IntervalIndex(pointHigh, pointLow, leaves, nodes);
        }

        private static void add(final List<Integer>[] lists, final int node, final int id) {
            if (lists[node] == null) {
                lists[node] = new ArrayList<>(2);
            }
            lists[node].add(id);
        }

        private static int find(final long[] high, final long[] low, final long keyHigh, final long keyLow) {
            int lo = 0;
            int hi = high.length - 1;
            while (lo <= hi) {
                final int mid = (lo + hi) >>> 1;
                final int c = compare(high[mid], low[mid], keyHigh, keyLow);
                if (c == 0) {
                    return mid;
                }
                if (c < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            throw new IllegalStateException("end point not indexed");
        }
    }
}
