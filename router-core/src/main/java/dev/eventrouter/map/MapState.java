package dev.eventrouter.map;

import dev.eventrouter.target.EventHandler;
import dev.eventrouter.target.EventPath;
import dev.eventrouter.target.JsonValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The Step Functions Map state: takes the array at ItemsPath from its input, builds each item's input with
 * ItemSelector, runs an {@link ItemProcessor} per item (or per batch of MaxItemsPerBatch items, as
 * {@code {"Items":[...],"BatchInput":...}}) with at most MaxConcurrency running at once (0: as many as the Inline
 * mode runs, {@value #INLINE_MAX_CONCURRENCY}, on that many threads, not a thread per item; 1: in array order), and
 * returns the results in input order.
 *
 * <p>Failures: without ToleratedFailureCount or ToleratedFailurePercentage (the Inline mode: "any iteration failure
 * causes the Map state to fail ... all iterations stop", Step Functions developer guide, Inline Map) the first item
 * that fails fails the map with its own error ({@link StatesError}'s name, else {@code States.TaskFailed}) and no
 * more items start. With either set, failures are counted in items; when they exceed the tolerance (either limit,
 * when both are set) the map fails with {@code States.ExceedToleratedFailureThreshold}, listing the failed items,
 * and starts no more items. An ItemSelector path that reaches nothing fails the map with {@code States.Runtime}, as
 * Step Functions does, before any item runs.
 *
 * <p>ItemSelector is a JSON object whose fields ending in {@code .$} take a path: {@code $...} from the state's
 * input, {@code $$.Map.Item.Value...} from the item, {@code $$.Map.Item.Index}. Immutable and thread-safe; runs
 * items on its own daemon threads (close it to stop them).
 */
public final class MapState implements AutoCloseable {
    private static final ThreadFactory THREADS = new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(final Runnable r) {
            final Thread thread = new Thread(r, "eventrouter-map-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    };

    /** How many items the Inline mode runs at once at most ("up to 40 concurrent iterations"). */
    public static final int INLINE_MAX_CONCURRENCY = 40;

    private final EventPath itemsPath;
    private final Selector itemSelector;
    private final Selector resultSelector;
    /** ResultPath as field names from the root ({@code $} is empty), or {@code null} for {@code "ResultPath": null}. */
    private final List<String> resultPath;
    private final String resultPathText;
    /** OutputPath, or {@code null} for {@code "OutputPath": null}. */
    private final EventPath outputPath;
    private final int maxItemsPerBatch;
    private final int maxInputBytesPerBatch;
    private final String batchInput;
    private final int maxConcurrency;
    private final Integer toleratedFailureCount;
    private final Double toleratedFailurePercentage;
    private final ItemProcessor processor;
    private final ExecutorService executor = Executors.newCachedThreadPool(THREADS);

    private MapState(final Builder b) {
        itemsPath = b.itemsPath;
        itemSelector = b.itemSelector;
        resultSelector = b.resultSelector;
        resultPath = b.resultPath;
        resultPathText = b.resultPathText;
        outputPath = b.outputPath;
        maxItemsPerBatch = b.maxItemsPerBatch;
        maxInputBytesPerBatch = b.maxInputBytesPerBatch;
        batchInput = b.batchInput;
        maxConcurrency = b.maxConcurrency;
        toleratedFailureCount = b.toleratedFailureCount;
        toleratedFailurePercentage = b.toleratedFailurePercentage;
        processor = b.processor;
    }

    /** @return a builder for a Map state running items with {@code processor}. */
    public static Builder builder(final ItemProcessor processor) {
        return new Builder(processor);
    }

    /**
     * Runs the map over an input; blocks until every started item finished.
     *
     * @throws MapFailedException when failures exceed the tolerance, or the input has no array at ItemsPath.
     * @throws InterruptedException when interrupted while waiting (started items run on).
     */
    public MapResult run(final byte[] input) throws MapFailedException, InterruptedException {
        final String found;
        final List<String> items;
        try {
            found = itemsPath.evaluate(input, 0, input.length);
            items = found == null ? null : JsonValues.elements(found);
        } catch (IllegalArgumentException e) {
            throw new MapFailedException(MapFailedException.RUNTIME, "the input is not JSON: " + e.getMessage(),
                List.of());
        }
        if (items == null) {
            throw new MapFailedException(MapFailedException.RUNTIME, "ItemsPath " + itemsPath.text()
                + (found == null ? " reaches nothing" : " is not an array: " + abbreviate(found)), List.of());
        }
        final List<byte[]> units = new ArrayList<>();
        final List<int[]> spans = new ArrayList<>();  // {first item, item count}
        try {
            if (maxItemsPerBatch == 0 && maxInputBytesPerBatch == 0) {
                for (int i = 0; i < items.size(); i++) {
                    spans.add(new int[] {i, 1});
                    units.add(select(input, items.get(i), i).getBytes(StandardCharsets.UTF_8));
                }
            } else {
                batches(input, items, units, spans);
            }
        } catch (MissingPath e) {
            throw new MapFailedException(MapFailedException.RUNTIME, e.getMessage(), List.of());
        }
        final byte[][] results = new byte[units.size()][];
        final String[] errors = new String[units.size()];
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger failedItems = new AtomicInteger();
        final AtomicInteger firstFailure = new AtomicInteger(-1);
        final String[] errorNames = new String[units.size()];
        final int workers = Math.min(maxConcurrency == 0 ? INLINE_MAX_CONCURRENCY : maxConcurrency, units.size());
        final CountDownLatch finished = new CountDownLatch(workers);
        final AtomicBoolean exceeded = new AtomicBoolean();
        for (int w = 0; w < workers; w++) {
            executor.execute(() -> {
                try {
                    int unit;
                    while (!exceeded.get() && (unit = next.getAndIncrement()) < units.size()) {
                        try {
                            results[unit] = processor.process(units.get(unit));
                        } catch (Exception | LinkageError | AssertionError e) {
                            errors[unit] = e.toString();
                            errorNames[unit] = e instanceof StatesError statesError ? statesError.error()
                                : StatesError.TASK_FAILED;
                            firstFailure.compareAndSet(-1, unit);
                            final int failed = failedItems.addAndGet(spans.get(unit)[1]);
                            if (exceeds(failed, items.size())) {
                                exceeded.set(true);  // no further items start
                            }
                        }
                    }
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await();
        final List<MapResult.ItemFailure> failures = new ArrayList<>();
        final List<String> output = new ArrayList<>(units.size());
        for (int unit = 0; unit < units.size(); unit++) {
            if (errors[unit] != null) {
                failures.add(new MapResult.ItemFailure(spans.get(unit)[0], spans.get(unit)[1], errors[unit]));
            }
            output.add(results[unit] == null ? null : new String(results[unit], StandardCharsets.UTF_8));
        }
        if (failedItems.get() > 0 && toleratedFailureCount == null && toleratedFailurePercentage == null) {
            final int unit = firstFailure.get();
            throw new MapFailedException(errorNames[unit], "item " + spans.get(unit)[0]
                + (spans.get(unit)[1] > 1 ? "-" + (spans.get(unit)[0] + spans.get(unit)[1] - 1) : "") + " failed: "
                + errors[unit], failures);
        }
        if (exceeds(failedItems.get(), items.size())) {
            throw new MapFailedException(MapFailedException.EXCEED_TOLERATED_FAILURE_THRESHOLD, failedItems.get()
                + " of " + items.size() + " items failed: " + describe(failures), failures);
        }
        return new MapResult(output, failures);
    }

    private boolean exceeds(final int failed, final int total) {
        if (failed == 0) {
            return false;
        }
        if (toleratedFailureCount == null && toleratedFailurePercentage == null) {
            return true;
        }
        return toleratedFailureCount != null && failed > toleratedFailureCount
            || toleratedFailurePercentage != null && failed * 100.0 / total > toleratedFailurePercentage;
    }

    private static String describe(final List<MapResult.ItemFailure> failures) {
        final StringBuilder text = new StringBuilder();
        for (MapResult.ItemFailure failure : failures) {
            text.append(text.length() == 0 ? "" : "; ").append("item ").append(failure.index());
            if (failure.itemCount() > 1) {
                text.append('-').append(failure.index() + failure.itemCount() - 1);
            }
            text.append(": ").append(failure.error());
        }
        return text.toString();
    }

    private static String abbreviate(final String json) {
        return json.length() <= 40 ? json : json.substring(0, 37) + "...";
    }

    /**
     * Cuts the items into batches of at most MaxItemsPerBatch items whose input ({@code {"Items":[...],"BatchInput":
     * ...}}, UTF-8) is at most MaxInputBytesPerBatch bytes, whichever limits are set.
     *
     * @throws MissingPath (as States.Runtime) when one item alone makes a batch over the byte limit.
     */
    private void batches(final byte[] input, final List<String> items, final List<byte[]> units,
                         final List<int[]> spans) {
        final int maxItems = maxItemsPerBatch == 0 ? Integer.MAX_VALUE : maxItemsPerBatch;
        final long maxBytes = maxInputBytesPerBatch == 0 ? Long.MAX_VALUE : maxInputBytesPerBatch;
        // {"Items":[ ... ]} plus ,"BatchInput":<json> when given
        final long frame = 12 + (batchInput == null ? 0 : 14 + batchInput.getBytes(StandardCharsets.UTF_8).length);
        int first = 0;
        while (first < items.size()) {
            final StringBuilder batch = new StringBuilder("{\"Items\":[");
            long bytes = frame;
            int count = 0;
            while (first + count < items.size() && count < maxItems) {
                final String selected = select(input, items.get(first + count), first + count);
                final long more = selected.getBytes(StandardCharsets.UTF_8).length + (count > 0 ? 1 : 0);
                if (bytes + more > maxBytes) {
                    if (count == 0) {
                        throw new MissingPath("item " + first + " makes a batch of " + (bytes + more) + " bytes, over "
                            + "ItemBatcher.MaxInputBytesPerBatch " + maxBytes);
                    }
                    break;
                }
                batch.append(count > 0 ? "," : "").append(selected);
                bytes += more;
                count++;
            }
            batch.append(']');
            if (batchInput != null) {
                batch.append(",\"BatchInput\":").append(batchInput);
            }
            spans.add(new int[] {first, count});
            units.add(batch.append('}').toString().getBytes(StandardCharsets.UTF_8));
            first += count;
        }
    }

    private String select(final byte[] input, final String item, final int index) {
        return itemSelector == null ? item : itemSelector.apply(input, item, index);
    }

    /**
     * @param onResult receives each successful map's output array.
     * @return a target handler that runs this map over each delivered event (run it as an asynchronous target: it
     *     blocks while the items run); a failed map fails the delivery, so the rule's retry policy retries all items.
     */
    public EventHandler asHandler(final Consumer<byte[]> onResult) {
        return delivery -> {
            final byte[] input = delivery.payloadCopy();
            onResult.accept(stateOutput(input, run(input)));
        };
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The state's output as Step Functions builds it from the results (developer guide, "Processing input and output
     * in Step Functions"): ResultSelector shapes the results array, ResultPath places it in the state's input
     * ({@code $} replaces the input, {@code null} keeps the input unchanged, {@code $.a.b} sets that field), then
     * OutputPath selects what goes on ({@code null}: {@code {}}). With none set it is {@link MapResult#output()}.
     *
     * @throws MapFailedException {@code States.ResultPathMatchFailure} when ResultPath needs an object the input does
     *                            not have there; {@code States.Runtime} when OutputPath reaches nothing.
     */
    public byte[] stateOutput(final byte[] input, final MapResult result) throws MapFailedException {
        String selected = result.output();
        if (resultSelector != null) {
            try {
                selected = resultSelector.apply(selected.getBytes(StandardCharsets.UTF_8), "null", 0);
            } catch (MissingPath e) {
                throw new MapFailedException(MapFailedException.RUNTIME, e.getMessage(), List.of());
            }
        }
        final String combined;
        if (resultPath == null) {
            combined = new String(input, StandardCharsets.UTF_8);
        } else if (resultPath.isEmpty()) {
            combined = selected;
        } else {
            try {
                final com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(input);
                if (root == null || !root.isObject()) {
                    throw new MapFailedException("States.ResultPathMatchFailure", "ResultPath " + resultPathText
                        + " needs the state's input to be an object", List.of());
                }
                com.fasterxml.jackson.databind.node.ObjectNode at =
                    (com.fasterxml.jackson.databind.node.ObjectNode) root;
                for (int i = 0; i < resultPath.size() - 1; i++) {
                    final com.fasterxml.jackson.databind.JsonNode next = at.get(resultPath.get(i));
                    if (next == null) {
                        at = at.putObject(resultPath.get(i));
                    } else if (next.isObject()) {
                        at = (com.fasterxml.jackson.databind.node.ObjectNode) next;
                    } else {
                        throw new MapFailedException("States.ResultPathMatchFailure", "ResultPath " + resultPathText
                            + " cannot be applied: " + resultPath.get(i) + " is not an object in the state's input",
                            List.of());
                    }
                }
                at.set(resultPath.get(resultPath.size() - 1), JSON.readTree(selected));
                combined = JSON.writeValueAsString(root);
            } catch (java.io.IOException e) {
                throw new MapFailedException(MapFailedException.RUNTIME, "the input is not JSON: " + e.getMessage(),
                    List.of());
            }
        }
        if (outputPath == null) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
        final byte[] bytes = combined.getBytes(StandardCharsets.UTF_8);
        final String out = outputPath.evaluate(bytes, 0, bytes.length);
        if (out == null) {
            throw new MapFailedException(MapFailedException.RUNTIME, "OutputPath " + outputPath.text()
                + " reaches nothing in the state's output", List.of());
        }
        return out.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /**
     * An ItemSelector path that reaches nothing, or an item too large for its batch: the map fails with
     * {@code States.Runtime}.
     */
    private static final class MissingPath extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingPath(final String message) {
            super(message, null, false, false);
        }
    }

    /** A compiled ItemSelector: fields with paths, nested objects, constants. */
    private static final class Selector {
        private final Map<String, Object> fields;  // name -> String constant JSON, PathRef, or Selector

        private record PathRef(String source, EventPath path, String text, String field) {
        }

        private Selector(final Map<String, Object> fields) {
            this.fields = fields;
        }

        static Selector compile(final String json, final String where) {
            final com.fasterxml.jackson.databind.JsonNode node;
            try {
                node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage() + " at char "
                    + e.getLocation().getCharOffset());
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(where + ": must be a JSON object");
            }
            return compile(node, where);
        }

        private static Selector compile(final com.fasterxml.jackson.databind.JsonNode node, final String where) {
            final Map<String, Object> fields = new LinkedHashMap<>();
            final Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = node.fields();
            while (it.hasNext()) {
                final Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> field = it.next();
                final String name = field.getKey();
                final String at = where + "." + name;
                if (name.endsWith(".$")) {
                    if (!field.getValue().isTextual()) {
                        throw new IllegalArgumentException(at + ": a field ending in .$ takes a path string");
                    }
                    fields.put(name.substring(0, name.length() - 2), pathRef(field.getValue().textValue(), at));
                } else if (field.getValue().isObject()) {
                    fields.put(name, compile(field.getValue(), at));
                } else {
                    fields.put(name, field.getValue().toString());
                }
            }
            return new Selector(fields);
        }

        private static PathRef pathRef(final String path, final String at) {
            try {
                if (path.equals("$$.Map.Item.Index")) {
                    return new PathRef("index", null, path, at);
                }
                if (path.startsWith("$$.Map.Item.Value")) {
                    return new PathRef("item", EventPath.compile("$" + path.substring("$$.Map.Item.Value".length())),
                        path, at);
                }
                if (path.startsWith("$$")) {
                    throw new IllegalArgumentException("path " + path
                        + ": only $$.Map.Item.Value and $$.Map.Item.Index of the context are supported");
                }
                return new PathRef("input", EventPath.compile(path), path, at);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage());
            }
        }

        String apply(final byte[] input, final String item, final int index) {
            final StringBuilder out = new StringBuilder("{");
            boolean first = true;
            final byte[] itemBytes = item.getBytes(StandardCharsets.UTF_8);
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                final String value;
                if (field.getValue() instanceof PathRef ref) {
                    value = switch (ref.source()) {
                        case "index" -> Integer.toString(index);
                        case "item" -> ref.path().evaluate(itemBytes, 0, itemBytes.length);
                        default -> ref.path().evaluate(input, 0, input.length);
                    };
                    if (value == null) {
                        // Step Functions' States.Runtime for a path that reaches nothing
                        throw new MissingPath("The JSONPath '" + ref.text() + "' specified for the field '"
                            + ref.field().substring(ref.field().lastIndexOf('.', ref.field().length() - 3) + 1)
                            + "' could not be found in the input '" + ("item".equals(ref.source()) ? item
                                : new String(input, StandardCharsets.UTF_8)) + "'");
                    }
                } else if (field.getValue() instanceof Selector nested) {
                    value = nested.apply(input, item, index);
                } else {
                    value = (String) field.getValue();
                }
                out.append(first ? "" : ",");
                first = false;
                out.append('"').append(new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                    .quoteAsString(field.getKey()))).append("\":").append(value == null ? "null" : value);
            }
            return out.append('}').toString();
        }
    }

    /** Builds a {@link MapState}; every setting is checked when it is set. */
    public static final class Builder {
        private final ItemProcessor processor;
        private EventPath itemsPath = EventPath.compile("$");
        private Selector itemSelector;
        private Selector resultSelector;
        private List<String> resultPath = List.of();
        private String resultPathText = "$";
        private EventPath outputPath = EventPath.compile("$");
        private int maxItemsPerBatch;
        private int maxInputBytesPerBatch;
        private String batchInput;
        private int maxConcurrency;
        private Integer toleratedFailureCount;
        private Double toleratedFailurePercentage;

        private Builder(final ItemProcessor processor) {
            if (processor == null) {
                throw new IllegalArgumentException("ItemProcessor is required");
            }
            this.processor = processor;
        }

        /** ItemsPath: where the array is in the input (default {@code $}). */
        public Builder itemsPath(final String path) {
            try {
                itemsPath = EventPath.compile(path);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ItemsPath: " + e.getMessage());
            }
            return this;
        }

        /** ItemSelector: a JSON object building each item's input. */
        public Builder itemSelector(final String json) {
            itemSelector = Selector.compile(json, "ItemSelector");
            return this;
        }

        /** ResultSelector: a JSON object built from the results array ({@code $} is the array). */
        public Builder resultSelector(final String json) {
            resultSelector = Selector.compile(json, "ResultSelector");
            return this;
        }

        /**
         * ResultPath: {@code $} (default) replaces the input with the result, {@code $.a.b} sets that field of the
         * input, {@code null} keeps the input and drops the result.
         */
        public Builder resultPath(final String path) {
            if (path == null) {
                resultPath = null;
                resultPathText = null;
                return this;
            }
            if (!path.matches("\\$(\\.[A-Za-z0-9_\\-]+)*")) {
                throw new IllegalArgumentException("ResultPath: " + path + " must be $ or $.field.field... (a "
                    + "reference path of field names)");
            }
            resultPath = path.equals("$") ? List.of() : List.of(path.substring(2).split("\\."));
            resultPathText = path;
            return this;
        }

        /** OutputPath: what part of the combined output goes on ({@code $} default; {@code null} for {@code {}}). */
        public Builder outputPath(final String path) {
            try {
                outputPath = path == null ? null : EventPath.compile(path);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("OutputPath: " + e.getMessage());
            }
            return this;
        }

        /** ItemBatcher.MaxItemsPerBatch: items per processor call (0: one item, not wrapped). */
        public Builder maxItemsPerBatch(final int items) {
            if (items < 0) {
                throw new IllegalArgumentException("MaxItemsPerBatch=" + items + ": must not be negative");
            }
            maxItemsPerBatch = items;
            return this;
        }

        /**
         * ItemBatcher.MaxInputBytesPerBatch: the most bytes of a batch's input, 1-262,144 (Step Functions' 256 KiB
         * limit); 0 for none. Either this or MaxItemsPerBatch turns batching on.
         */
        public Builder maxInputBytesPerBatch(final int bytes) {
            if (bytes < 0 || bytes > 262_144) {
                throw new IllegalArgumentException("MaxInputBytesPerBatch=" + bytes + ": must be between 1 and 262144"
                    + " (0 for none)");
            }
            maxInputBytesPerBatch = bytes;
            return this;
        }

        /** ItemBatcher.BatchInput: JSON merged into every batch as {@code BatchInput}. */
        public Builder batchInput(final String json) {
            try {
                if (JsonValues.elements(json) != null || !json.strip().startsWith("{")) {
                    throw new IllegalArgumentException("must be a JSON object");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("BatchInput: " + e.getMessage());
            }
            batchInput = json.strip();
            return this;
        }

        /** MaxConcurrency: 0 for no limit, 1 for one at a time in array order. */
        public Builder maxConcurrency(final int value) {
            if (value < 0) {
                throw new IllegalArgumentException("MaxConcurrency=" + value + ": must not be negative");
            }
            maxConcurrency = value;
            return this;
        }

        /** ToleratedFailureCount: failed items tolerated. */
        public Builder toleratedFailureCount(final int value) {
            if (value < 0) {
                throw new IllegalArgumentException("ToleratedFailureCount=" + value + ": must not be negative");
            }
            toleratedFailureCount = value;
            return this;
        }

        /** ToleratedFailurePercentage: 0-100, of the items. */
        public Builder toleratedFailurePercentage(final double value) {
            if (!(value >= 0 && value <= 100)) {
                throw new IllegalArgumentException("ToleratedFailurePercentage=" + value
                    + ": must be between 0 and 100");
            }
            toleratedFailurePercentage = value;
            return this;
        }

        /** @return the state. */
        public MapState build() {
            return new MapState(this);
        }
    }
}
