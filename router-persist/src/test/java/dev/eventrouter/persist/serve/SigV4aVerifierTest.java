package dev.eventrouter.persist.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventrouter.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4aHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.RegionSet;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Signature Version 4a checked against the AWS SDK's own SigV4a signer (the AWS Common Runtime's, what the SDK uses
 * for PutEvents with an EndpointId): a request it signed verifies, and one changed after signing does not. ECDSA
 * signatures are randomized, so only a verifier that derives the same key pair as the signer can pass.
 */
class SigV4aVerifierTest {
    private static final byte[] BODY = "{\"Entries\":[],\"EndpointId\":\"abcde.veo\"}".getBytes(StandardCharsets.UTF_8);

    private static Map<String, String> signed(final Instant at, final String secret) {
        final SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).protocol("http")
            .host("127.0.0.1").port(4010).encodedPath("/").putHeader("Host", "127.0.0.1:4010")
            .putHeader("Content-Type", "application/x-amz-json-1.1").putHeader("X-Amz-Target", "AWSEvents.PutEvents")
            .build();
        final SignedRequest signed = AwsV4aHttpSigner.create().sign(r -> r.request(request)
            .payload(ContentStreamProvider.fromByteArray(BODY))
            .identity(AwsBasicCredentials.create("AKIATEST000000000001", secret))
            .putProperty(AwsV4aHttpSigner.SERVICE_SIGNING_NAME, "events")
            .putProperty(AwsV4aHttpSigner.REGION_SET, RegionSet.create("*"))
            .putProperty(AwsV4aHttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        final Map<String, String> headers = new HashMap<>();
        signed.request().headers().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
        return headers;
    }

    @Test
    void aRequestTheSdksSigV4aSignerSignedVerifiesAndAChangedOneDoesNot() {
        final Instant now = Instant.parse("2026-12-03T18:00:00Z");
        final SigV4Verifier verifier = new SigV4Verifier(new Credentials(Map.of("AKIATEST000000000001",
            new Credentials.Entry("s3cret", Principal.account("111111111111")))), Clock.fixed(now, ZoneOffset.UTC));
        final Map<String, String> headers = signed(now, "s3cret");
        assertTrue(headers.get("authorization").startsWith("AWS4-ECDSA-P256-SHA256 Credential=AKIATEST000000000001/"
            + "20261203/events/aws4_request, SignedHeaders="), headers.get("authorization"));
        assertEquals("*", headers.get("x-amz-region-set"));
        for (int i = 0; i < 5; i++) {   // a fresh random signature each time, each verified
            assertEquals("111111111111", verifier.verify("POST", "/", signed(now, "s3cret")::get, BODY).account());
        }
        assertEquals("InvalidSignatureException", assertThrows(ApiException.class, () -> verifier.verify("POST", "/",
            headers::get, "{\"Entries\":[]}".getBytes(StandardCharsets.UTF_8))).type, "another body");
        final Map<String, String> retargeted = new HashMap<>(headers);
        retargeted.put("x-amz-target", "AWSEvents.DeleteRule");
        assertEquals("InvalidSignatureException", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", retargeted::get, BODY)).type, "another signed header");
        assertEquals("InvalidSignatureException", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", signed(now, "other-secret")::get, BODY)).type, "another secret");
        final Map<String, String> stale = signed(now.minusSeconds(16 * 60), "s3cret");
        assertEquals("InvalidSignatureException", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", stale::get, BODY)).type, "outside the 15 minutes");
        final Map<String, String> noRegions = new HashMap<>(headers);
        noRegions.remove("x-amz-region-set");
        final ApiException missing = assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", noRegions::get, BODY));
        assertEquals("IncompleteSignatureException", missing.type);
        final Map<String, String> garbled = new HashMap<>(headers);
        garbled.put("authorization", "AWS4-ECDSA-P256-SHA256 Credential=x");
        assertEquals("IncompleteSignatureException", assertThrows(ApiException.class,
            () -> verifier.verify("POST", "/", garbled::get, BODY)).type);
    }
}
