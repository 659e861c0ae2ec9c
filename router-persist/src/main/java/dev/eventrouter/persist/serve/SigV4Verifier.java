package dev.eventrouter.persist.serve;

import dev.eventrouter.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * Verifies AWS Signature Version 4 on a request: the expected signature is computed by the AWS SDK's own signer over
 * the headers the client signed, at the time the client stamped, and compared in constant time. Answers AWS's error
 * codes: {@code MissingAuthenticationTokenException}, {@code IncompleteSignatureException},
 * {@code UnrecognizedClientException}, {@code InvalidSignatureException} (mismatch, or a time more than 15 minutes
 * from the server's). Thread-safe.
 */
final class SigV4Verifier {
    /** How far a request's X-Amz-Date may be from the server's clock, as AWS allows. */
    static final Duration SKEW = Duration.ofMinutes(15);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'",
        Locale.ROOT).withZone(ZoneOffset.UTC);
    /**
     * The SDK's SigV4 signer that signs exactly the headers it is given. (The newer {@code AwsV4HttpSigner} always
     * adds and signs {@code x-amz-content-sha256}, which clients such as the AWS CLI do not send, so it cannot
     * reproduce their signatures.)
     */
    @SuppressWarnings("deprecation")
    private static final Aws4Signer SIGNER = Aws4Signer.create();

    private final Credentials credentials;
    private final Clock clock;
    private final SigV4aVerifier v4a = new SigV4aVerifier();
    /** The last X-Amz-Date parsed (any thread may replace it; each value is immutable). */
    private volatile SignedAt lastSignedAt;

    private record SignedAt(String text, Instant at) {
    }

    SigV4Verifier(final Credentials credentials, final Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * @param headers a lower-case header name to its value (repeated headers joined with commas), or {@code null}
     *                when absent; only the headers the signature names are asked for.
     * @return the principal the access key maps to.
     * @throws ApiException with AWS's code when the request is not correctly signed.
     */
    @SuppressWarnings("deprecation")
    Principal verify(final String method, final String rawPath,
                     final java.util.function.Function<String, String> headers,
                     final byte[] body) {
        final String authorization = headers.apply("authorization");
        if (authorization == null) {
            throw new ApiException("MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        if (authorization.startsWith(SigV4aVerifier.ALGORITHM + " ")) {
            return verifyV4a(method, rawPath, headers, body, authorization.trim());
        }
        final Authorization auth = Authorization.parse(authorization.trim());
        if (auth == null) {
            throw new ApiException("IncompleteSignatureException", "Authorization header requires 'Credential', "
                + "'Signature' and 'SignedHeaders' parameters of an AWS4-HMAC-SHA256 signature. Authorization="
                + authorization.split(" ")[0]);
        }
        final String accessKey = auth.accessKey();
        final Credentials.Entry entry = credentials.find(accessKey);
        if (entry == null) {
            throw new ApiException("UnrecognizedClientException", "The security token included in the request is "
                + "invalid.");
        }
        final String amzDate = headers.apply("x-amz-date");
        final Instant signedAt = signedAt(amzDate);
        final String host = headers.apply("host");
        if (host == null) {
            throw new ApiException("IncompleteSignatureException", "the Host header is required");
        }
        final SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
            .protocol("http").encodedPath(rawPath.isEmpty() ? "/" : rawPath);
        final int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            final int port;
            try {
                port = Integer.parseInt(host.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ApiException("IncompleteSignatureException", "the Host header '" + host + "' has a port "
                    + "that is not a number");
            }
            request.host(host.substring(0, colon)).port(port);
        } else {
            request.host(host);
        }
        for (String name : auth.signedHeaders().split(";")) {
            final String value = headers.apply(name);
            if (value == null) {
                throw new ApiException("IncompleteSignatureException", "the signed header '" + name
                    + "' is missing from the request");
            }
            request.putHeader(name, value);
        }
        final SdkHttpFullRequest signed = SIGNER.sign(request.contentStreamProvider(
            ContentStreamProvider.fromByteArrayUnsafe(body)).build(), Aws4SignerParams.builder()
            .awsCredentials(AwsBasicCredentials.create(accessKey, entry.secretAccessKey()))
            .signingName(auth.service()).signingRegion(Region.of(auth.region()))
            .signingClockOverride(Clock.fixed(signedAt, ZoneOffset.UTC)).build());
        final List<String> expected = signed.headers().get("Authorization");
        final String ours = expected == null ? "" : expected.get(0);
        final int at = ours.lastIndexOf("Signature=");   // the signer's own output: no need to parse it again
        if (at < 0 || !MessageDigest.isEqual(ours.substring(at + 10).getBytes(StandardCharsets.US_ASCII),
            auth.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw new ApiException("InvalidSignatureException", "The request signature we calculated does not match "
                + "the signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
                + "service documentation for details.");
        }
        return entry.principal();
    }

    /** SigV4a's check: the same credentials, time and skew rules, an ECDSA signature over its string to sign. */
    private Principal verifyV4a(final String method, final String rawPath,
                                final java.util.function.Function<String, String> headers, final byte[] body,
                                final String authorization) {
        final SigV4aVerifier.Authorization auth = SigV4aVerifier.Authorization.parse(authorization);
        if (auth == null) {
            throw new ApiException("IncompleteSignatureException", "Authorization header requires 'Credential', "
                + "'Signature' and 'SignedHeaders' parameters of an " + SigV4aVerifier.ALGORITHM + " signature.");
        }
        final Credentials.Entry entry = credentials.find(auth.accessKey());
        if (entry == null) {
            throw new ApiException("UnrecognizedClientException", "The security token included in the request is "
                + "invalid.");
        }
        final String amzDate = headers.apply("x-amz-date");
        signedAt(amzDate);
        if (headers.apply("x-amz-region-set") == null) {
            throw new ApiException("IncompleteSignatureException", "a SigV4a request names its Regions in "
                + "X-Amz-Region-Set");
        }
        if (!v4a.verify(auth, entry.secretAccessKey(), method, rawPath.isEmpty() ? "/" : rawPath, headers, body,
            amzDate)) {
            throw new ApiException("InvalidSignatureException", "The request signature we calculated does not match "
                + "the signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
                + "service documentation for details.");
        }
        return entry.principal();
    }

    /**
     * @return when the request was signed.
     * @throws ApiException when X-Amz-Date is missing, malformed, or more than 15 minutes from the server's clock.
     */
    private Instant signedAt(final String amzDate) {
        if (amzDate == null) {
            throw new ApiException("IncompleteSignatureException", "Authorization header requires existence of "
                + "either a 'X-Amz-Date' or a 'Date' header.");
        }
        final Instant signedAt;
        final SignedAt last = lastSignedAt;
        if (last != null && last.text().equals(amzDate)) {
            signedAt = last.at();   // requests of one second share it: parsing was a visible share of a request
        } else {
            try {
                signedAt = Instant.from(AMZ_DATE.parse(amzDate));
            } catch (DateTimeParseException e) {
                throw new ApiException("IncompleteSignatureException", "X-Amz-Date '" + amzDate + "' is not of the "
                    + "form yyyyMMdd'T'HHmmss'Z'");
            }
            lastSignedAt = new SignedAt(amzDate, signedAt);
        }
        final Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(SKEW))) {
            throw new ApiException("InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier "
                + "than " + AMZ_DATE.format(now.minus(SKEW)) + " (" + AMZ_DATE.format(now) + " - 15 min.)");
        }
        if (signedAt.isAfter(now.plus(SKEW))) {
            throw new ApiException("InvalidSignatureException", "Signature not yet current: " + amzDate
                + " is still later than " + AMZ_DATE.format(now.plus(SKEW)) + " (" + AMZ_DATE.format(now)
                + " + 15 min.)");
        }
        return signedAt;
    }

    /**
     * The parts of an {@code Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request,
     * SignedHeaders=a;b, Signature=HEX64} header. Read by hand: a regular expression was a visible share of a request.
     */
    record Authorization(String accessKey, String date, String region, String service, String signedHeaders,
                         String signature) {
        private static final String ALGORITHM = "AWS4-HMAC-SHA256 Credential=";

        /** @return the parts, or {@code null} when the header is not of that form. */
        static Authorization parse(final String header) {
            if (!header.startsWith(ALGORITHM)) {
                return null;
            }
            int at = ALGORITHM.length();
            final int keyEnd = scope(header, at);
            if (keyEnd <= at || keyEnd >= header.length() || header.charAt(keyEnd) != '/') {
                return null;
            }
            final String key = header.substring(at, keyEnd);
            at = keyEnd + 1;
            if (at + 9 > header.length() || header.charAt(at + 8) != '/') {
                return null;
            }
            for (int i = at; i < at + 8; i++) {
                if (header.charAt(i) < '0' || header.charAt(i) > '9') {
                    return null;
                }
            }
            final String date = header.substring(at, at + 8);
            at += 9;
            final int regionEnd = scope(header, at);
            if (regionEnd <= at || regionEnd >= header.length() || header.charAt(regionEnd) != '/') {
                return null;
            }
            final String region = header.substring(at, regionEnd);
            at = regionEnd + 1;
            final int serviceEnd = scope(header, at);
            if (serviceEnd <= at || !header.startsWith("/aws4_request,", serviceEnd)) {
                return null;
            }
            final String service = header.substring(at, serviceEnd);
            at = spaces(header, serviceEnd + 14);
            if (!header.startsWith("SignedHeaders=", at)) {
                return null;
            }
            at += 14;
            int end = at;
            while (end < header.length() && header.charAt(end) != ',' && !isSpace(header.charAt(end))) {
                end++;
            }
            if (end == at || end >= header.length() || header.charAt(end) != ',') {
                return null;
            }
            final String signed = header.substring(at, end);
            at = spaces(header, end + 1);
            if (!header.startsWith("Signature=", at) || header.length() != at + 10 + 64) {
                return null;
            }
            at += 10;
            for (int i = at; i < header.length(); i++) {
                final char c = header.charAt(i);
                if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                    return null;
                }
            }
            return new Authorization(key, date, region, service, signed, header.substring(at));
        }

        /** @return the end of a credential scope part: the first '/', ',' or whitespace from {@code from}. */
        private static int scope(final String header, final int from) {
            int i = from;
            while (i < header.length()) {
                final char c = header.charAt(i);
                if (c == '/' || c == ',' || isSpace(c)) {
                    break;
                }
                i++;
            }
            return i;
        }

        /** @return whether {@code c} is a regular expression's {@code \\s}: space, tab, line feed, VT, FF, CR. */
        private static boolean isSpace(final char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
        }

        private static int spaces(final String header, final int from) {
            int i = from;
            while (i < header.length() && isSpace(header.charAt(i))) {
                i++;
            }
            return i;
        }
    }
}
