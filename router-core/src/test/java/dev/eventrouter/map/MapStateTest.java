package dev.eventrouter.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.bus.Await;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.RouterContext;
import dev.eventrouter.bus.Rule;
import dev.eventrouter.target.Target;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Map state: concurrency limits, order of results, failure tolerance, batching and ItemSelector. */
@Timeout(60)
class MapStateTest {
    private static byte[] bytes(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(final byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String items(final int n) {
        final List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add("{\"n\":" + i + "}");
        }
        return "{\"detail\":{\"items\":[" + String.join(",", items) + "]}}";
    }

    private static String expected(final int n) {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("\"done " + i + "\"");
        }
        return "[" + String.join(",", out) + "]";
    }

    private static byte[] done(final byte[] input) {
        return bytes("\"done " + text(input).replaceAll("\\D", "") + "\"");
    }

    @Test
    void shouldRunExactlyMaxConcurrencyItemsAtOnceAndReturnResultsInInputOrder() throws Exception {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final CyclicBarrier threeAtOnce = new CyclicBarrier(3);
        try (MapState map = MapState.builder(input -> {
            most.accumulateAndGet(active.incrementAndGet(), Math::max);
            threeAtOnce.await(30, TimeUnit.SECONDS);  // only passes when three run together
            active.decrementAndGet();
            return done(input);
        }).itemsPath("$.detail.items").maxConcurrency(3).build()) {
            final MapResult result = map.run(bytes(items(9)));
            assertEquals(expected(9), result.output());
            assertEquals(3, most.get(), "never more than MaxConcurrency");
        }
    }

    /**
     * MaxConcurrency 0 runs as many items at once as the Inline mode does ("up to 40 concurrent iterations", Step
     * Functions developer guide), on that many threads: 80 items pass a barrier of 40 twice, on exactly 40 threads.
     */
    @Test
    void shouldRunFortyItemsAtOnceOnFortyThreadsWhenUnlimited() throws Exception {
        final CyclicBarrier forty = new CyclicBarrier(MapState.INLINE_MAX_CONCURRENCY);
        final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (MapState map = MapState.builder(input -> {
            threads.add(Thread.currentThread());
            forty.await(30, TimeUnit.SECONDS);
            return done(input);
        }).itemsPath("$.detail.items").build()) {
            assertEquals(expected(80), map.run(bytes(items(80))).output());
        }
        assertEquals(40, threads.size());
    }

    /**
     * A processor's own error name fails an Inline map with that name (a Fail state's Error), and the items not yet
     * started do not start; an ItemSelector path that reaches nothing is Step Functions' States.Runtime, before any
     * item runs.
     */
    @Test
    void shouldFailWithTheItemsErrorOrWithStatesRuntimeForAMissingSelectorPath() throws Exception {
        final AtomicInteger started = new AtomicInteger();
        try (MapState map = MapState.builder(input -> {
            started.incrementAndGet();
            if (text(input).contains("\"n\":1")) {
                throw new StatesError("OrderRejected", "order 1 has no lines");
            }
            return done(input);
        }).itemsPath("$.detail.items").maxConcurrency(1).build()) {
            final MapFailedException failed = assertThrows(MapFailedException.class, () -> map.run(bytes(items(5))));
            assertEquals("OrderRejected", failed.error());
            assertEquals("OrderRejected: item 1 failed: dev.eventrouter.map.StatesError: OrderRejected: order 1 has "
                + "no lines", failed.getMessage());
            assertEquals(2, started.get(), "the items after the failed one never start");
        }
        started.set(0);
        try (MapState map = MapState.builder(input -> {
            started.incrementAndGet();
            return done(input);
        }).itemsPath("$.detail.items").itemSelector("{\"id.$\": \"$$.Map.Item.Value.n\", "
            + "\"owner.$\": \"$.detail.owner\"}").build()) {
            final MapFailedException failed = assertThrows(MapFailedException.class, () -> map.run(bytes(items(2))));
            assertEquals(MapFailedException.RUNTIME, failed.error());
            assertEquals("States.Runtime: The JSONPath '$.detail.owner' specified for the field 'owner.$' could not be "
                + "found in the input '" + items(2) + "'", failed.getMessage());
            assertEquals(0, started.get());
        }
    }

    @Test
    void shouldRunEveryItemAtOnceWithoutALimitAndOneByOneInOrderWithOne() throws Exception {
        // eight items, under the Inline limit of 40: all eight run at once
        final CyclicBarrier allEight = new CyclicBarrier(8);
        try (MapState map = MapState.builder(input -> {
            allEight.await(30, TimeUnit.SECONDS);
            return done(input);
        }).itemsPath("$.detail.items").build()) {
            assertEquals(expected(8), map.run(bytes(items(8))).output());
        }
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        try (MapState map = MapState.builder(input -> {
            calls.add(text(input));
            return done(input);
        }).itemsPath("$.detail.items").maxConcurrency(1).build()) {
            map.run(bytes(items(5)));
        }
        assertEquals(List.of("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"), calls);
    }

    private static MapState.Builder failingTwoAndFive() {
        return MapState.builder(input -> {
            final String n = text(input).replaceAll("\\D", "");
            if (n.equals("2") || n.equals("5")) {
                throw new IllegalStateException("item " + n + " broke");
            }
            return done(input);
        }).itemsPath("$.detail.items").maxConcurrency(1);
    }

    @Test
    void shouldTolerateFailuresUpToTheCountOrPercentageAndFailBeyondListingTheItems() throws Exception {
        try (MapState map = failingTwoAndFive().toleratedFailureCount(2).build()) {
            final MapResult result = map.run(bytes(items(10)));
            assertEquals("[\"done 0\",\"done 1\",null,\"done 3\",\"done 4\",null,\"done 6\",\"done 7\",\"done 8\","
                + "\"done 9\"]", result.output());
            assertEquals(List.of(new MapResult.ItemFailure(2, 1, "java.lang.IllegalStateException: item 2 broke"),
                new MapResult.ItemFailure(5, 1, "java.lang.IllegalStateException: item 5 broke")), result.failures());
        }
        try (MapState map = failingTwoAndFive().toleratedFailurePercentage(20).build()) {
            assertEquals(2, map.run(bytes(items(10))).failures().size(), "2 of 10 is 20%");
        }
        try (MapState map = failingTwoAndFive().toleratedFailureCount(1).build()) {
            final MapFailedException failed = assertThrows(MapFailedException.class, () -> map.run(bytes(items(10))));
            assertEquals("States.ExceedToleratedFailureThreshold: 2 of 10 items failed: item 2: "
                + "java.lang.IllegalStateException: item 2 broke; item 5: java.lang.IllegalStateException: item 5 "
                + "broke", failed.getMessage());
            assertEquals(2, failed.failures().size());
        }
        try (MapState map = failingTwoAndFive().toleratedFailureCount(5).toleratedFailurePercentage(10).build()) {
            assertThrows(MapFailedException.class, () -> map.run(bytes(items(10))), "either limit exceeded fails");
        }
        final AtomicInteger started = new AtomicInteger();
        try (MapState map = MapState.builder(input -> {
            started.incrementAndGet();
            throw new IllegalStateException("no");
        }).itemsPath("$.detail.items").maxConcurrency(1).build()) {
            // no tolerance (the Inline mode): the first failed item fails the map with its own error
            assertEquals("States.TaskFailed: item 0 failed: java.lang.IllegalStateException: no",
                assertThrows(MapFailedException.class, () -> map.run(bytes(items(10)))).getMessage());
            assertEquals(1, started.get(), "no tolerance: no more items start after the first failure");
        }
    }

    /**
     * ItemBatcher.MaxInputBytesPerBatch: a batch's whole input ({"Items":[...]}) stays within the bytes, with or
     * without MaxItemsPerBatch (both limits apply when both are set); one item too large alone is States.Runtime.
     */
    @Test
    void shouldCutBatchesAtMaxInputBytesPerBatch() throws Exception {
        final List<String> inputs = Collections.synchronizedList(new ArrayList<>());
        // {"Items":[{"n":0},{"n":1},{"n":2}]} is 35 bytes: three 7-byte items a batch
        try (MapState map = MapState.builder(input -> {
            inputs.add(text(input));
            return bytes(String.valueOf(input.length));
        }).itemsPath("$.detail.items").maxInputBytesPerBatch(35).maxConcurrency(1).build()) {
            assertEquals("[35,35,35,19]", map.run(bytes(items(10))).output());
            assertEquals(List.of("{\"Items\":[{\"n\":0},{\"n\":1},{\"n\":2}]}",
                "{\"Items\":[{\"n\":3},{\"n\":4},{\"n\":5}]}", "{\"Items\":[{\"n\":6},{\"n\":7},{\"n\":8}]}",
                "{\"Items\":[{\"n\":9}]}"), inputs);
        }
        try (MapState map = MapState.builder(input -> bytes(String.valueOf(input.length)))
            .itemsPath("$.detail.items").maxInputBytesPerBatch(60).maxItemsPerBatch(2).batchInput("{\"k\":1}")
            .build()) {
            // {"Items":[...],"BatchInput":{"k":1}}: three items would fit in 60 bytes, MaxItemsPerBatch cuts at two
            assertEquals("[48,40]", map.run(bytes(items(3))).output());
        }
        try (MapState map = MapState.builder(input -> bytes("1")).itemsPath("$.detail.items")
            .maxInputBytesPerBatch(18).build()) {
            assertEquals("States.Runtime: item 0 makes a batch of 19 bytes, over ItemBatcher.MaxInputBytesPerBatch 18",
                assertThrows(MapFailedException.class, () -> map.run(bytes(items(1)))).getMessage());
        }
        assertEquals("MaxInputBytesPerBatch=262145: must be between 1 and 262144 (0 for none)", assertThrows(
            IllegalArgumentException.class, () -> MapState.builder(MapStateTest::done).maxInputBytesPerBatch(262_145))
            .getMessage());
    }

    /**
     * The state's output, as the Step Functions developer guide's input and output processing describes it (its
     * ResultPath example: "ResultPath": "$.taskresult" adds the result to the input beside "comment" and "details"):
     * ResultSelector shapes the results, ResultPath places them ($ replaces, null keeps the input, $.a.b sets a
     * field, creating objects on the way), OutputPath selects (null: {}).
     */
    @Test
    void shouldBuildTheStatesOutputWithResultSelectorResultPathAndOutputPath() throws Exception {
        final String input = "{\"comment\":\"test\",\"details\":\"Default example\",\"detail\":{\"items\":"
            + "[{\"n\":0},{\"n\":1}]}}";
        final MapState.Builder base = MapState.builder(MapStateTest::done).itemsPath("$.detail.items");
        try (MapState map = base.build()) {
            assertEquals("[\"done 0\",\"done 1\"]", text(map.stateOutput(bytes(input), map.run(bytes(input)))),
                "by default the output is the results");
        }
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items")
            .resultPath("$.taskresult").build()) {
            assertEquals("{\"comment\":\"test\",\"details\":\"Default example\",\"detail\":{\"items\":[{\"n\":0},"
                + "{\"n\":1}]},\"taskresult\":[\"done 0\",\"done 1\"]}",
                text(map.stateOutput(bytes(input), map.run(bytes(input)))));
        }
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items")
            .resultSelector("{\"first.$\": \"$[0]\", \"all.$\": \"$\", \"kind\": \"orders\"}")
            .resultPath("$.out.mapped").outputPath("$.out").build()) {
            assertEquals("{\"mapped\":{\"first\":\"done 0\",\"all\":[\"done 0\",\"done 1\"],\"kind\":\"orders\"}}",
                text(map.stateOutput(bytes(input), map.run(bytes(input)))));
        }
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items").resultPath(null)
            .build()) {
            assertEquals(input, text(map.stateOutput(bytes(input), map.run(bytes(input)))), "the input passes on");
        }
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items").outputPath(null)
            .build()) {
            assertEquals("{}", text(map.stateOutput(bytes(input), map.run(bytes(input)))));
        }
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items")
            .resultPath("$.comment.x").build()) {
            assertEquals("States.ResultPathMatchFailure: ResultPath $.comment.x cannot be applied: comment is not an "
                + "object in the state's input", assertThrows(MapFailedException.class,
                    () -> map.stateOutput(bytes(input), map.run(bytes(input)))).getMessage());
        }
        assertEquals("ResultPath: $.a[0] must be $ or $.field.field... (a reference path of field names)",
            assertThrows(IllegalArgumentException.class, () -> base.resultPath("$.a[0]")).getMessage());
    }

    @Test
    void shouldBatchItemsWithBatchInputAndCountAFailedBatchAsItsItems() throws Exception {
        final List<String> inputs = Collections.synchronizedList(new ArrayList<>());
        try (MapState map = MapState.builder(input -> {
            inputs.add(text(input));
            if (text(input).contains("\"n\":4")) {
                throw new IllegalStateException("batch with 4");
            }
            return bytes("{\"count\":" + text(input).split("\"n\"").length + "}");
        }).itemsPath("$.detail.items").maxItemsPerBatch(2).batchInput("{\"run\":7}").maxConcurrency(1)
            .toleratedFailureCount(1).build()) {
            final MapResult result = map.run(bytes(items(5)));
            assertEquals(List.of("{\"Items\":[{\"n\":0},{\"n\":1}],\"BatchInput\":{\"run\":7}}",
                "{\"Items\":[{\"n\":2},{\"n\":3}],\"BatchInput\":{\"run\":7}}",
                "{\"Items\":[{\"n\":4}],\"BatchInput\":{\"run\":7}}"), inputs);
            assertEquals("[{\"count\":3},{\"count\":3},null]", result.output());
            assertEquals(List.of(new MapResult.ItemFailure(4, 1, "java.lang.IllegalStateException: batch with 4")),
                result.failures());
        }
    }

    @Test
    void shouldBuildEachItemsInputWithTheItemSelector() throws Exception {
        final List<String> inputs = new CopyOnWriteArrayList<>();
        try (MapState map = MapState.builder(input -> {
            inputs.add(text(input));
            return input;
        }).itemsPath("$.detail.items").maxConcurrency(1).itemSelector("""
            {"n.$": "$$.Map.Item.Value.n", "index.$": "$$.Map.Item.Index", "customer.$": "$.detail.customer",
             "kind": "line", "whole": {"item.$": "$$.Map.Item.Value"}}""").build()) {
            map.run(bytes("{\"detail\":{\"customer\":\"c-9\",\"items\":[{\"n\":5},{\"n\":6}]}}"));
        }
        assertEquals(List.of(
            "{\"n\":5,\"index\":0,\"customer\":\"c-9\",\"kind\":\"line\",\"whole\":{\"item\":{\"n\":5}}}",
            "{\"n\":6,\"index\":1,\"customer\":\"c-9\",\"kind\":\"line\",\"whole\":{\"item\":{\"n\":6}}}"), inputs);
    }

    @Test
    void shouldFanOutAsAnAsynchronousRouterTarget() throws Exception {
        final List<String> outputs = new CopyOnWriteArrayList<>();
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items").maxConcurrency(2).build();
             Router router = Router.start(new RouterContext())) {
            router.putRule(Rule.of("fan", "{\"source\":[\"shop\"]}"));
            router.putTargets(null, "fan", List.of(Target.asyncHandler("map", map.asHandler(
                out -> outputs.add(text(out))))));
            router.eventBus(null).publish(bytes("{\"source\":\"shop\",\"detail-type\":\"x\",\"detail\":{\"items\":"
                + "[{\"n\":0},{\"n\":1},{\"n\":2}]}}"));
            Await.until(() -> outputs.size() == 1, "the map's output");
            assertEquals(expected(3), outputs.get(0));
        }
    }

    @Test
    void shouldNameWhatIsWrongWithTheInputOrTheSettings() {
        try (MapState map = MapState.builder(MapStateTest::done).itemsPath("$.detail.items").build()) {
            assertEquals("States.Runtime: ItemsPath $.detail.items is not an array: {\"a\":1}",
                assertThrows(MapFailedException.class, () -> map.run(bytes("{\"detail\":{\"items\":{\"a\":1}}}")))
                    .getMessage());
            assertEquals("States.Runtime: ItemsPath $.detail.items reaches nothing",
                assertThrows(MapFailedException.class, () -> map.run(bytes("{}"))).getMessage());
        }
        assertEquals("ItemsPath: path detail: must start with '$'", assertThrows(IllegalArgumentException.class,
            () -> MapState.builder(MapStateTest::done).itemsPath("detail")).getMessage());
        assertEquals("ItemSelector.a.$: path $$.Execution.Id: only $$.Map.Item.Value and $$.Map.Item.Index of the "
            + "context are supported", assertThrows(IllegalArgumentException.class,
                () -> MapState.builder(MapStateTest::done).itemSelector("{\"a.$\":\"$$.Execution.Id\"}")).getMessage());
        assertEquals("ToleratedFailurePercentage=101.0: must be between 0 and 100", assertThrows(
            IllegalArgumentException.class, () -> MapState.builder(MapStateTest::done).toleratedFailurePercentage(101))
            .getMessage());
        assertEquals("MaxConcurrency=-1: must not be negative", assertThrows(IllegalArgumentException.class,
            () -> MapState.builder(MapStateTest::done).maxConcurrency(-1)).getMessage());
        assertEquals("BatchInput: must be a JSON object", assertThrows(IllegalArgumentException.class,
            () -> MapState.builder(MapStateTest::done).batchInput("[1]")).getMessage());
    }
}
