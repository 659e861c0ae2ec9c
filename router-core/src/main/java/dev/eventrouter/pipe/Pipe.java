package dev.eventrouter.pipe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.eventrouter.source.AwsRecords;
import dev.eventrouter.source.BatchHandler;
import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.EventSourceMapping;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.PartitionedSource;
import dev.eventrouter.source.Poller;
import dev.eventrouter.source.QueueMapping;
import dev.eventrouter.source.QueueSource;
import dev.eventrouter.source.SourceRecord;
import dev.eventrouter.target.JsonValues;
import dev.eventrouter.target.TargetInput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.agrona.concurrent.EpochClock;

/**
 * An EventBridge pipe: source → filter → enrichment (optional) → input transformer (optional) → target, run as
 * an event-source mapping. The source's settings ({@link MappingConfig}: batch size, window, filters, and for streams
 * retries, record age, bisection and an on-failure destination) are the pipe's; a failed enrichment or target fails
 * the batch, which is retried through the whole pipe (a queue source's messages come back after their visibility
 * timeout, its redrive policy is the pipe's dead-letter queue). Order is kept: one batch at a time per lane.
 *
 * <p>Records travel in their source's AWS shape ({@link AwsRecords}), as AWS Pipes hands them on: a stream record as
 * Pipes' flat Kinesis record ({@code data} base64), a queue message as an Amazon SQS message ({@code body} its
 * text). The enrichment gets the batch as a JSON array of those records; without an enrichment or a transform, the
 * target gets each record. Transforms in the Pipes syntax ({@link PipeTemplate}) may shape each event before the
 * enrichment and before the target; alternatively the EventBridge target engine ({@link TargetInput}) shapes each
 * event before the target, with the pipe's name and ARN as {@code <aws.events.rule-name>} and
 * {@code <aws.events.rule-arn>}. A transform of a source record reads it decoded, as AWS's "implicit body data
 * parsing" does: {@code <$.body.orderId>} and {@code <$.data.orderId>} reach into a JSON body or data, while
 * {@code <aws.pipes.event>} is the record as received. Filters match the same decoded record
 * ({@link dev.eventrouter.source.RecordFilter}). After an enrichment, transforms read what it returned.
 */
public final class Pipe {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern NAME = Pattern.compile("[.\\-_A-Za-z0-9]{1,64}");

    private final String name;
    private final String arn;
    private final MappingConfig source;
    private final Enrichment enrichment;
    private final TargetInput input;
    /** Pipes-syntax transforms before the enrichment and before the target; {@code null} for none. */
    private final PipeTemplate enrichmentTemplate;
    private final PipeTemplate targetTemplate;
    private final String sourceArn;
    private final String enrichmentArn;
    private final String targetArn;
    private final String roleArn;
    private final PipeTarget target;
    private final EpochClock clock;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong enrichedAway = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile EventSourceMapping streamMapping;
    private volatile QueueMapping queueMapping;
    private volatile PipeState desiredState;

    private Pipe(final Builder builder) {
        name = builder.name;
        arn = builder.arn != null ? builder.arn : "arn:aws:pipes:us-east-1:123456789012:pipe/" + name;
        source = builder.source;
        enrichment = builder.enrichment;
        input = builder.input;
        enrichmentTemplate = builder.enrichmentTemplate;
        targetTemplate = builder.targetTemplate;
        sourceArn = builder.sourceArn;
        enrichmentArn = builder.enrichmentArn;
        targetArn = builder.targetArn;
        roleArn = builder.roleArn;
        target = builder.target;
        clock = builder.clock;
        desiredState = builder.desiredState;
    }

    /** @return a builder for a pipe with this name (1-64 letters, digits, '.', '-', '_'). */
    public static Builder builder(final String name) {
        return new Builder(name);
    }

    /**
     * Starts the pipe over a stream on a poller; checkpoints are kept under the pipe's name.
     *
     * @throws IllegalStateException when it was started already.
     */
    public synchronized Pipe start(final Poller poller, final PartitionedSource stream,
                                   final CheckpointStore checkpoints) {
        requireNotStarted();
        final AwsRecords.Origin origin = origin(stream.arn());
        streamMapping = poller.add(source, stream, checkpoints, handler(
            (json, partition, record, decoded) -> stream.writePipeRecord(json, origin, partition, record, decoded)));
        streamMapping.enabled(desiredState == PipeState.RUNNING);
        return this;
    }

    /**
     * Starts the pipe over a queue on a poller.
     *
     * @throws IllegalStateException    when it was started already.
     * @throws IllegalArgumentException when its source settings hold stream-only settings.
     */
    public synchronized Pipe start(final Poller poller, final QueueSource queue) {
        requireNotStarted();
        final AwsRecords.Origin origin = origin("eventrouter:source:" + queue.getClass().getSimpleName());
        queueMapping = poller.add(source, queue, handler((json, partition, record, decoded) -> AwsRecords.sqs(json,
            origin, queue.receiveCount(record.position()), null, record, decoded)));
        queueMapping.enabled(desiredState == PipeState.RUNNING);
        return this;
    }

    /** The records' eventSourceARN (the given source ARN, else what the source calls itself), region and role. */
    private AwsRecords.Origin origin(final String sourceName) {
        final String[] parts = arn.split(":", 6);
        final String region = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : "us-east-1";
        return new AwsRecords.Origin(sourceArn != null ? sourceArn : sourceName, region, roleArn);
    }

    /** Writes one source record's members, as received or decoded. */
    @FunctionalInterface
    private interface Shape {
        void write(JsonGenerator json, int partition, SourceRecord record, boolean decoded) throws IOException;
    }

    private void requireNotStarted() {
        if (streamMapping != null || queueMapping != null) {
            throw new IllegalStateException("pipe " + name + " is started already");
        }
    }

    private BatchHandler handler(final Shape shape) {
        final TargetInput.ShapeContext context = new TargetInput.ShapeContext() {
            @Override
            public String ruleName() {
                return name;
            }

            @Override
            public String ruleArn() {
                return arn;
            }

            @Override
            public long ingestionTimeMillis() {
                return clock.time();
            }
        };
        final boolean decodes = enrichmentTemplate != null || (enrichment == null && (targetTemplate != null
            || (input != null && !input.isWholeEvent())));
        return (partition, records) -> {
            received.addAndGet(records.size());
            try {
                List<byte[]> events = new ArrayList<>(records.size());
                List<byte[]> views = events;
                for (SourceRecord record : records) {
                    events.add(write(shape, partition, record, false));
                }
                if (decodes) {
                    views = new ArrayList<>(records.size());
                    for (SourceRecord record : records) {
                        views.add(write(shape, partition, record, true));
                    }
                }
                if (enrichmentTemplate != null) {
                    events = render(enrichmentTemplate, events, views);
                    views = events;
                }
                if (enrichment != null) {
                    events = split(enrichment.enrich(array(events)));
                    views = events;
                    if (events.isEmpty()) {
                        enrichedAway.incrementAndGet();
                        return null;
                    }
                }
                if (targetTemplate != null) {
                    events = render(targetTemplate, events, views);
                } else if (input != null && !input.isWholeEvent()) {
                    final List<byte[]> shaped = new ArrayList<>(events.size());
                    for (byte[] view : views) {
                        shaped.add(input.shape(view, 0, view.length, context));
                    }
                    events = shaped;
                }
                target.deliver(events);
                delivered.addAndGet(events.size());
                return null;
            } catch (Exception e) {
                failed.incrementAndGet();
                throw e;
            }
        };
    }

    /** @return one record as a JSON object in its source's shape. */
    private static byte[] write(final Shape shape, final int partition, final SourceRecord record,
                                final boolean decoded) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(record.data().length * 2 + 320);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            shape.write(json, partition, record, decoded);
            json.writeEndObject();
        }
        return out.toByteArray();
    }

    /** @return each event through a Pipes template, its ingestion time this transform's. */
    private List<byte[]> render(final PipeTemplate template, final List<byte[]> events, final List<byte[]> views) {
        final PipeTemplate.Context context = new PipeTemplate.Context(arn, name, sourceArn, enrichmentArn, targetArn,
            clock.time());
        final List<byte[]> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            out.add(template.render(events.get(i), views.get(i), context));
        }
        return out;
    }

    private static byte[] array(final List<byte[]> events) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(events.get(i));
        }
        out.write(']');
        return out.toByteArray();
    }

    /**
     * The enrichment's answer as events: an array's elements, or one value; {@code ""}, {@code {}} and {@code []}
     * are none.
     *
     * @throws IllegalStateException when it is not JSON, naming the character offset.
     */
    static List<byte[]> split(final byte[] answer) {
        final String text = new String(answer, StandardCharsets.UTF_8).strip();
        if (text.isEmpty() || text.equals("\"\"") || text.replace(" ", "").equals("{}")) {
            return List.of();
        }
        final List<String> elements;
        try {
            elements = JsonValues.elements(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("enrichment returned invalid JSON: " + e.getMessage(), e);
        }
        if (elements == null) {
            return List.of(text.getBytes(StandardCharsets.UTF_8));
        }
        final List<byte[]> events = new ArrayList<>(elements.size());
        for (String element : elements) {
            events.add(element.getBytes(StandardCharsets.UTF_8));
        }
        return events;
    }

    /** @return the pipe's name. */
    public String name() {
        return name;
    }

    /** @return the pipe's ARN. */
    public String arn() {
        return arn;
    }

    /** @return records that passed the filters into the pipe (counted again when a failed batch is retried). */
    public long received() {
        return received.get();
    }

    /** @return events the target accepted. */
    public long delivered() {
        return delivered.get();
    }

    /** @return batches the enrichment filtered away (it returned no events). */
    public long enrichedAway() {
        return enrichedAway.get();
    }

    /** @return batch attempts that failed in the enrichment or the target. */
    public long failed() {
        return failed.get();
    }

    /** DesiredState: RUNNING (true) or STOPPED (false); takes effect at once on a started pipe. */
    public void running(final boolean value) {
        desiredState = value ? PipeState.RUNNING : PipeState.STOPPED;
        if (streamMapping != null) {
            streamMapping.enabled(value);
        }
        if (queueMapping != null) {
            queueMapping.enabled(value);
        }
    }

    /** @return DesiredState: {@link PipeState#RUNNING} or {@link PipeState#STOPPED}. */
    public PipeState desiredState() {
        return desiredState;
    }

    /** @return CurrentState: {@link PipeState#CREATING} until started, then the desired state. */
    public PipeState currentState() {
        return streamMapping == null && queueMapping == null ? PipeState.CREATING : desiredState;
    }

    /** Builds a {@link Pipe}; every setting is checked when it is set or at {@link #build()}. */
    public static final class Builder {
        private final String name;
        private String arn;
        private MappingConfig source;
        private Enrichment enrichment;
        private TargetInput input;
        private PipeTemplate enrichmentTemplate;
        private PipeTemplate targetTemplate;
        private String sourceArn;
        private String enrichmentArn;
        private String targetArn;
        private String roleArn;
        private PipeTarget target;
        private EpochClock clock = System::currentTimeMillis;
        private PipeState desiredState = PipeState.RUNNING;

        private Builder(final String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Name=" + name
                    + ": must be 1-64 characters of letters, digits, '.', '-' and '_'");
            }
            this.name = name;
        }

        /** SourceParameters: batching, filters and (streams) the failure policy; the mapping takes the pipe's name. */
        public Builder source(final MappingConfig value) {
            source = value;
            return this;
        }

        /** An optional enrichment. */
        public Builder enrichment(final Enrichment value) {
            enrichment = value;
            return this;
        }

        /** An optional input transformer (or constant, or path) applied to each event before the target. */
        public Builder targetInput(final TargetInput value) {
            input = value;
            return this;
        }

        /**
         * TargetParameters.InputTemplate in the Pipes syntax ({@link PipeTemplate}: inline {@code <$.path>} and the
         * {@code <aws.pipes.*>} variables), applied to each event after the enrichment.
         *
         * @throws IllegalArgumentException naming the placeholder and its offset.
         */
        public Builder inputTemplate(final String template) {
            targetTemplate = compile(template, "TargetParameters.InputTemplate");
            return this;
        }

        /**
         * EnrichmentParameters.InputTemplate: each event is transformed before the batch goes to the enrichment.
         *
         * @throws IllegalArgumentException naming the placeholder and its offset.
         */
        public Builder enrichmentInputTemplate(final String template) {
            enrichmentTemplate = compile(template, "EnrichmentParameters.InputTemplate");
            return this;
        }

        private PipeTemplate compile(final String template, final String field) {
            try {
                return PipeTemplate.compile(template);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("pipe " + name + ": " + field + ": "
                    + e.getMessage().replaceFirst("^InputTemplate: ", ""), e);
            }
        }

        /** The ARNs of {@code <aws.pipes.source-arn>}, {@code <aws.pipes.enrichment-arn>} and {@code target-arn}. */
        public Builder arns(final String source, final String enrichmentResource, final String targetResource) {
            sourceArn = source;
            enrichmentArn = enrichmentResource;
            targetArn = targetResource;
            return this;
        }

        /** RoleArn: the pipe's execution role, a stream record's {@code invokeIdentityArn} (optional here). */
        public Builder roleArn(final String value) {
            roleArn = value;
            return this;
        }

        /**
         * DesiredState when started (default RUNNING; STOPPED creates it stopped).
         *
         * @throws IllegalArgumentException for any other state.
         */
        public Builder desiredState(final PipeState value) {
            if (value != PipeState.RUNNING && value != PipeState.STOPPED) {
                throw new IllegalArgumentException("pipe " + name + ": DesiredState must be RUNNING or STOPPED, got "
                    + value);
            }
            desiredState = value;
            return this;
        }

        /** The target (required). */
        public Builder target(final PipeTarget value) {
            target = value;
            return this;
        }

        /** The pipe's ARN (default {@code arn:aws:pipes:us-east-1:123456789012:pipe/NAME}). */
        public Builder arn(final String value) {
            arn = value;
            return this;
        }

        /** The clock of {@code <aws.events.event.ingestion-time>} (default the system clock). */
        public Builder clock(final EpochClock value) {
            clock = value;
            return this;
        }

        /** @throws IllegalArgumentException naming a missing Source or Target. */
        public Pipe build() {
            if (source == null) {
                throw new IllegalArgumentException("pipe " + name + ": Source parameters are required");
            }
            if (target == null) {
                throw new IllegalArgumentException("pipe " + name + ": Target is required");
            }
            if (source.batchSize() > target.maxBatchSize()) {
                throw new IllegalArgumentException("pipe " + name + ": the source's BatchSize " + source.batchSize()
                    + " exceeds the " + target.maxBatchSize() + " events its target takes at a time");
            }
            if (input != null && targetTemplate != null) {
                throw new IllegalArgumentException("pipe " + name + ": give either a targetInput (EventBridge "
                    + "syntax) or an inputTemplate (Pipes syntax), not both");
            }
            if (enrichmentTemplate != null && enrichment == null) {
                throw new IllegalArgumentException("pipe " + name + ": EnrichmentParameters.InputTemplate needs an "
                    + "enrichment");
            }
            source = source.withName(name);
            return new Pipe(this);
        }
    }
}
