package dev.eventrouter.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventrouter.source.CheckpointStore;
import dev.eventrouter.source.InMemorySource;
import dev.eventrouter.source.MappingConfig;
import dev.eventrouter.source.Poller;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Input templates in the Pipes syntax (Pipes user guide, "Amazon EventBridge Pipes input transformation": a static
 * string, a bare JSON path, a string with placeholders, JSON with placeholders; paths written inline; the reserved
 * {@code aws.pipes.*} variables, {@code <aws.pipes.event.json>} only as a JSON value; the ingestion time differing
 * between the enrichment's transform and the target's).
 */
class PipeTemplateTest {
    private static final String EVENT = "{\"body\":{\"orderId\":\"o-1\",\"total\":12.5,\"items\":[1,2]},"
        + "\"attributes\":{\"x\":\"a \\\"q\\\"\"}}";
    private static final PipeTemplate.Context CONTEXT = new PipeTemplate.Context(
        "arn:aws:pipes:us-east-1:123456789012:pipe/p", "p", "arn:aws:sqs:us-east-1:123456789012:orders", null,
        "arn:aws:events:us-east-1:123456789012:event-bus/default", Instant.parse("2026-12-03T10:00:00.750Z")
        .toEpochMilli());

    private static String render(final String template) {
        return new String(PipeTemplate.compile(template).render(EVENT.getBytes(StandardCharsets.UTF_8), CONTEXT),
            StandardCharsets.UTF_8);
    }

    @Test
    void shouldFillJsonTemplatesWithJsonValuesOutsideStringsAndTextInside() {
        assertEquals("{\"id\": \"o-1\", \"total\": 12.5, \"items\": [1,2], \"label\": \"order o-1 of 12.5\", "
            + "\"quoted\": \"a \\\"q\\\"\", \"missing\": null, \"inText\": \"[]\"}",
            render("{\"id\": <$.body.orderId>, \"total\": <$.body.total>, \"items\": <$.body.items>, "
                + "\"label\": \"order <$.body.orderId> of <$.body.total>\", \"quoted\": \"<$.attributes.x>\", "
                + "\"missing\": <$.body.nope>, \"inText\": \"[<$.body.nope>]\"}"));
        assertEquals("[<not a placeholder>, \"o-1\"]", render("[<not a placeholder>, <$.body.orderId>]"));
    }

    @Test
    void shouldFillTextTemplatesWithTextAndABarePathWithItsJson() {
        assertEquals("Order o-1 costs 12.5", render("Order <$.body.orderId> costs <$.body.total>"));
        assertEquals("{\"orderId\":\"o-1\",\"total\":12.5,\"items\":[1,2]}", render("<$.body>"));
        assertEquals(" \"o-1\"\n", render(" <$.body.orderId>\n"), "the whitespace around a bare path is kept");
        assertEquals("static", render("static"));
    }

    @Test
    void shouldFillTheReservedVariables() {
        assertEquals("{\"pipe\": \"arn:aws:pipes:us-east-1:123456789012:pipe/p\", \"name\": \"p\", \"source\": "
            + "\"arn:aws:sqs:us-east-1:123456789012:orders\", \"enrichment\": null, \"target\": "
            + "\"arn:aws:events:us-east-1:123456789012:event-bus/default\", \"at\": \"2026-12-03T10:00:00Z\", "
            + "\"event\": " + EVENT + ", \"json\": " + EVENT + "}",
            render("{\"pipe\": <aws.pipes.pipe-arn>, \"name\": <aws.pipes.pipe-name>, \"source\": "
                + "<aws.pipes.source-arn>, \"enrichment\": <aws.pipes.enrichment-arn>, \"target\": "
                + "<aws.pipes.target-arn>, \"at\": <aws.pipes.event.ingestion-time>, \"event\": <aws.pipes.event>, "
                + "\"json\": <aws.pipes.event.json>}"));
        assertEquals("pipe p at 2026-12-03T10:00:00Z", render("pipe <aws.pipes.pipe-name> at "
            + "<aws.pipes.event.ingestion-time>"));
    }

    @Test
    void shouldRefuseBadPlaceholdersNamingThemAndTheirOffset() {
        assertEquals("InputTemplate: <aws.pipes.event.json> at offset 7 may only be used as a JSON value",
            assertThrows(IllegalArgumentException.class,
                () -> PipeTemplate.compile("{\"e\": \"<aws.pipes.event.json>\"}")).getMessage());
        assertEquals("InputTemplate: <aws.pipes.event.json> at offset 6 may only be used as a JSON value",
            assertThrows(IllegalArgumentException.class, () -> PipeTemplate.compile("event <aws.pipes.event.json>"))
                .getMessage());
        assertEquals("InputTemplate: <aws.pipes.rule-name> at offset 6 is neither a JSON path ($...) nor one of "
            + "[aws.pipes.pipe-arn, aws.pipes.pipe-name, aws.pipes.source-arn, aws.pipes.enrichment-arn, "
            + "aws.pipes.target-arn, aws.pipes.event.ingestion-time, aws.pipes.event, aws.pipes.event.json]",
            assertThrows(IllegalArgumentException.class, () -> PipeTemplate.compile("{\"r\": <aws.pipes.rule-name>}"))
                .getMessage());
        assertEquals("InputTemplate: must be 1-8192 characters", assertThrows(IllegalArgumentException.class,
            () -> PipeTemplate.compile("x".repeat(8193))).getMessage());
    }

    /** Both transforms in a running pipe: before the enrichment, then before the target, each at its own time. */
    @Test
    void shouldTransformBeforeTheEnrichmentAndBeforeTheTarget() {
        final AtomicLong clock = new AtomicLong(Instant.parse("2026-12-03T10:00:00Z").toEpochMilli());
        final InMemorySource source = new InMemorySource(1);
        final List<String> enrichmentInputs = new ArrayList<>();
        final List<String> delivered = new ArrayList<>();
        final Poller poller = new Poller(clock::get);
        Pipe.builder("orders").source(MappingConfig.of("orders", 10, 0))
            .arns("arn:aws:kinesis:us-east-1:123456789012:stream/orders",
                "arn:aws:lambda:us-east-1:123456789012:function:e", "arn:aws:events:us-east-1:123456789012:event-bus/default")
            .enrichmentInputTemplate("{\"orderId\": <$.data.orderId>, \"at\": <aws.pipes.event.ingestion-time>}")
            .enrichment(batch -> {
                enrichmentInputs.add(new String(batch, StandardCharsets.UTF_8));
                clock.addAndGet(61_000);   // the enrichment takes a minute: the target's transform is later
                return batch;
            })
            .inputTemplate("{\"order\": \"<$.orderId>\", \"enriched\": <$.at>, \"sent\": "
                + "<aws.pipes.event.ingestion-time>, \"by\": <aws.pipes.enrichment-arn>}")
            .target(events -> events.forEach(e -> delivered.add(new String(e, StandardCharsets.UTF_8))))
            .clock(clock::get).build().start(poller, source, CheckpointStore.inMemory());
        source.append(0, null, clock.get(), "{\"orderId\":\"o-7\"}".getBytes(StandardCharsets.UTF_8));
        poller.doWork();
        poller.doWork();
        assertEquals(List.of("[{\"orderId\": \"o-7\", \"at\": \"2026-12-03T10:00:00Z\"}]"), enrichmentInputs);
        assertEquals(List.of("{\"order\": \"o-7\", \"enriched\": \"2026-12-03T10:00:00Z\", \"sent\": "
            + "\"2026-12-03T10:01:01Z\", \"by\": \"arn:aws:lambda:us-east-1:123456789012:function:e\"}"), delivered);
    }

    @Test
    void shouldRefuseConflictingOrOrphanTemplatesWhenBuilt() {
        assertEquals("pipe p: give either a targetInput (EventBridge syntax) or an inputTemplate (Pipes syntax), not "
            + "both", assertThrows(IllegalArgumentException.class, () -> Pipe.builder("p")
                .source(MappingConfig.of("p", 1, 0)).targetInput(dev.eventrouter.target.TargetInput.constant("{}"))
                .inputTemplate("{}").target(events -> { }).build()).getMessage());
        assertEquals("pipe p: EnrichmentParameters.InputTemplate needs an enrichment", assertThrows(
            IllegalArgumentException.class, () -> Pipe.builder("p").source(MappingConfig.of("p", 1, 0))
                .enrichmentInputTemplate("{}").target(events -> { }).build()).getMessage());
        assertEquals("pipe p: TargetParameters.InputTemplate: placeholder <$.a[> at offset 0: path $.a[ at offset 3: "
            + "unclosed '['", assertThrows(IllegalArgumentException.class,
                () -> Pipe.builder("p").inputTemplate("<$.a[>")).getMessage());
    }
}
