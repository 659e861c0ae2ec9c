package dev.eventrouter.persist.apidest;

import dev.eventrouter.bus.ManualClock;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.DeadLetter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A router with rule {@code r} (source {@code app}), API destinations and a loopback HTTP server, all on one manual
 * clock starting at {@link #T0}; dead letters collected in {@link #deadLetters}.
 */
abstract class ApiDestinationsFixture {
    static final long T0 = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();

    final ManualClock clock = new ManualClock();
    final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    LoopbackHttpServer server;
    Router router;
    ApiDestinations apis;

    @BeforeEach
    void start() throws IOException {
        clock.update(T0);
        server = new LoopbackHttpServer();
        router = Router.start(new RouterContext().clock(clock).seed(7).maxEventBytes(16 * 1024)
            .handoffBytes(1 << 20));
        router.putRule(Rule.of("r", "{\"source\":[\"app\"]}"));
        apis = ApiDestinations.start(new ApiDestinations.Context().clock(clock).seed(1));
    }

    @AfterEach
    void stop() {
        router.close(Duration.ofSeconds(10));
        apis.close();
        server.close();
    }
}
