package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * The time window and the malformed-header answers of signature checking, with a request signed at a known time
 * (the SDK clients always sign "now", so these cases cannot be reached through them). Messages: AWS's.
 */
class SigV4VerifierTest {
    static final Instant SIGNED = Instant.parse("2026-12-02T10:00:00Z");
    static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);

    @SuppressWarnings("deprecation")
    static Map<String, String> signedHeaders() {
        final SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).protocol("http")
            .host("127.0.0.1").port(4010).encodedPath("/").putHeader("host", "127.0.0.1:4010")
            .putHeader("content-type", "application/x-amz-json-1.1").putHeader("x-amz-target", "AWSEvents.ListRules")
            .contentStreamProvider(ContentStreamProvider.fromByteArray(BODY)).build();
        final SdkHttpFullRequest signed = Aws4Signer.create().sign(request, Aws4SignerParams.builder()
            .awsCredentials(AwsBasicCredentials.create("AKIATEST000000000001", "secret")).signingName("events")
            .signingRegion(Region.US_EAST_1).signingClockOverride(Clock.fixed(SIGNED, ZoneOffset.UTC)).build());
        final Map<String, String> headers = new HashMap<>();
        signed.headers().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
        return headers;
    }

    static SigV4Verifier verifierAt(final Instant now) {
        return new SigV4Verifier(new Credentials(Map.of("AKIATEST000000000001",
            new Credentials.Entry("secret", Principal.account("111111111111")))), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void shouldAcceptWithinFifteenMinutesAndAnswerAwsErrorsOutsideIt() {
        assertEquals("111111111111", verifierAt(SIGNED.plusSeconds(14 * 60))
            .verify("POST", "/", signedHeaders()::get, BODY).account());
        final ApiException late = assertThrows(ApiException.class, () -> verifierAt(SIGNED.plusSeconds(16 * 60))
            .verify("POST", "/", signedHeaders()::get, BODY));
        assertEquals("InvalidSignatureException", late.type);
        assertEquals("Signature expired: 20261202T100000Z is now earlier than 20261202T100100Z "
            + "(20261202T101600Z - 15 min.)", late.getMessage());
        final ApiException early = assertThrows(ApiException.class, () -> verifierAt(SIGNED.minusSeconds(16 * 60))
            .verify("POST", "/", signedHeaders()::get, BODY));
        assertEquals("Signature not yet current: 20261202T100000Z is still later than 20261202T095900Z "
            + "(20261202T094400Z + 15 min.)", early.getMessage());
    }

    @Test
    void shouldNameWhatIsWrongWithTheSignature() {
        final SigV4Verifier verifier = verifierAt(SIGNED);
        final Map<String, String> tampered = signedHeaders();
        tampered.put("x-amz-target", "AWSEvents.DeleteRule");
        assertEquals("InvalidSignatureException", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", tampered::get, BODY)).type);
        assertEquals("InvalidSignatureException", assertThrows(ApiException.class, () -> verifier.verify("POST", "/",
            signedHeaders()::get, "{\"x\":1}".getBytes(StandardCharsets.UTF_8))).type);
        final Map<String, String> none = signedHeaders();
        none.remove("authorization");
        final ApiException missing = assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", none::get, BODY));
        assertEquals("MissingAuthenticationTokenException: Missing Authentication Token", missing.type + ": "
            + missing.getMessage());
        final Map<String, String> malformed = signedHeaders();
        malformed.put("authorization", "Basic dXNlcjpwYXNz");
        assertEquals("IncompleteSignatureException", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", malformed::get, BODY)).type);
        final Map<String, String> dropped = signedHeaders();
        dropped.remove("x-amz-target");
        assertEquals("the signed header 'x-amz-target' is missing from the request", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", dropped::get, BODY)).getMessage());
        // a Host whose port is not a number is an error answered, not an exception that drops the connection
        final Map<String, String> badPort = signedHeaders();
        badPort.put("host", "127.0.0.1:40x0");
        final ApiException port = assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", badPort::get, BODY));
        assertEquals("IncompleteSignatureException: the Host header '127.0.0.1:40x0' has a port that is not a number",
            port.type + ": " + port.getMessage());
        // a credential scope the SDK's signer cannot build a request from is a signature that does not match
        final Map<String, String> expected = Map.of("x?y/events", "InvalidSignatureException",
            "us-east-1/é", "InvalidSignatureException", "us-east-1/ev ents", "IncompleteSignatureException");
        expected.forEach((scope, type) -> {
            final Map<String, String> odd = signedHeaders();
            odd.put("authorization", odd.get("authorization").replace("us-east-1/events", scope));
            assertEquals(type, assertThrows(ApiException.class,
                () -> verifier.verify("POST", "/", odd::get, BODY), scope).type, scope);
        });
    }

    /**
     * The hand-written Authorization parser against the regular expression it replaced (the oracle), on the SDK's
     * and the CLI's header shapes and on seeded mutations of them (deleted, doubled and replaced characters). A
     * failure prints its seed.
     */
    @Test
    void shouldParseAuthorizationExactlyAsTheRegularExpressionDid() {
        final java.util.regex.Pattern oracle = java.util.regex.Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request,\\s*"
                + "SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]{64})");
        final String[] shapes = {
            "AWS4-HMAC-SHA256 Credential=AKIAOWNER00000000001/20261202/us-east-1/events/aws4_request, "
                + "SignedHeaders=amz-sdk-invocation-id;host;x-amz-date;x-amz-target, Signature="
                + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "AWS4-HMAC-SHA256 Credential=AKIA/20261202/eu-west-1/events/aws4_request,SignedHeaders=host,Signature="
                + "f".repeat(64)};
        final String alphabet = "AWS4-HMAC/,; \t=0123456789abcdefxyzK_";
        final long seed = System.nanoTime();
        final java.util.Random random = new java.util.Random(seed);
        for (int n = 0; n < 20_000; n++) {
            final StringBuilder header = new StringBuilder(shapes[n % shapes.length]);
            for (int edits = n == 0 || n == 1 ? 0 : 1 + random.nextInt(3); edits > 0; edits--) {
                final int at = random.nextInt(header.length());
                switch (random.nextInt(3)) {
                    case 0 -> header.deleteCharAt(at);
                    case 1 -> header.insert(at, header.charAt(at));
                    default -> header.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            final String text = header.toString();
            final java.util.regex.Matcher m = oracle.matcher(text);
            final SigV4Verifier.Authorization parsed = SigV4Verifier.Authorization.parse(text);
            final String expected = m.matches() ? java.util.List.of(m.group(1), m.group(2), m.group(3), m.group(4),
                m.group(5), m.group(6)).toString() : "null";
            final String actual = parsed == null ? "null" : java.util.List.of(parsed.accessKey(), parsed.date(),
                parsed.region(), parsed.service(), parsed.signedHeaders(), parsed.signature()).toString();
            assertEquals(expected, actual, "seed " + seed + ", header " + text);
        }
    }
}
