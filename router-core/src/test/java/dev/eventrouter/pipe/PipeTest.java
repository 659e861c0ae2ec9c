package dev.eventrouter.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.FailurePolicy;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import dev.eventrouter.target.Target;
import dev.eventrouter.target.TargetInput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pipes: filter, enrichment, transformer and target, with retries through the whole pipe, on a manual clock. */
@Timeout(60)
class PipeTest {
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final InMemorySource source = new InMemorySource(1);
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final List<String> delivered = new ArrayList<>();
    private final PipeTarget collect = events -> events.forEach(e -> delivered.add(new String(e, StandardCharsets.UTF_8)));

    private void append(final String... records) {
        for (String record : records) {
            source.append(0, null, clock.get(), record.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void cycles(final Poller poller, final int n) {
        for (int i = 0; i < n; i++) {
            poller.doWork();
        }
    }

    @Test
    void shouldFilterEnrichTransformAndDeliverInOrder() {
        final Poller poller = new Poller(clock::get);
        final List<String> enrichmentInputs = new ArrayList<>();
        final Pipe pipe = Pipe.builder("orders-pipe")
            .source(MappingConfig.of("ignored", 10, 0).withFilters(List.of("{\"data\":{\"kind\":[\"order\"]}}")))
            .enrichment(batch -> {
                final String text = new String(batch, StandardCharsets.UTF_8);
                enrichmentInputs.add(text);
                return text.replace("\"kind\":\"order\"", "\"kind\":\"order\",\"vip\":true")
                    .getBytes(StandardCharsets.UTF_8);
            })
            .targetInput(TargetInput.transformer(Map.of("id", "$.id", "vip", "$.vip"),
                "{\"order\": <id>, \"vip\": <vip>, \"pipe\": <aws.events.rule-name>}"))
            .target(collect)
            .clock(clock::get)
            .build()
            .start(poller, source, checkpoints);
        append("{\"kind\":\"order\",\"id\":1}", "{\"kind\":\"refund\",\"id\":2}", "{\"kind\":\"order\",\"id\":3}");
        cycles(poller, 2);
        assertEquals(List.of("[{\"kind\":\"order\",\"id\":1},{\"kind\":\"order\",\"id\":3}]"), enrichmentInputs,
            "the enrichment gets the filtered batch as an array");
        assertEquals(List.of("{\"order\": 1, \"vip\": true, \"pipe\": \"orders-pipe\"}",
            "{\"order\": 3, \"vip\": true, \"pipe\": \"orders-pipe\"}"), delivered);
        assertEquals(2, pipe.delivered());
        assertEquals(3, checkpoints.load("orders-pipe", 0), "checkpoints are kept under the pipe's name");
    }

    @Test
    void shouldSkipTheTargetWhenTheEnrichmentReturnsNothingAndSendAnEmptyObjectForAnArrayOfOne() {
        final Poller poller = new Poller(clock::get);
        final String[] answer = {"[]"};
        final Pipe pipe = Pipe.builder("p").source(MappingConfig.of("p", 1, 0))
            .enrichment(batch -> answer[0].getBytes(StandardCharsets.UTF_8)).target(collect).build()
            .start(poller, source, checkpoints);
        for (String reply : List.of("[]", "{}", "", "\"\"", "[{}]", "{\"one\":1}", "[1, \"two\", {\"x\":[3]}]")) {
            answer[0] = reply;
            append("{}");
            cycles(poller, 1);
        }
        assertEquals(List.of("{}", "{\"one\":1}", "1", "\"two\"", "{\"x\":[3]}"), delivered);
        assertEquals(4, pipe.enrichedAway());
        assertEquals(7, checkpoints.load("p", 0), "batches the enrichment dropped are committed");
    }

    @Test
    void shouldRetryAFailedTargetThroughTheWholePipeAndGiveUpToTheDeadLetterDestination() {
        final Poller poller = new Poller(clock::get);
        final List<FailurePolicy.FailedBatch> dead = new ArrayList<>();
        final int[] enrichments = {0};
        final Pipe pipe = Pipe.builder("p")
            .source(MappingConfig.of("p", 10, 0).withFailurePolicy(new FailurePolicy(2, -1, false, false, dead::add)))
            .enrichment(batch -> {
                enrichments[0]++;
                return batch;
            })
            .target(events -> {
                throw new IllegalStateException("target down");
            })
            .build().start(poller, source, checkpoints);
        append("{\"a\":1}", "not json");
        for (int i = 0; i < 4; i++) {
            cycles(poller, 2);
            clock.addAndGet(1_000);
        }
        assertEquals(3, enrichments[0], "every attempt goes through the enrichment again");
        assertEquals(3, pipe.failed());
        assertEquals(List.of(new FailurePolicy.FailedBatch("p", 0, 0, 1, 2, "RetryAttemptsExhausted",
            "java.lang.IllegalStateException: target down", 3, 1_700_000_000_000L, 1_700_000_000_000L,
            "eventrouter:source:InMemorySource")), dead);
    }

    @Test
    void shouldPutEventsOnABusAsTheirDetail() {
        final Poller poller = new Poller(clock::get);
        final List<String> onBus = new CopyOnWriteArrayList<>();
        try (Router router = Router.start(new RouterContext())) {
            router.createEventBus("sink");
            router.putRule(Rule.of("all", "{\"source\":[\"pipe.orders\"]}").onBus("sink"));
            router.putTargets("sink", "all", List.of(Target.handler("t", d -> onBus.add(d.payloadAsString()))));
            Pipe.builder("to-bus").source(MappingConfig.of("to-bus", 10, 0))
                .target(PipeTarget.bus(router, "sink", "pipe.orders", "Order")).build().start(poller, source,
                    checkpoints);
            append("{\"id\":1}", "\"plain text\"");
            cycles(poller, 1);
            Await.until(() -> onBus.size() == 1, "the first event on the bus");
            assertEquals("{\"id\":1}", onBus.get(0).replaceAll(".*\"detail\":(\\{[^}]*\\}).*", "$1"));
            assertEquals(-1, checkpoints.load("to-bus", 0), "a refused entry fails the batch: nothing committed");
        }
    }

    @Test
    void shouldSendEachEventToAQueueAndNameBadSettings() {
        final Poller poller = new Poller(clock::get);
        final List<String> queue = new ArrayList<>();
        Pipe.builder("to-queue").source(MappingConfig.of("x", 10, 0))
            .target(PipeTarget.queue(body -> {
                queue.add(new String(body, StandardCharsets.UTF_8));
                return queue.size();
            })).build().start(poller, source, checkpoints);
        final Pipe pipe = Pipe.builder("stoppable").source(MappingConfig.of("x", 10, 0)).target(collect).build()
            .start(poller, source, CheckpointStore.inMemory());
        pipe.running(false);
        append("{\"a\":1}", "plain");
        cycles(poller, 1);
        assertEquals(List.of("{\"a\":1}", "\"plain\""), queue, "a record that is not JSON travels as a string");
        assertEquals(List.of(), delivered, "a stopped pipe does not poll");
        pipe.running(true);
        cycles(poller, 1);
        assertEquals(List.of("{\"a\":1}", "\"plain\""), delivered);
        assertEquals("pipe stoppable is started already", assertThrows(IllegalStateException.class,
            () -> pipe.start(poller, source, checkpoints)).getMessage());
        assertEquals("Name=a b: must be 1-64 characters of letters, digits, '.', '-' and '_'",
            assertThrows(IllegalArgumentException.class, () -> Pipe.builder("a b")).getMessage());
        assertEquals("pipe p: Target is required", assertThrows(IllegalArgumentException.class,
            () -> Pipe.builder("p").source(MappingConfig.of("p", 1, 0)).build()).getMessage());
        assertEquals("pipe p: Source parameters are required", assertThrows(IllegalArgumentException.class,
            () -> Pipe.builder("p").target(collect).build()).getMessage());
    }

    /**
     * The Pipes API reference's DesiredState and CurrentState: created (not started yet), running, stopped; a pipe
     * may be created stopped. The source may not batch more than its target takes (Pipes user guide, "batching": 10
     * for a bus or SQS target).
     */
    @Test
    void shouldReportStatesAndRefuseABatchLargerThanTheTargetTakes() {
        final Poller poller = new Poller(clock::get);
        final Pipe pipe = Pipe.builder("p").source(MappingConfig.of("p", 10, 0)).target(collect)
            .desiredState(PipeState.STOPPED).build();
        assertEquals(PipeState.CREATING, pipe.currentState());
        assertEquals(PipeState.STOPPED, pipe.desiredState());
        pipe.start(poller, source, checkpoints);
        assertEquals(PipeState.STOPPED, pipe.currentState());
        append("{\"a\":1}");
        cycles(poller, 1);
        assertEquals(List.of(), delivered, "created stopped: it does not poll");
        pipe.running(true);
        assertEquals(PipeState.RUNNING, pipe.currentState());
        cycles(poller, 1);
        assertEquals(List.of("{\"a\":1}"), delivered);
        assertEquals("pipe p: DesiredState must be RUNNING or STOPPED, got CREATING", assertThrows(
            IllegalArgumentException.class, () -> Pipe.builder("p").desiredState(PipeState.CREATING)).getMessage());
        assertEquals("pipe big: the source's BatchSize 11 exceeds the 10 events its target takes at a time",
            assertThrows(IllegalArgumentException.class, () -> Pipe.builder("big")
                .source(MappingConfig.of("big", 11, 1_000)).target(PipeTarget.queue(body -> 1)).build()).getMessage());
        Pipe.builder("lambda-like").source(MappingConfig.of("l", 100, 1_000)).target(collect).build();
    }

    @Test
    void shouldFailTheBatchWhenTheEnrichmentAnswersInvalidJson() throws Exception {
        assertEquals("enrichment returned invalid JSON: Unexpected close marker '}': expected ']' at char 3",
            assertThrows(IllegalStateException.class,
                () -> Pipe.split("[{}}]".getBytes(StandardCharsets.UTF_8))).getMessage().replace("\n", ""));
    }
}
