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
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern AUTHORIZATION = Pattern.compile(
        "AWS4-HMAC-SHA256 Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request,\\s*"
            + "SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]{64})");
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
    /** The last X-Amz-Date parsed (any thread may replace it; each value is immutable). */
    private volatile SignedAt lastSignedAt;

    private record SignedAt(String text, Instant at) {
    }

    SigV4Verifier(final Credentials credentials, final Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * @param headers lower-case header names to values (one value each; repeated headers joined with commas).
     * @return the principal the access key maps to.
     * @throws ApiException with AWS's code when the request is not correctly signed.
     */
    @SuppressWarnings("deprecation")
    Principal verify(final String method, final String rawPath, final Map<String, String> headers,
                     final byte[] body) {
        final String authorization = headers.get("authorization");
        if (authorization == null) {
            throw new ApiException("MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        final Matcher m = AUTHORIZATION.matcher(authorization.trim());
        if (!m.matches()) {
            throw new ApiException("IncompleteSignatureException", "Authorization header requires 'Credential', "
                + "'Signature' and 'SignedHeaders' parameters of an AWS4-HMAC-SHA256 signature. Authorization="
                + authorization.split(" ")[0]);
        }
        final String accessKey = m.group(1);
        final Credentials.Entry entry = credentials.find(accessKey);
        if (entry == null) {
            throw new ApiException("UnrecognizedClientException", "The security token included in the request is "
                + "invalid.");
        }
        final String amzDate = headers.get("x-amz-date");
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
        final String host = headers.get("host");
        if (host == null) {
            throw new ApiException("IncompleteSignatureException", "the Host header is required");
        }
        final SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
            .protocol("http").encodedPath(rawPath.isEmpty() ? "/" : rawPath);
        final int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            request.host(host.substring(0, colon)).port(Integer.parseInt(host.substring(colon + 1)));
        } else {
            request.host(host);
        }
        for (String name : m.group(5).split(";")) {
            final String value = headers.get(name);
            if (value == null) {
                throw new ApiException("IncompleteSignatureException", "the signed header '" + name
                    + "' is missing from the request");
            }
            request.putHeader(name, value);
        }
        final SdkHttpFullRequest signed = SIGNER.sign(request.contentStreamProvider(
            ContentStreamProvider.fromByteArrayUnsafe(body)).build(), Aws4SignerParams.builder()
            .awsCredentials(AwsBasicCredentials.create(accessKey, entry.secretAccessKey()))
            .signingName(m.group(4)).signingRegion(Region.of(m.group(3)))
            .signingClockOverride(Clock.fixed(signedAt, ZoneOffset.UTC)).build());
        final List<String> expected = signed.headers().get("Authorization");
        final String ours = expected == null ? "" : expected.get(0);
        final int at = ours.lastIndexOf("Signature=");   // the signer's own output: no need to parse it again
        if (at < 0 || !MessageDigest.isEqual(ours.substring(at + 10).getBytes(StandardCharsets.US_ASCII),
            m.group(6).getBytes(StandardCharsets.US_ASCII))) {
            throw new ApiException("InvalidSignatureException", "The request signature we calculated does not match "
                + "the signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
                + "service documentation for details.");
        }
        return entry.principal();
    }
}
