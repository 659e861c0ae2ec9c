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
    public sealed interface Authorization permits Basic, ApiKey, OAuth {
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
     * OAuth client credentials: the router exchanges the client id and secret for an access token at the
     * authorization endpoint before the first call, keeps it until shortly before it expires, fetches a new one when
     * an endpoint answers 401 or 407 (the call is retried with it) and sends {@code Authorization: Bearer <token>}.
     * The token request follows RFC 6749 §4.4 where the EventBridge documentation is silent: the client id and secret
     * in {@code Authorization: Basic}, the body parameters form-encoded, the query and header parameters as given.
     *
     * @param authorizationEndpoint the token URL: HTTPS, or HTTP on a loopback address.
     * @param httpMethod            GET, POST or PUT.
     * @param clientId              1-512 characters without ':'.
     * @param clientSecret          1-512 characters without ':'; secret.
     * @param parameters            header, query string and body parameters of the token request (e.g. {@code
     *                              grant_type=client_credentials}, a scope).
     */
    public record OAuth(String authorizationEndpoint, String httpMethod, String clientId, String clientSecret,
                        OAuthParameters parameters) implements Authorization {
        /** Validates every field. */
        public OAuth {
            requireText("OAuthParameters.AuthorizationEndpoint", authorizationEndpoint, 2048);
            ApiDestination.checkUrl("OAuthParameters.AuthorizationEndpoint", authorizationEndpoint);
            if (!"GET".equals(httpMethod) && !"POST".equals(httpMethod) && !"PUT".equals(httpMethod)) {
                throw new IllegalArgumentException("OAuthParameters.HttpMethod=" + httpMethod
                    + ": must be GET, POST or PUT");
            }
            requireText("OAuthParameters.ClientParameters.ClientID", clientId, 512);
            requireText("OAuthParameters.ClientParameters.ClientSecret", clientSecret, 512);
            if (clientId.indexOf(':') >= 0 || clientSecret.indexOf(':') >= 0) {
                throw new IllegalArgumentException("OAuthParameters.ClientParameters: the client id and secret must "
                    + "not contain ':'");
            }
            checkHeaderValue("OAuthParameters.ClientParameters.ClientSecret", clientSecret);
            parameters = parameters == null ? OAuthParameters.NONE : parameters;
        }

        @Override
        public String type() {
            return "OAUTH_CLIENT_CREDENTIALS";
        }

        @Override
        public String toString() {
            return "OAuth[endpoint=" + authorizationEndpoint + ", method=" + httpMethod + ", clientId=" + clientId
                + ", clientSecret=" + MASK + ", " + parameters + "]";
        }
    }

    /**
     * {@code OAuthHttpParameters}: added to the token request.
     *
     * @param headers      header parameters, at most 100.
     * @param queryStrings query string parameters, at most 100.
     * @param bodies       body parameters (form-encoded), at most 100.
     */
    public record OAuthParameters(List<Parameter> headers, List<Parameter> queryStrings, List<Parameter> bodies) {
        /** No parameters. */
        public static final OAuthParameters NONE = new OAuthParameters(List.of(), List.of(), List.of());

        /** Validates the counts and the header values. */
        public OAuthParameters {
            headers = List.copyOf(headers == null ? List.of() : headers);
            queryStrings = List.copyOf(queryStrings == null ? List.of() : queryStrings);
            bodies = List.copyOf(bodies == null ? List.of() : bodies);
            if (headers.size() > 100 || queryStrings.size() > 100 || bodies.size() > 100) {
                throw new IllegalArgumentException("OAuthHttpParameters: at most 100 header, 100 query string and 100 "
                    + "body parameters");
            }
            checkHeaders("OAuthHttpParameters.HeaderParameters", headers);
        }
    }

    private static void checkHeaders(final String field, final List<Parameter> headers) {
        for (Parameter header : headers) {
            if (!ApiKey.TOKEN.matcher(header.key()).matches()) {
                throw new IllegalArgumentException(field + ": '" + header.key() + "' is not a valid header name");
            }
            checkHeaderValue(field + "." + header.key(), header.value());
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
            checkHeaders("InvocationHttpParameters.HeaderParameters", headers);
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
