package dev.eventrouter.persist.global;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * The other Region's router as this one calls it: EventBridge's JSON protocol over HTTP, each request signed with
 * Signature Version 4 by the access key the config gives for that Region (the SDK's signer), answered
 * asynchronously (the JDK's HTTP client: no thread waits). Thread-safe.
 *
 * @see GlobalEndpoints.Peer
 */
final class PeerClient {
    private final GlobalEndpoints.Peer peer;
    private final HttpClient http;
    private final Duration timeout;

    PeerClient(final GlobalEndpoints.Peer peer, final HttpClient http, final Duration timeout) {
        this.peer = peer;
        this.http = http;
        this.timeout = timeout;
    }

    GlobalEndpoints.Peer peer() {
        return peer;
    }

    /** @return the answer of {@code GET /health}: whether it was 200. Never fails: a refusal is {@code false}. */
    CompletableFuture<Boolean> health() {
        final HttpRequest request = HttpRequest.newBuilder(peer.url().resolve("/health")).timeout(timeout).GET()
            .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
            .thenApply(response -> response.statusCode() == 200).exceptionally(error -> false);
    }

    /**
     * Calls an operation ({@code X-Amz-Target: AWSEvents.OPERATION}).
     *
     * @return the answer's status and body; fails when the router did not answer.
     */
    @SuppressWarnings("deprecation")
    CompletableFuture<HttpResponse<byte[]>> call(final String operation, final byte[] body,
                                                 final Duration callTimeout) {
        if (peer.accessKeyId() == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no access key is configured for Region "
                + peer.region() + " (globalEndpoints.regions." + peer.region() + ".accessKeyId)"));
        }
        final URI uri = peer.url().resolve("/");
        final String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        final SdkHttpFullRequest unsigned = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST)
            .uri(uri).putHeader("Host", host).putHeader("Content-Type", "application/x-amz-json-1.1")
            .putHeader("X-Amz-Target", "AWSEvents." + operation)
            .contentStreamProvider(ContentStreamProvider.fromByteArrayUnsafe(body)).build();
        final SdkHttpFullRequest signed = Aws4Signer.create().sign(unsigned, Aws4SignerParams.builder()
            .awsCredentials(AwsBasicCredentials.create(peer.accessKeyId(), peer.secretAccessKey()))
            .signingName("events").signingRegion(Region.of(peer.region())).signingClockOverride(Clock.systemUTC())
            .build());
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(callTimeout)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> header : signed.headers().entrySet()) {
            if (!header.getKey().equalsIgnoreCase("Host")) {   // the client sets it, as signed
                request.header(header.getKey(), header.getValue().get(0));
            }
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
