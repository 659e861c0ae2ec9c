package dev.eventrouter.persist.apidest;

import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

/**
 * An API destination: an HTTP endpoint, its method, its connection and its invocation rate. Immutable.
 *
 * @param name               1-64 characters of {@code [.\-_A-Za-z0-9]}.
 * @param arn                {@code arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>}.
 * @param description        up to 512 characters, or null.
 * @param connectionArn      the connection that authorizes the calls.
 * @param invocationEndpoint an HTTPS URL (HTTP only on a loopback address, for tests and local use), with {@code *}
 *                           path wildcards filled from the target's {@link HttpParameters}.
 * @param httpMethod         POST, GET, HEAD, OPTIONS, PUT, PATCH or DELETE.
 * @param rateLimitPerSecond invocations per second at most, 1-300 (default 300).
 * @param state              ACTIVE or INACTIVE.
 * @param creationTime       when it was created.
 * @param lastModifiedTime   when it last changed.
 */
public record ApiDestination(String name, String arn, String description, String connectionArn,
                             String invocationEndpoint, String httpMethod, int rateLimitPerSecond, State state,
                             Instant creationTime, Instant lastModifiedTime) {
    /** The rate when none is given, as AWS documents it. */
    public static final int DEFAULT_RATE_LIMIT = 300;
    static final Set<String> METHODS = Set.of("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE");

    /** API destination states. */
    public enum State { ACTIVE, INACTIVE }

    /** Validates every field, naming the one that is wrong. */
    public ApiDestination {
        if (name == null || !Connection.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Name=" + name + ": must be 1-64 characters of letters, digits, '.', "
                + "'-' and '_'");
        }
        if (description != null && description.length() > 512) {
            throw new IllegalArgumentException("Description has " + description.length()
                + " characters: at most 512");
        }
        if (connectionArn == null || connectionArn.isEmpty()) {
            throw new IllegalArgumentException("api destination " + name + ": ConnectionArn is required");
        }
        if (invocationEndpoint == null || invocationEndpoint.isEmpty() || invocationEndpoint.length() > 2048) {
            throw new IllegalArgumentException("InvocationEndpoint must be 1-2048 characters");
        }
        checkUrl("InvocationEndpoint", invocationEndpoint);
        if (httpMethod == null || !METHODS.contains(httpMethod.toUpperCase(Locale.ROOT))
            || !httpMethod.equals(httpMethod.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("HttpMethod=" + httpMethod + ": must be one of POST, GET, HEAD, "
                + "OPTIONS, PUT, PATCH, DELETE (CONNECT and TRACE are not allowed)");
        }
        if (rateLimitPerSecond < 1 || rateLimitPerSecond > 300) {
            throw new IllegalArgumentException("InvocationRateLimitPerSecond=" + rateLimitPerSecond
                + ": must be 1-300");
        }
        state = state == null ? State.ACTIVE : state;
    }

    /** @return the number of {@code *} path wildcards in the endpoint. */
    public int pathWildcards() {
        int count = 0;
        for (int i = 0; i < invocationEndpoint.length(); i++) {
            if (invocationEndpoint.charAt(i) == '*') {
                count++;
            }
        }
        return count;
    }

    /** Checks that a URL is HTTPS, or HTTP on a loopback address, naming the field. */
    static void checkUrl(final String field, final String url) {
        final URI uri;
        try {
            uri = URI.create(url.replace("*", "wildcard"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " " + url + " is not a URL: " + e.getMessage(), e);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(field + " " + url + " has no host");
        }
        if ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()) && isLoopback(uri.getHost())) {
            return;
        }
        throw new IllegalArgumentException(field + " " + url + " must be an HTTPS URL (HTTP only on a loopback "
            + "address: localhost, 127.0.0.0/8 or [::1])");
    }

    static boolean isLoopback(final String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }
}
