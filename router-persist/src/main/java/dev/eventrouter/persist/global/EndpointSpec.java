package dev.eventrouter.persist.global;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A global endpoint as CreateEndpoint declares it (EventBridge API reference: CreateEndpoint, RoutingConfig,
 * FailoverConfig, ReplicationConfig, EndpointEventBus): two event buses of one name and account in two Regions, the
 * primary's health check, the secondary Region, and whether events are replicated. Immutable.
 *
 * @param name           1-64 of {@code [.\-_A-Za-z0-9]}.
 * @param description    up to 512 characters, or {@code null}.
 * @param healthCheck    the primary's health check (a Route 53 health check ARN in AWS; here the name of a health
 *                       check the router runs, see {@link HealthCheck.Config}).
 * @param secondaryRegion the Region events go to while the primary is unhealthy ({@code Secondary.Route}).
 * @param replication    {@code ReplicationConfig.State} ENABLED (the default) or not.
 * @param roleArn        the role replication uses (required by AWS when replication is enabled), or {@code null}.
 * @param eventBusArns   exactly two bus ARNs, one per Region, same account and bus name.
 */
public record EndpointSpec(String name, String description, String healthCheck, String secondaryRegion,
                           boolean replication, String roleArn, List<String> eventBusArns) {
    private static final Pattern NAME = Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");
    private static final Pattern BUS_ARN = Pattern.compile(
        "arn:aws[a-z-]*:events:([a-z0-9-]+):([0-9]{12}):event-bus/([/.\\-_A-Za-z0-9]+)");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-[0-9]");

    /** Validates every field as CreateEndpoint does, naming the member. */
    public EndpointSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("1 validation error detected: Value '" + name + "' at 'name' failed "
                + "to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ "
                + "and have length between 1 and 64");
        }
        if (description != null && description.length() > 512) {
            throw new IllegalArgumentException("1 validation error detected: Value at 'description' failed to "
                + "satisfy constraint: Member must have length less than or equal to 512");
        }
        if (healthCheck == null || healthCheck.isEmpty()) {
            throw new IllegalArgumentException("RoutingConfig.FailoverConfig.Primary.HealthCheck is required");
        }
        if (secondaryRegion == null || !REGION.matcher(secondaryRegion).matches()) {
            throw new IllegalArgumentException("RoutingConfig.FailoverConfig.Secondary.Route must be a Region name, "
                + "got " + secondaryRegion);
        }
        eventBusArns = eventBusArns == null ? List.of() : List.copyOf(eventBusArns);
        if (eventBusArns.size() != 2) {
            throw new IllegalArgumentException("1 validation error detected: Value at 'eventBuses' failed to satisfy "
                + "constraint: Member must have length equal to 2, got " + eventBusArns.size());
        }
        final java.util.regex.Matcher first = BUS_ARN.matcher(eventBusArns.get(0));
        final java.util.regex.Matcher second = BUS_ARN.matcher(eventBusArns.get(1));
        for (int i = 0; i < 2; i++) {
            if (!(i == 0 ? first : second).matches()) {
                throw new IllegalArgumentException("EventBuses[" + i + "].EventBusArn is not an event bus ARN: "
                    + eventBusArns.get(i));
            }
        }
        if (!first.group(3).equals(second.group(3)) || !first.group(2).equals(second.group(2))) {
            throw new IllegalArgumentException("EventBuses: the two buses must have the same name in the same "
                + "account, got " + eventBusArns);
        }
        if (first.group(1).equals(second.group(1))) {
            throw new IllegalArgumentException("EventBuses: the two buses must be in two Regions, got "
                + first.group(1) + " twice");
        }
        if (!secondaryRegion.equals(first.group(1)) && !secondaryRegion.equals(second.group(1))) {
            throw new IllegalArgumentException("RoutingConfig.FailoverConfig.Secondary.Route " + secondaryRegion
                + " is not the Region of either event bus (" + first.group(1) + ", " + second.group(1) + ")");
        }
        if (replication && (roleArn == null || roleArn.isEmpty())) {
            throw new IllegalArgumentException("RoleArn is required when ReplicationConfig.State is ENABLED");
        }
    }

    private String[] parts(final int bus) {
        final java.util.regex.Matcher m = BUS_ARN.matcher(eventBusArns.get(bus));
        m.matches();
        return new String[] {m.group(1), m.group(2), m.group(3)};
    }

    /** @return the primary Region: the buses' Region that is not the secondary. */
    public String primaryRegion() {
        final String a = parts(0)[0];
        return a.equals(secondaryRegion) ? parts(1)[0] : a;
    }

    /** @return the account of the buses (and of the endpoint). */
    public String account() {
        return parts(0)[1];
    }

    /** @return the buses' name. */
    public String busName() {
        return parts(0)[2];
    }

    /** @return the bus ARN in {@code region}. */
    public String busArn(final String region) {
        return parts(0)[0].equals(region) ? eventBusArns.get(0) : eventBusArns.get(1);
    }

    /** @return the other Region of the two. */
    public String otherRegion(final String region) {
        return region.equals(primaryRegion()) ? secondaryRegion : primaryRegion();
    }

    /** @return whether {@code region} is one of the endpoint's. */
    public boolean covers(final String region) {
        return region.equals(primaryRegion()) || region.equals(secondaryRegion);
    }

    /** @return the endpoint's ARN (in its primary Region, where it is created). */
    public String arn() {
        return "arn:aws:events:" + primaryRegion() + ":" + account() + ":endpoint/" + name;
    }

    /**
     * @return the URL subdomain SDKs send PutEvents to, in AWS's form {@code abcde.veo}: derived from the account and
     *         name, so every router computes the same one.
     */
    public String endpointId() {
        final byte[] hash;
        try {
            hash = java.security.MessageDigest.getInstance("SHA-256").digest((account() + "/" + name)
                .getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        final String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        final StringBuilder id = new StringBuilder(9);
        for (int i = 0; i < 8; i++) {
            if (i == 5) {
                id.append('.');
            }
            id.append(alphabet.charAt((hash[i] & 0xFF) % alphabet.length()));
        }
        return id.toString();
    }
}
