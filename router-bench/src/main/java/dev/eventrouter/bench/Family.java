package dev.eventrouter.bench;

import java.util.List;

/**
 * The 14 rule families of event-ruler's CityLots benchmark, 5 rules each. EXACT, WILDCARD, PREFIX, SUFFIX,
 * EQUALS_IGNORE_CASE, NUMERIC, COMPLEX_ARRAYS and ANYTHING_BUT use event-ruler's own rules; the ignore-case, prefix,
 * suffix and wildcard forms of anything-but and the ignore-case prefix/suffix families follow the same fields.
 */
public enum Family {
    EXACT(
        "{\"properties\":{\"MAPBLKLOT\":[\"1430022\"]}}",
        "{\"properties\":{\"MAPBLKLOT\":[\"2607117\"]}}",
        "{\"properties\":{\"MAPBLKLOT\":[\"2607218\"]}}",
        "{\"properties\":{\"MAPBLKLOT\":[\"3745012\"]}}",
        "{\"properties\":{\"MAPBLKLOT\":[\"VACSTWIL\"]}}"),
    WILDCARD(
        "{\"properties\":{\"MAPBLKLOT\":[{\"wildcard\":\"143*\"}]}}",
        "{\"properties\":{\"MAPBLKLOT\":[{\"wildcard\":\"2*0*1*7\"}]}}",
        "{\"properties\":{\"MAPBLKLOT\":[{\"wildcard\":\"*218\"}]}}",
        "{\"properties\":{\"MAPBLKLOT\":[{\"wildcard\":\"3*5*2\"}]}}",
        "{\"properties\":{\"MAPBLKLOT\":[{\"wildcard\":\"VA*IL\"}]}}"),
    PREFIX(
        "{\"properties\":{\"STREET\":[{\"prefix\":\"AC\"}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":\"BL\"}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":\"DR\"}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":\"FU\"}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":\"RH\"}]}}"),
    PREFIX_EQUALS_IGNORE_CASE(
        "{\"properties\":{\"STREET\":[{\"prefix\":{\"equals-ignore-case\":\"ac\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":{\"equals-ignore-case\":\"bL\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":{\"equals-ignore-case\":\"Dr\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":{\"equals-ignore-case\":\"fu\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"prefix\":{\"equals-ignore-case\":\"rH\"}}]}}"),
    SUFFIX(
        "{\"properties\":{\"STREET\":[{\"suffix\":\"ON\"}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":\"KE\"}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":\"MM\"}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":\"ING\"}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":\"GO\"}]}}"),
    SUFFIX_EQUALS_IGNORE_CASE(
        "{\"properties\":{\"STREET\":[{\"suffix\":{\"equals-ignore-case\":\"on\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":{\"equals-ignore-case\":\"Ke\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":{\"equals-ignore-case\":\"mM\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":{\"equals-ignore-case\":\"ing\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"suffix\":{\"equals-ignore-case\":\"gO\"}}]}}"),
    EQUALS_IGNORE_CASE(
        "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"jefferson\"}]}}",
        "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"bEaCh\"}]}}",
        "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"HyDe\"}]}}",
        "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"CHESTNUT\"}]}}",
        "{\"properties\":{\"ST_TYPE\":[{\"equals-ignore-case\":\"st\"}]}}"),
    NUMERIC(
        "{\"geometry\":{\"type\":[\"Polygon\"],\"firstCoordinates\":{\"x\":[{\"numeric\":[\"=\",-122.42916360922355]}]}}}",
        "{\"geometry\":{\"type\":[\"MultiPolygon\"],\"firstCoordinates\":{\"z\":[{\"numeric\":[\"=\",0]}]}}}",
        "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\"<\",-122.41600944012424]}]}}}",
        "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\">\",-122.41600944012424]}]}}}",
        "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\">\",-122.46471267081272,\"<\",-122.4063085128395]}]}}}"),
    COMPLEX_ARRAYS(
        "{\"geometry\":{\"type\":[\"Polygon\"],\"coordinates\":{\"x\":[{\"numeric\":[\"=\",-122.42916360922355]}]}}}",
        "{\"geometry\":{\"type\":[\"MultiPolygon\"],\"coordinates\":{\"y\":[{\"numeric\":[\"=\",37.729900216217324]}]}}}",
        "{\"geometry\":{\"coordinates\":{\"x\":[{\"numeric\":[\"<\",-122.41600944012424]}]}}}",
        "{\"geometry\":{\"coordinates\":{\"x\":[{\"numeric\":[\">\",-122.41600944012424]}]}}}",
        "{\"geometry\":{\"coordinates\":{\"x\":[{\"numeric\":[\">\",-122.46471267081272,\"<\",-122.4063085128395]}]}}}"),
    ANYTHING_BUT(
        "{\"properties\":{\"STREET\":[{\"anything-but\":[\"FULTON\"]}]}}",
        "{\"properties\":{\"STREET\":[{\"anything-but\":[\"MASON\"]}]}}",
        "{\"properties\":{\"ST_TYPE\":[{\"anything-but\":[\"ST\"]}]}}",
        "{\"geometry\":{\"type\":[{\"anything-but\":[\"Polygon\"]}]}}",
        "{\"properties\":{\"FROM_ST\":[{\"anything-but\":[\"441\"]}]}}"),
    ANYTHING_BUT_IGNORE_CASE(
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"equals-ignore-case\":[\"Fulton\"]}}]}}",
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"equals-ignore-case\":[\"Mason\"]}}]}}",
        "{\"properties\":{\"ST_TYPE\":[{\"anything-but\":{\"equals-ignore-case\":[\"st\"]}}]}}",
        "{\"geometry\":{\"type\":[{\"anything-but\":{\"equals-ignore-case\":[\"polygon\"]}}]}}",
        "{\"properties\":{\"FROM_ST\":[{\"anything-but\":{\"equals-ignore-case\":[\"441\"]}}]}}"),
    ANYTHING_BUT_PREFIX(
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"prefix\":\"FU\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"prefix\":\"MA\"}}]}}",
        "{\"properties\":{\"ST_TYPE\":[{\"anything-but\":{\"prefix\":\"S\"}}]}}",
        "{\"geometry\":{\"type\":[{\"anything-but\":{\"prefix\":\"Poly\"}}]}}",
        "{\"properties\":{\"FROM_ST\":[{\"anything-but\":{\"prefix\":\"44\"}}]}}"),
    ANYTHING_BUT_SUFFIX(
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"suffix\":\"ON\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"suffix\":\"KE\"}}]}}",
        "{\"properties\":{\"ST_TYPE\":[{\"anything-but\":{\"suffix\":\"T\"}}]}}",
        "{\"geometry\":{\"type\":[{\"anything-but\":{\"suffix\":\"gon\"}}]}}",
        "{\"properties\":{\"FROM_ST\":[{\"anything-but\":{\"suffix\":\"1\"}}]}}"),
    ANYTHING_BUT_WILDCARD(
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"wildcard\":\"F*N\"}}]}}",
        "{\"properties\":{\"STREET\":[{\"anything-but\":{\"wildcard\":\"M*S*N\"}}]}}",
        "{\"properties\":{\"ST_TYPE\":[{\"anything-but\":{\"wildcard\":\"S*\"}}]}}",
        "{\"geometry\":{\"type\":[{\"anything-but\":{\"wildcard\":\"*gon\"}}]}}",
        "{\"properties\":{\"FROM_ST\":[{\"anything-but\":{\"wildcard\":\"4*1\"}}]}}");

    private final List<String> rules;

    Family(final String... rules) {
        this.rules = List.of(rules);
    }

    /** @return the family's 5 patterns. */
    public List<String> rules() {
        return rules;
    }
}
