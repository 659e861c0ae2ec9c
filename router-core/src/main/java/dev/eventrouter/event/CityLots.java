package dev.eventrouter.event;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic CityLots-shaped sample events (San Francisco lot records, the data set of event-ruler's benchmark),
 * for the demo, tests and benchmarks: the same seed gives the same bytes on every machine. Records average about
 * 800 bytes:
 *
 * <pre>{@code
 * {"type":"Feature","properties":{"MAPBLKLOT":"1430022","BLKLOT":"1430022","BLOCK_NUM":"1430","LOT_NUM":"022",
 *  "FROM_ST":"755","TO_ST":"757","STREET":"FOERSTER","ST_TYPE":"ST","ODD_EVEN":"O"},
 *  "geometry":{"type":"Polygon","coordinates":[{"x":-122.42916360922355,"y":37.80820020070196,"z":0},...],
 *  "firstCoordinates":{"x":-122.42916360922355,"y":37.80820020070196,"z":0}}}
 * }</pre>
 * Coordinates carry 14 decimals (17 significant digits), as in the original data. Not thread-safe.
 */
public final class CityLots {
    private static final String[] STREETS = {
        "JEFFERSON", "BEACH", "HYDE", "CHESTNUT", "FULTON", "MASON", "FOERSTER", "ACADIA", "BLAKE", "DRUMM",
        "RHODE ISLAND", "MISSION", "WASHINGTON", "LAKE", "STOCKTON", "KING", "CHICAGO", "FLEMING", "BROADWAY",
        "CALIFORNIA", "FUNSTON", "BLYTHDALE", "DRUMMOND", "RHINE", "ACACIA", "VALENCIA", "GEARY", "IRVING", "ORTEGA",
        "MONTEREY", "JACKSON", "UNKNOWN", "SUNSET", "BUSH", "LINCOLN", "PORTOLA", "COLUMBUS", "HAIGHT"
    };
    /** Lots that recur in the original data (each lot appears once per polygon part); 1 in 200 events. */
    private static final String[] RECURRING_LOTS = {"1430022", "2607117", "2607218", "3745012"};
    private static final String[] STREET_TYPES = {"ST", "ST", "ST", "AVE", "AVE", "WAY", "BLVD", "TER", "DR", "PL"};
    private static final int MIN_POINTS = 6;
    private static final int EXTRA_POINTS = 6;

    private final SplittableRandom random;
    private final StringBuilder json = new StringBuilder(1024);

    /** @param seed the same seed gives the same sequence of events. */
    public CityLots(final long seed) {
        random = new SplittableRandom(seed);
    }

    /** @return the next event as JSON text. */
    public String next() {
        json.setLength(0);
        final int block = random.nextInt(1, 7600);
        final int lot = random.nextInt(1, 300);
        final boolean vacant = random.nextInt(2000) == 0;
        final boolean recurring = random.nextInt(200) == 0;
        final String recurringLot = RECURRING_LOTS[random.nextInt(RECURRING_LOTS.length)];
        final String blockText = recurring ? recurringLot.substring(0, 4) : pad(block, 4);
        final String lotText = recurring ? recurringLot.substring(4) : pad(lot, 3);
        final String mapBlockLot = vacant ? "VACSTWIL" : blockText + lotText;
        final int from = random.nextInt(0, 3000);
        json.append("{\"type\":\"Feature\",\"properties\":{\"MAPBLKLOT\":\"").append(mapBlockLot)
            .append("\",\"BLKLOT\":\"").append(mapBlockLot)
            .append("\",\"BLOCK_NUM\":\"").append(blockText)
            .append("\",\"LOT_NUM\":\"").append(lotText)
            .append("\",\"FROM_ST\":\"").append(from)
            .append("\",\"TO_ST\":\"").append(from + 2 * random.nextInt(0, 4))
            .append("\",\"STREET\":\"").append(STREETS[random.nextInt(STREETS.length)])
            .append("\",\"ST_TYPE\":");
        if (random.nextInt(10) == 0) {
            json.append("null");
        } else {
            json.append('"').append(STREET_TYPES[random.nextInt(STREET_TYPES.length)]).append('"');
        }
        json.append(",\"ODD_EVEN\":\"").append(from % 2 == 0 ? 'E' : 'O').append("\"},");
        appendGeometry();
        return json.append('}').toString();
    }

    /** @return the next event as UTF-8 bytes. */
    public byte[] nextBytes() {
        return next().getBytes(StandardCharsets.UTF_8);
    }

    private void appendGeometry() {
        final boolean multi = random.nextInt(100) == 0;
        json.append("\"geometry\":{\"type\":\"").append(multi ? "MultiPolygon" : "Polygon")
            .append("\",\"coordinates\":[");
        final double baseX = -122.52 + random.nextDouble() * 0.17;
        final double baseY = 37.70 + random.nextDouble() * 0.13;
        final int points = MIN_POINTS + random.nextInt(EXTRA_POINTS);
        final int firstStart = json.length();
        int firstEnd = 0;
        for (int i = 0; i < points; i++) {
            if (i > 0) {
                json.append(',');
            }
            final double x = i == points - 1 ? baseX : baseX + random.nextDouble() * 0.0008;
            final double y = i == points - 1 ? baseY : baseY + random.nextDouble() * 0.0008;
            json.append("{\"x\":").append(fourteenDecimals(x)).append(",\"y\":").append(fourteenDecimals(y))
                .append(",\"z\":0}");
            if (i == 0) {
                firstEnd = json.length();
            }
        }
        final String first = json.substring(firstStart, firstEnd);
        json.append("],\"firstCoordinates\":").append(first).append('}');
    }

    private static String fourteenDecimals(final double value) {
        final String text = String.format(java.util.Locale.ROOT, "%.14f", value);
        int end = text.length();
        while (text.charAt(end - 1) == '0') {
            end--;
        }
        return text.substring(0, end);
    }

    private static String pad(final int value, final int width) {
        final String text = Integer.toString(value);
        return "0".repeat(Math.max(0, width - text.length())) + text;
    }
}
