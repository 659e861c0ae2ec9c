package dev.eventrouter.persist.apidest;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on loopback (the JDK's), recording every request and answering from a queue of scripted
 * answers (200 when the queue is empty). An answer may hold the request until a latch opens, for timeouts and slow
 * endpoints.
 */
final class LoopbackHttpServer implements AutoCloseable {
    /**
     * One request as the server received it; header names lower-cased; {@code tls} the TLS protocol it came over
     * ({@code null} for plain HTTP).
     */
    record Request(String method, String uri, Map<String, String> headers, String body, String tls) {
    }

    /** A scripted answer. */
    record Answer(int status, Map<String, String> headers, CountDownLatch holdUntil, String body) {
        static Answer of(final int status) {
            return new Answer(status, Map.of(), null, null);
        }

        static Answer of(final int status, final String header, final String value) {
            return new Answer(status, Map.of(header, value), null, null);
        }

        static Answer held(final CountDownLatch latch) {
            return new Answer(200, Map.of(), latch, null);
        }

        static Answer json(final int status, final String body) {
            return new Answer(status, Map.of("Content-Type", "application/json"), null, body);
        }
    }

    private final HttpServer server;
    private final boolean secure;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    /** Answers for requests to one path (checked before {@link #answers}). */
    final Map<String, BlockingQueue<Answer>> answersByPath = new java.util.concurrent.ConcurrentHashMap<>();

    LoopbackHttpServer() throws IOException {
        this(null);
    }

    /** @param tls when not {@code null}, serves HTTPS with this context's key and certificate. */
    LoopbackHttpServer(final javax.net.ssl.SSLContext tls) throws IOException {
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } else {
            final com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        }
        secure = tls != null;
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            final Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            final String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body,
                exchange instanceof com.sun.net.httpserver.HttpsExchange h ? h.getSSLSession().getProtocol() : null));
            final BlockingQueue<Answer> forPath = answersByPath.get(exchange.getRequestURI().getPath());
            final Answer polled = forPath != null && !forPath.isEmpty() ? forPath.poll() : answers.poll();
            final Answer answer = polled != null ? polled : Answer.of(200);
            if (answer.holdUntil() != null) {
                try {
                    answer.holdUntil().await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            if (answer.body() == null) {
                exchange.sendResponseHeaders(answer.status(), -1);
            } else {
                final byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.status(), bytes.length);
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
    }

    /** Queues answers for requests to {@code path}. */
    void answer(final String path, final Answer... scripted) {
        answersByPath.computeIfAbsent(path, k -> new LinkedBlockingQueue<>()).addAll(List.of(scripted));
    }

    List<Request> requestsTo(final String path) {
        final List<Request> out = new ArrayList<>();
        requests.forEach(r -> {
            if (r.uri().equals(path) || r.uri().startsWith(path + "?")) {
                out.add(r);
            }
        });
        return out;
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url(final String path) {
        return (secure ? "https" : "http") + "://127.0.0.1:" + port() + path;
    }

    /** @return the URL of {@code path} with {@code host} as the host name (it must resolve to loopback). */
    String url(final String host, final String path) {
        return (secure ? "https" : "http") + "://" + host + ":" + port() + path;
    }

    List<String> methodsAndUris() {
        final List<String> out = new ArrayList<>();
        requests.forEach(r -> out.add(r.method() + " " + r.uri()));
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
