package dev.eventrouter.bus;

import java.util.regex.Pattern;

/**
 * EventBridge ARNs: {@code arn:aws:events:REGION:ACCOUNT:event-bus/NAME}; rules on the default bus
 * {@code ...:rule/NAME}, on other buses {@code ...:rule/BUS/NAME}. Stateless.
 */
public final class EventArns {
    /** The bus every account has. */
    public static final String DEFAULT_BUS = "default";

    private static final Pattern BUS_NAME = Pattern.compile("[/.\\-_A-Za-z0-9]{1,256}");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    private static final Pattern BUS_ARN = Pattern.compile("arn:aws:events:([^:]+):([^:]+):event-bus/(.+)");

    private EventArns() {
    }

    /** A bus identified by region, account and name. */
    public record BusId(String region, String account, String name) {
        /** @return the bus ARN. */
        public String arn() {
            return "arn:aws:events:" + region + ":" + account + ":event-bus/" + name;
        }

        /** @return the ARN of a rule on this bus. */
        public String ruleArn(final String rule) {
            final String prefix = "arn:aws:events:" + region + ":" + account + ":rule/";
            return DEFAULT_BUS.equals(name) ? prefix + rule : prefix + name + "/" + rule;
        }
    }

    /**
     * Resolves a bus reference: a name (in the default account and region), an ARN, or {@code null} for the
     * default bus.
     *
     * @throws IllegalArgumentException naming what is malformed.
     */
    public static BusId resolve(final String nameOrArn, final String defaultRegion, final String defaultAccount) {
        if (nameOrArn == null || nameOrArn.isEmpty()) {
            return new BusId(defaultRegion, defaultAccount, DEFAULT_BUS);
        }
        if (nameOrArn.startsWith("arn:")) {
            final var matcher = BUS_ARN.matcher(nameOrArn);
            if (!matcher.matches()) {
                throw new IllegalArgumentException("EventBusName=" + nameOrArn
                    + ": not an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)");
            }
            return new BusId(region(matcher.group(1)), account(matcher.group(2)), busName(matcher.group(3)));
        }
        return new BusId(defaultRegion, defaultAccount, busName(nameOrArn));
    }

    /** @return the name, validated. */
    public static String busName(final String name) {
        if (!BUS_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("EventBusName=" + name
                + ": must be 1-256 characters of letters, digits, '.', '-', '_' and '/'");
        }
        return name;
    }

    /** @return the account, validated as 12 digits. */
    public static String account(final String account) {
        if (!ACCOUNT.matcher(account).matches()) {
            throw new IllegalArgumentException("account=" + account + ": must be 12 digits");
        }
        return account;
    }

    /** @return the region, validated (for example {@code us-east-1}). */
    public static String region(final String region) {
        if (!REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("region=" + region + ": not a region name such as us-east-1");
        }
        return region;
    }
}
