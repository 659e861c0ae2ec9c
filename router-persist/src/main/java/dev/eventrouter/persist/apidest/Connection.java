package dev.eventrouter.persist.apidest;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A connection: how an API destination authorizes its calls, and the parameters added to every call. Secrets
 * (password, API key value, OAuth client secret, parameters marked secret) never leave this object except in the
 * requests themselves: {@link #toString()} and every describe output mask them. Immutable; a change makes a new one.
 *
 * @param name              1-64 characters of {@code [.\-_A-Za-z0-9]}.
 * @param arn               {@code arn:aws:events:<region>:<account>:connection/<name>/<uuid>}.
 * @param description       up to 512 characters, or null.
 * @param authorization     the credentials.
 * @param invocation        headers and query string parameters added to every invocation.
 * @param state             as AWS reports it: AUTHORIZED, DEAUTHORIZED, ...
 * @param stateReason       why the connection is in its state (a failed OAuth token request), or null.
 * @param creationTime      when it was created.
 * @param lastModifiedTime  when it last changed.
 * @param lastAuthorizedTime when it last authorized, or null.
 */
public record Connection(String name, String arn, String description, Authorization authorization,
                         InvocationParameters invocation, State state, String stateReason, Instant creationTime,
                         Instant lastModifiedTime, Instant lastAuthorizedTime) {
    static final Pattern NAME = Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");
    private static final String MASK = "******";

    /** Connection states, as the API reference lists them. */
    public enum State { CREATING, UPDATING, DELETING, AUTHORIZED, DEAUTHORIZED, AUTHORIZING, DEAUTHORIZING, ACTIVE,
        FAILED_CONNECTIVITY }

    /** Credentials of a connection. */
    public sealed interface Authorization permits Basic, ApiKey {
        /** @return the API's name of the kind: BASIC, API_KEY or OAUTH_CLIENT_CREDENTIALS. */
        String type();
    }

    /**
     * {@code Authorization: Basic base64(username:password)} on every call.
     *
     * @param username 1-512 characters.
     * @param password 1-512 characters; secret.
     */
    public record Basic(String username, String password) implements Authorization {
        /** Validates both fields. */
        public Basic {
            requireText("BasicAuthParameters.Username", username, 512);
            requireText("BasicAuthParameters.Password", password, 512);
            if (username.indexOf(':') >= 0) {
                throw new IllegalArgumentException("BasicAuthParameters.Username must not contain ':' (it separates "
                    + "the username from the password in the Authorization header)");
            }
        }

        @Override
        public String type() {
            return "BASIC";
        }

        @Override
        public String toString() {
            return "Basic[username=" + username + ", password=" + MASK + "]";
        }
    }

    /**
     * A header {@code name: value} on every call.
     *
     * @param name  the header's name, 1-512 characters of a header token.
     * @param value 1-512 characters; secret.
     */
    public record ApiKey(String name, String value) implements Authorization {
        private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9a-zA-Z]+");

        /** Validates both fields. */
        public ApiKey {
            requireText("ApiKeyAuthParameters.ApiKeyName", name, 512);
            requireText("ApiKeyAuthParameters.ApiKeyValue", value, 512);
            if (!TOKEN.matcher(name).matches()) {
                throw new IllegalArgumentException("ApiKeyAuthParameters.ApiKeyName '" + name
                    + "' is not a valid header name");
            }
            checkHeaderValue("ApiKeyAuthParameters.ApiKeyValue", value);
        }

        @Override
        public String type() {
            return "API_KEY";
        }

        @Override
        public String toString() {
            return "ApiKey[name=" + name + ", value=" + MASK + "]";
        }
    }

    /**
     * One parameter of {@code InvocationHttpParameters}.
     *
     * @param key    1-512 characters.
     * @param value  up to 512 characters.
     * @param secret whether the value is masked in every output ({@code IsValueSecret}).
     */
    public record Parameter(String key, String value, boolean secret) {
        /** Validates the key and value. */
        public Parameter {
            requireText("key", key, 512);
            if (value == null || value.length() > 512) {
                throw new IllegalArgumentException("parameter " + key + ": the value must be at most 512 characters");
            }
        }

        @Override
        public String toString() {
            return key + "=" + (secret ? MASK : value);
        }
    }

    /**
     * {@code InvocationHttpParameters}: added to every call; a key also given by the target's
     * {@link HttpParameters} takes the connection's value (the API reference: "values from the Connection taking
     * precedence").
     *
     * @param headers      header parameters, at most 100.
     * @param queryStrings query string parameters, at most 100.
     */
    public record InvocationParameters(List<Parameter> headers, List<Parameter> queryStrings) {
        /** No parameters. */
        public static final InvocationParameters NONE = new InvocationParameters(List.of(), List.of());

        /** Validates the counts and the header values. */
        public InvocationParameters {
            headers = List.copyOf(headers == null ? List.of() : headers);
            queryStrings = List.copyOf(queryStrings == null ? List.of() : queryStrings);
            if (headers.size() > 100 || queryStrings.size() > 100) {
                throw new IllegalArgumentException("InvocationHttpParameters: at most 100 header and 100 query "
                    + "string parameters, got " + headers.size() + " and " + queryStrings.size());
            }
            for (Parameter header : headers) {
                if (!ApiKey.TOKEN.matcher(header.key()).matches()) {
                    throw new IllegalArgumentException("InvocationHttpParameters.HeaderParameters: '" + header.key()
                        + "' is not a valid header name");
                }
                checkHeaderValue("InvocationHttpParameters.HeaderParameters." + header.key(), header.value());
            }
        }
    }

    /** Validates the name and description; the rest is validated by its own type. */
    public Connection {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Name=" + name + ": must be 1-64 characters of letters, digits, '.', "
                + "'-' and '_'");
        }
        if (description != null && description.length() > 512) {
            throw new IllegalArgumentException("Description has " + description.length()
                + " characters: at most 512");
        }
        if (authorization == null) {
            throw new IllegalArgumentException("connection " + name + ": AuthParameters are required");
        }
        invocation = invocation == null ? InvocationParameters.NONE : invocation;
    }

    @Override
    public String toString() {
        return "Connection[" + name + ", " + arn + ", " + authorization + ", " + state + "]";
    }

    static void requireText(final String field, final String value, final int maxChars) {
        if (value == null || value.isEmpty() || value.length() > maxChars) {
            throw new IllegalArgumentException(field + " must be 1-" + maxChars + " characters"
                + (value == null ? "" : ", got " + value.length()));
        }
    }

    static void checkHeaderValue(final String field, final String value) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7E)) {
                throw new IllegalArgumentException(field + ": character " + i + " (U+" + String.format("%04X",
                    (int) c) + ") cannot be sent in an HTTP header");
            }
        }
    }
}
