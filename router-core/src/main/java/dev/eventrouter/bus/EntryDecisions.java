package dev.eventrouter.bus;

import dev.eventrouter.auth.PolicyDocument;
import dev.eventrouter.auth.Principal;
import java.util.Map;

/**
 * A publisher thread's memo of PutEvents authorization decisions. A decision depends only on the bus's policy, the
 * caller (with its organization and tags), the bus's tags, and the entry's Source and DetailType; the first three
 * are immutable objects replaced on any change, so they are compared by identity and a change can never reuse a
 * stale decision. Direct-mapped, {@value #SIZE} slots, no allocation. Not thread-safe (one per publisher thread).
 */
final class EntryDecisions {
    static final int MISS = Integer.MIN_VALUE;
    private static final int SIZE = 256;
    private final PolicyDocument[] policies = new PolicyDocument[SIZE];
    private final Principal[] principals = new Principal[SIZE];
    private final Object[] tags = new Object[SIZE];
    private final String[] buses = new String[SIZE];
    private final String[] sources = new String[SIZE];
    private final String[] detailTypes = new String[SIZE];
    private final int[] decisions = new int[SIZE];

    private static int slot(final String bus, final String source, final String detailType) {
        final int h = (bus.hashCode() * 31 + source.hashCode()) * 31 + detailType.hashCode();
        return (h ^ h >>> 16) & SIZE - 1;
    }

    /** @return the remembered decision, or {@link #MISS}. */
    int find(final PolicyDocument policy, final Principal principal, final Map<String, String> busTags,
             final String bus, final String source, final String detailType) {
        final int i = slot(bus, source, detailType);
        return policies[i] == policy && principals[i] == principal && tags[i] == busTags && buses[i] == bus
            && source.equals(sources[i]) && detailType.equals(detailTypes[i]) ? decisions[i] : MISS;
    }

    void remember(final PolicyDocument policy, final Principal principal, final Map<String, String> busTags,
                  final String bus, final String source, final String detailType, final int decision) {
        final int i = slot(bus, source, detailType);
        policies[i] = policy;
        principals[i] = principal;
        tags[i] = busTags;
        buses[i] = bus;
        sources[i] = source;
        detailTypes[i] = detailType;
        decisions[i] = decision;
    }
}
