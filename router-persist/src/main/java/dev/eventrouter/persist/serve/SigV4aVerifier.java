package dev.eventrouter.persist.serve;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/**
 * AWS Signature Version 4a ({@code AWS4-ECDSA-P256-SHA256}): what the AWS SDKs sign a request with when it may be
 * served by more than one Region, such as PutEvents with an {@code EndpointId} (global endpoints). The client signs
 * with an ECDSA P-256 key derived from its secret; the server derives the same key pair from the secret it holds
 * and checks the signature with the public key. The canonical request is Signature Version 4's; the string to sign
 * names the algorithm, the request's time, a credential scope without a Region, and the canonical request's hash.
 * Key derivation: NIST SP 800-108 counter-mode HMAC-SHA256 keyed by {@code "AWS4A" + secret}, label
 * {@code AWS4-ECDSA-P256-SHA256}, context the access key id and a one-byte counter, retried while the candidate
 * exceeds the curve order minus 2; the private key is the candidate plus 1 (AWS Signature Version 4a, as the AWS
 * Common Runtime's aws-c-auth derives it). The P-256 point multiplication is Bouncy Castle's. Thread-safe.
 */
final class SigV4aVerifier {
    static final String ALGORITHM = "AWS4-ECDSA-P256-SHA256";
    private static final byte[] LABEL = ALGORITHM.getBytes(StandardCharsets.US_ASCII);
    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
    private static final BigInteger ORDER_MINUS_TWO = P256.getN().subtract(BigInteger.TWO);
    private static final ECParameterSpec SPEC = spec();
    private static final HexFormat HEX = HexFormat.of();

    /** Public keys by access key and secret (a secret's key pair is derived once). */
    private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();

    /** The parts of an {@code AWS4-ECDSA-P256-SHA256 Credential=KEY/DATE/SERVICE/aws4_request, ...} header. */
    record Authorization(String accessKey, String date, String service, String signedHeaders, String signature) {
        /** @return the parts, or {@code null} when the header is not of that form. */
        static Authorization parse(final String header) {
            if (!header.startsWith(ALGORITHM + " ")) {
                return null;
            }
            String credential = null;
            String signed = null;
            String signature = null;
            for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
                final String p = part.trim();
                if (p.startsWith("Credential=")) {
                    credential = p.substring(11);
                } else if (p.startsWith("SignedHeaders=")) {
                    signed = p.substring(14);
                } else if (p.startsWith("Signature=")) {
                    signature = p.substring(10);
                }
            }
            if (credential == null || signed == null || signature == null || signed.isEmpty()
                || !signature.matches("[0-9a-f]{16,200}")) {
                return null;
            }
            final String[] scope = credential.split("/");
            if (scope.length != 4 || !scope[3].equals("aws4_request") || !scope[1].matches("[0-9]{8}")
                || scope[0].isEmpty() || scope[2].isEmpty()) {
                return null;
            }
            return new Authorization(scope[0], scope[1], scope[2], signed, signature);
        }
    }

    /**
     * @param headers lower-case header name to value ({@code null} when absent).
     * @return whether the signature is the one the access key's derived key pair makes over this request.
     * @throws ApiException {@code IncompleteSignatureException} when a signed header is missing.
     */
    boolean verify(final Authorization auth, final String secret, final String method, final String rawPath,
                   final Function<String, String> headers, final byte[] body, final String amzDate) {
        final String canonical = canonicalRequest(method, rawPath, auth.signedHeaders(), headers, body);
        final String toSign = ALGORITHM + "\n" + amzDate + "\n" + auth.date() + "/" + auth.service() + "/aws4_request\n"
            + HEX.formatHex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        try {
            final Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initVerify(publicKey(auth.accessKey(), secret));
            ecdsa.update(toSign.getBytes(StandardCharsets.UTF_8));
            return ecdsa.verify(HEX.parseHex(auth.signature()));
        } catch (java.security.SignatureException | IllegalArgumentException e) {
            return false;   // not a DER signature
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA P-256 is not available in this JVM", e);
        }
    }

    /** Signature Version 4's canonical request (a path and query as sent, the signed headers, the body's hash). */
    static String canonicalRequest(final String method, final String rawPath, final String signedHeaders,
                                   final Function<String, String> headers, final byte[] body) {
        final int q = rawPath.indexOf('?');
        final String path = q < 0 ? rawPath : rawPath.substring(0, q);
        final String query = q < 0 ? "" : rawPath.substring(q + 1);
        final StringBuilder out = new StringBuilder(256).append(method).append('\n');
        // each segment encoded again (services other than S3 sign the already encoded path)
        final String[] segments = (path.isEmpty() ? "/" : path).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(encode(segments[i]));
        }
        out.append('\n');
        if (!query.isEmpty()) {
            final List<String> pairs = new ArrayList<>();
            for (String pair : query.split("&")) {
                final int eq = pair.indexOf('=');
                pairs.add(eq < 0 ? pair + "=" : pair);
            }
            pairs.sort(null);
            out.append(String.join("&", pairs));
        }
        out.append('\n');
        for (String name : signedHeaders.split(";")) {
            final String value = headers.apply(name);
            if (value == null) {
                throw new ApiException("IncompleteSignatureException", "the signed header '" + name
                    + "' is missing from the request");
            }
            out.append(name).append(':').append(value.trim().replaceAll("\\s+", " ")).append('\n');
        }
        // the body's own hash, whatever x-amz-content-sha256 claims: a body changed after signing must not verify
        out.append('\n').append(signedHeaders).append('\n').append(HEX.formatHex(sha256(body)));
        return out.toString();
    }

    private static String encode(final String segment) {
        final StringBuilder out = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            final char c = (char) (b & 0xFF);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    private PublicKey publicKey(final String accessKey, final String secret) {
        return keys.computeIfAbsent(accessKey + '\u0000' + secret, k -> derive(accessKey, secret));
    }

    /** @return the public key of the SigV4a key pair derived from these credentials. */
    static PublicKey derive(final String accessKey, final String secret) {
        final BigInteger d = privateKey(accessKey, secret);
        final org.bouncycastle.math.ec.ECPoint q = P256.getG().multiply(d).normalize();
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(
                q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), SPEC));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA P-256 is not available in this JVM", e);
        }
    }

    /** @return the private scalar SigV4a derives from the credentials. */
    static BigInteger privateKey(final String accessKey, final String secret) {
        final byte[] key = ("AWS4A" + secret).getBytes(StandardCharsets.UTF_8);
        final byte[] id = accessKey.getBytes(StandardCharsets.UTF_8);
        try {
            final Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (int counter = 1; counter <= 254; counter++) {
                final ByteBuffer input = ByteBuffer.allocate(4 + LABEL.length + 1 + id.length + 1 + 4);
                input.putInt(1).put(LABEL).put((byte) 0).put(id).put((byte) counter).putInt(256);
                final BigInteger candidate = new BigInteger(1, hmac.doFinal(input.array()));
                if (candidate.compareTo(ORDER_MINUS_TWO) <= 0) {
                    return candidate.add(BigInteger.ONE);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
        throw new IllegalStateException("no SigV4a key for access key " + accessKey + " within 254 tries");
    }

    private static ECParameterSpec spec() {
        try {
            final java.security.AlgorithmParameters parameters = java.security.AlgorithmParameters.getInstance("EC");
            parameters.init(new java.security.spec.ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is not available in this JVM", e);
        }
    }

    private static byte[] sha256(final byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
