package dev.eventrouter.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic rule sets of any size over the CityLots fields, mixing the operators whose matching cost must not
 * grow with the rule count: exact, prefix, suffix, equals-ignore-case, numeric, cidr and exists. Operands are
 * random, so each event matches only a few rules whatever the size.
 */
public final class SyntheticRules {
    private static final int KINDS = 7;

    private SyntheticRules() {
    }

    /** @return {@code count} named patterns, the same for the same arguments. */
    public static Map<String, String> generate(final int count, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<String, String> rules = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            rules.put("rule-" + i, pattern(i % KINDS, random));
        }
        return rules;
    }

    private static String pattern(final int kind, final SplittableRandom random) {
        return switch (kind) {
            case 0 -> "{\"properties\":{\"MAPBLKLOT\":[\"" + digits(random, 7) + "\"]}}";
            case 1 -> "{\"properties\":{\"STREET\":[{\"prefix\":\"" + letters(random, 4) + "\"}]}}";
            case 2 -> "{\"properties\":{\"STREET\":[{\"suffix\":\"" + letters(random, 4) + "\"}]}}";
            case 3 -> "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"" + letters(random, 6).toLowerCase(Locale.ROOT)
                + "\"}]}}";
            case 4 -> {
                final double low = -122.52 + random.nextDouble() * 0.17;
                yield String.format(Locale.ROOT,
                    "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\">\",%.6f,\"<\",%.6f]}]}}}",
                    low, low + 0.00002);
            }
            case 5 -> "{\"properties\":{\"ip\":[{\"cidr\":\"10." + random.nextInt(256) + "." + random.nextInt(256)
                + ".0/24\"}]}}";
            default -> "{\"properties\":{\"BLOCK_NUM\":[\"" + digits(random, 4) + "\"],\"LOT_NUM\":[{\"exists\":true}]}}";
        };
    }

    private static String digits(final SplittableRandom random, final int length) {
        final StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('0' + random.nextInt(10)));
        }
        return text.toString();
    }

    private static String letters(final SplittableRandom random, final int length) {
        final StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('A' + random.nextInt(26)));
        }
        return text.toString();
    }
}
