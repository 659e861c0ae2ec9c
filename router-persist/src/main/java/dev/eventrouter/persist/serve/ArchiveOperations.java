package dev.eventrouter.persist.serve;

import dev.eventrouter.persist.kafka.DistributedBus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.NoSuchResourceException;
import dev.eventrouter.bus.ResourceExistsException;
import dev.eventrouter.persist.archive.ArchiveDescription;
import dev.eventrouter.persist.archive.ArchiveSpec;
import dev.eventrouter.persist.archive.ArchiveStage;
import dev.eventrouter.persist.replay.Replay;
import dev.eventrouter.persist.replay.ReplayAgent;
import dev.eventrouter.persist.replay.ReplaySpec;
import dev.eventrouter.persist.replay.ReplayState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CreateArchive, DescribeArchive, ListArchives, UpdateArchive, DeleteArchive, StartReplay, DescribeReplay,
 * ListReplays and CancelReplay over the router's {@link ArchiveStage} and {@link ReplayAgent}. Archives live under
 * {@code dataDir/archives/<name>}; calls are authorized as the signing principal (docs/accounts.md).
 */
final class ArchiveOperations {
    private final EventsApi api;
    private final ArchiveStage archives;
    private final ReplayAgent replays;
    private final Path dataDir;
    private final Map<String, Instant> created = new ConcurrentHashMap<>();
    private final Map<String, String> descriptions = new ConcurrentHashMap<>();

    ArchiveOperations(final EventsApi api, final ArchiveStage archives, final ReplayAgent replays,
                      final Path dataDir) {
        this.api = api;
        this.archives = archives;
        this.replays = replays;
        this.dataDir = dataDir;
        api.archivedBuses((caller, bus) -> {
            try {
                final EventBus found = caller.eventBus(bus);
                return archives.hasArchive(found.arn()) ? found : null;
            } catch (IllegalArgumentException e) {
                return null;   // deleted since the entry was accepted: nothing to wait for
            }
        });
        api.register("CreateArchive", this::createArchive);
        api.register("DescribeArchive", this::describeArchive);
        api.register("ListArchives", this::listArchives);
        api.register("UpdateArchive", this::updateArchive);
        api.register("DeleteArchive", this::deleteArchive);
        api.register("StartReplay", this::startReplay);
        api.register("DescribeReplay", this::describeReplay);
        api.register("ListReplays", this::listReplays);
        api.register("CancelReplay", this::cancelReplay);
    }

    private String arn(final EventsApi.Call call, final String kind, final String name) {
        final EventBus bus = call.caller().eventBus(null);
        return "arn:aws:events:" + bus.region() + ":" + call.caller().principal().account() + ":" + kind + "/" + name;
    }

    private JsonNode createArchive(final EventsApi.Call call) {
        final String name = call.required("ArchiveName");
        final String source = call.required("EventSourceArn");
        final JsonNode retention = call.body().get("RetentionDays");
        final DistributedBus distributed = api.distributedOf(call, source);
        if (distributedArchive(name) != null || archives.list().contains(name)) {
            throw new ApiException("ResourceAlreadyExistsException", "Archive " + name + " already exists.");
        }
        if (distributed != null) {
            // the bus's events topic is the archive: every node knows it through the bus's control topic
            call.caller().authorize("events:CreateArchive", source);
            final DistributedBus.Archive archive = distributed.createArchive(name, call.text("EventPattern"),
                call.text("Description"), retention == null || retention.isNull() ? 0 : retention.asInt());
            return EventsApi.JSON.createObjectNode().put("ArchiveArn", arn(call, "archive", name))
                .put("State", "ENABLED").put("CreationTime", archive.creationTime() / 1000.0);
        }
        final ArchiveSpec spec = new ArchiveSpec(name, source, call.text("EventPattern"),
            retention == null || retention.isNull() ? 0 : retention.asInt(), dataDir.resolve("archives").resolve(name));
        try {
            archives.create(api.router(), call.caller().principal(), spec);
        } catch (ResourceExistsException e) {
            throw new ApiException("ResourceAlreadyExistsException", "Archive " + name + " already exists.");
        }
        created.put(name, Instant.now());
        if (call.text("Description") != null) {
            descriptions.put(name, call.text("Description"));
        }
        return EventsApi.JSON.createObjectNode().put("ArchiveArn", arn(call, "archive", name))
            .put("State", "ENABLED").put("CreationTime", seconds(created.get(name)));
    }

    private static double seconds(final Instant instant) {
        return instant == null ? 0 : instant.toEpochMilli() / 1000.0;
    }

    private ArchiveDescription find(final String name) {
        try {
            return archives.describe(name);
        } catch (NoSuchResourceException e) {
            throw ApiException.notFound("Archive " + name + " does not exist.");
        }
    }

    private ObjectNode describe(final EventsApi.Call call, final ArchiveDescription d) {
        final String name = d.spec().name();
        final ObjectNode out = EventsApi.JSON.createObjectNode().put("ArchiveArn", arn(call, "archive", name))
            .put("ArchiveName", name).put("EventSourceArn", d.spec().eventBus())
            .put("State", d.state()).put("RetentionDays", d.spec().retentionDays())
            .put("SizeBytes", d.sizeBytes()).put("EventCount", d.eventCount())
            .put("CreationTime", seconds(created.get(name)));
        if (d.spec().eventPattern() != null) {
            out.put("EventPattern", d.spec().eventPattern());
        }
        if (descriptions.containsKey(name)) {
            out.put("Description", descriptions.get(name));
        }
        if (d.failure() != null) {
            out.put("StateReason", d.failure());
        }
        return out;
    }

    private JsonNode describeArchive(final EventsApi.Call call) {
        final String name = call.required("ArchiveName");
        final DistributedBus distributed = distributedArchive(name);
        return distributed != null ? describe(call, distributed, distributed.archive(name)) : describe(call,
            find(name));
    }

    /**
     * @return the distributed bus that has an archive of this name, or {@code null}; each bus's view is first read up
     *         to its control topic's end (a change acknowledged on any node is seen here).
     */
    private DistributedBus distributedArchive(final String name) {
        for (DistributedBus bus : synced()) {
            if (bus.archives().stream().anyMatch(a -> a.name().equals(name))) {
                return bus;
            }
        }
        return null;
    }

    /**
     * A distributed bus's archive: its events topic seen through the archive's pattern; the topic's size is not
     * the archive's, so SizeBytes and EventCount are 0 (docs/scale-out.md).
     */
    private ObjectNode describe(final EventsApi.Call call, final DistributedBus bus,
                                final DistributedBus.Archive archive) {
        final ObjectNode out = EventsApi.JSON.createObjectNode().put("ArchiveArn", arn(call, "archive",
            archive.name())).put("ArchiveName", archive.name()).put("EventSourceArn", bus.localBus().arn())
            .put("State", "ENABLED").put("RetentionDays", archive.retentionDays()).put("SizeBytes", 0)
            .put("EventCount", 0).put("CreationTime", archive.creationTime() / 1000.0);
        if (archive.eventPattern() != null) {
            out.put("EventPattern", archive.eventPattern());
        }
        if (archive.description() != null) {
            out.put("Description", archive.description());
        }
        return out;
    }

    private JsonNode listArchives(final EventsApi.Call call) {
        final String prefix = call.text("NamePrefix");
        final String source = call.text("EventSourceArn");
        final String state = call.text("State");
        final List<JsonNode> items = new ArrayList<>();
        for (String name : archives.list()) {
            final ArchiveDescription d = archives.describe(name);
            if ((prefix == null || name.startsWith(prefix)) && (source == null || source.equals(d.spec().eventBus()))
                && (state == null || state.equals(d.state()))) {
                final ObjectNode item = describe(call, d);
                item.remove("ArchiveArn");
                item.remove("EventPattern");
                item.remove("Description");
                items.add(item);
            }
        }
        for (DistributedBus bus : synced()) {
            for (DistributedBus.Archive archive : bus.archives()) {
                if ((prefix == null || archive.name().startsWith(prefix))
                    && (source == null || source.equals(bus.localBus().arn())) && (state == null
                    || state.equals("ENABLED"))) {
                    final ObjectNode item = describe(call, bus, archive);
                    item.remove("ArchiveArn");
                    item.remove("EventPattern");
                    item.remove("Description");
                    items.add(item);
                }
            }
        }
        return EventsApi.page(call, items, "Archives");
    }

    private JsonNode updateArchive(final EventsApi.Call call) {
        final String name = call.required("ArchiveName");
        final DistributedBus distributed = distributedArchive(name);
        if (distributed != null) {
            call.caller().authorize("events:UpdateArchive", distributed.localBus().arn());
            final JsonNode retention = call.body().get("RetentionDays");
            final DistributedBus.Archive archive = distributed.updateArchive(name, call.text("EventPattern"),
                call.text("Description"), retention == null || retention.isNull() ? null : retention.asInt());
            return EventsApi.JSON.createObjectNode().put("ArchiveArn", arn(call, "archive", name))
                .put("State", "ENABLED").put("CreationTime", archive.creationTime() / 1000.0);
        }
        final ArchiveDescription d = find(name);
        call.caller().authorize("events:UpdateArchive", d.spec().eventBus());
        final JsonNode retention = call.body().get("RetentionDays");
        archives.update(api.router(), new ArchiveSpec(name, d.spec().eventBus(), call.body().has("EventPattern")
            ? call.text("EventPattern") : d.spec().eventPattern(), retention == null || retention.isNull()
                ? d.spec().retentionDays() : retention.asInt(), d.spec().dir()));
        if (call.text("Description") != null) {
            descriptions.put(name, call.text("Description"));
        }
        return EventsApi.JSON.createObjectNode().put("ArchiveArn", arn(call, "archive", name))
            .put("State", archives.describe(name).state()).put("CreationTime", seconds(created.get(name)));
    }

    private JsonNode deleteArchive(final EventsApi.Call call) {
        final String name = call.required("ArchiveName");
        final DistributedBus distributed = distributedArchive(name);
        if (distributed != null) {
            call.caller().authorize("events:DeleteArchive", distributed.localBus().arn());
            distributed.deleteArchive(name);
            return EventsApi.JSON.createObjectNode();
        }
        find(name);
        archives.delete(api.router(), call.caller().principal(), name);
        created.remove(name);
        descriptions.remove(name);
        return EventsApi.JSON.createObjectNode();
    }

    private JsonNode startReplay(final EventsApi.Call call) {
        final String name = call.required("ReplayName");
        final String source = call.required("EventSourceArn");
        final int slash = source.lastIndexOf(":archive/");
        if (slash < 0) {
            throw ApiException.validation("EventSourceArn must be an archive ARN, got " + source);
        }
        final String archiveName = source.substring(slash + 9);
        final DistributedBus distributed = distributedArchive(archiveName);
        if (distributed != null) {
            return startDistributedReplay(call, name, distributed, archiveName);
        }
        if (distributedReplay(name) != null) {
            throw new ApiException("ResourceAlreadyExistsException", "Replay " + name + " already exists.");
        }
        final ArchiveDescription archive = find(archiveName);
        final JsonNode destination = call.body().get("Destination");
        if (destination == null || !destination.hasNonNull("Arn")) {
            throw ApiException.validation("1 validation error detected: Value null at 'destination' failed to "
                + "satisfy constraint: Member must not be null");
        }
        final String bus = destination.get("Arn").asText();
        if (!bus.equals(archive.spec().eventBus())) {
            throw ApiException.validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is "
                + "not permitted.");
        }
        final List<String> rules = new ArrayList<>();
        destination.path("FilterArns").forEach(arn -> rules.add(ruleOf(arn.asText(), bus)));
        final long start = millis(call.body(), "EventStartTime");
        final long end = millis(call.body(), "EventEndTime");
        final Replay replay = replays.start(call.caller().principal(), new ReplaySpec(name, archive.spec().dir(),
            start, end, bus, rules, 0));
        if (call.text("Description") != null) {
            descriptions.put("replay:" + name, call.text("Description"));
        }
        created.put("replay:" + name, Instant.now());
        return EventsApi.JSON.createObjectNode().put("ReplayArn", arn(call, "replay", name))
            .put("State", replay.state().name()).put("ReplayStartTime", seconds(created.get("replay:" + name)));
    }

    /** StartReplay of a distributed bus's archive: runs on this node, recorded for every node. */
    private JsonNode startDistributedReplay(final EventsApi.Call call, final String name, final DistributedBus bus,
                                            final String archiveName) {
        final JsonNode destination = call.body().get("Destination");
        if (destination == null || !destination.hasNonNull("Arn")) {
            throw ApiException.validation("1 validation error detected: Value null at 'destination' failed to "
                + "satisfy constraint: Member must not be null");
        }
        final String busArn = bus.localBus().arn();
        if (!destination.get("Arn").asText().equals(busArn)) {
            throw ApiException.validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is "
                + "not permitted.");
        }
        call.caller().authorize("events:StartReplay", busArn);
        try {
            replays.describe(name);
            throw new ApiException("ResourceAlreadyExistsException", "Replay " + name + " already exists.");
        } catch (NoSuchResourceException e) {
            // the name is free on this node's archives too
        }
        final List<String> rules = new ArrayList<>();
        destination.path("FilterArns").forEach(arn -> rules.add(ruleOf(arn.asText(), busArn)));
        final DistributedBus.ReplayRecord replay;
        try {
            replay = bus.startReplay(name, archiveName, Instant.ofEpochMilli(millis(call.body(), "EventStartTime")),
                Instant.ofEpochMilli(millis(call.body(), "EventEndTime")), rules, call.text("Description"));
        } catch (dev.eventrouter.bus.ResourceExistsException e) {
            throw new ApiException("ResourceAlreadyExistsException", e.getMessage());
        }
        return EventsApi.JSON.createObjectNode().put("ReplayArn", arn(call, "replay", name))
            .put("State", replay.state().name()).put("ReplayStartTime", replay.startTime() / 1000.0);
    }

    /** @return the distributed buses, each read up to its control topic's end. */
    private java.util.Collection<DistributedBus> synced() {
        final java.util.Collection<DistributedBus> buses = api.distributedBuses();
        buses.forEach(DistributedBus::sync);
        return buses;
    }

    /** @return the distributed bus that has a replay of this name, or {@code null}. */
    private DistributedBus distributedReplay(final String name) {
        for (DistributedBus bus : synced()) {
            if (bus.hasReplay(name)) {
                return bus;
            }
        }
        return null;
    }

    private ObjectNode describe(final EventsApi.Call call, final DistributedBus bus,
                                final DistributedBus.ReplayRecord replay) {
        final ObjectNode out = EventsApi.JSON.createObjectNode().put("ReplayName", replay.name())
            .put("ReplayArn", arn(call, "replay", replay.name())).put("State", replay.state().name())
            .put("EventSourceArn", arn(call, "archive", replay.archive() == null ? bus.localBus().name()
                : replay.archive()))
            .put("EventStartTime", replay.from() / 1000.0).put("EventEndTime", replay.to() / 1000.0)
            .put("ReplayStartTime", replay.startTime() / 1000.0);
        if (replay.endTime() > 0) {
            out.put("ReplayEndTime", replay.endTime() / 1000.0);
        }
        final ObjectNode destination = out.putObject("Destination").put("Arn", bus.localBus().arn());
        if (!replay.rules().isEmpty()) {
            final var filters = destination.putArray("FilterArns");
            replay.rules().forEach(rule -> filters.add(bus.localBus().arn().replace(":event-bus/", ":rule/") + "/"
                + rule));
        }
        if (replay.lastReplayedTime() > 0) {
            out.put("EventLastReplayedTime", replay.lastReplayedTime() / 1000.0);
        }
        if (replay.stateReason() != null) {
            out.put("StateReason", replay.stateReason());
        }
        if (replay.description() != null) {
            out.put("Description", replay.description());
        }
        return out;
    }

    /**
     * @return the name of the rule a FilterArn names, which must be a rule of the replay's bus (the bus the archive
     *         archives: the StartReplay reference's "FilterArns: a list of ARNs for rules to replay events to").
     */
    static String ruleOf(final String filterArn, final String busArn) {
        final int bus = busArn.indexOf(":event-bus/");
        final String busName = bus < 0 ? "" : busArn.substring(bus + 11);
        final String prefix = (bus < 0 ? busArn : busArn.substring(0, bus)) + ":rule/"
            + (busName.equals("default") ? "" : busName + "/");
        final String name = filterArn.startsWith(prefix) ? filterArn.substring(prefix.length()) : "";
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            throw ApiException.validation("Parameter Destination.FilterArns is not valid. Reason: " + filterArn
                + " is not the ARN of a rule of event bus " + busArn + " (" + prefix + "<rule name>).");
        }
        return name;
    }

    private static long millis(final JsonNode body, final String member) {
        final JsonNode v = body.get(member);
        if (v == null || v.isNull()) {
            throw ApiException.validation("1 validation error detected: Value null at '"
                + Character.toLowerCase(member.charAt(0)) + member.substring(1) + "' failed to satisfy constraint: "
                + "Member must not be null");
        }
        return Math.round(v.asDouble() * 1000);
    }

    private Replay findReplay(final String name) {
        try {
            return replays.describe(name);
        } catch (NoSuchResourceException e) {
            throw ApiException.notFound("Replay " + name + " does not exist.");
        }
    }

    private ObjectNode describe(final EventsApi.Call call, final Replay replay) {
        final ReplaySpec spec = replay.spec();
        final ObjectNode out = EventsApi.JSON.createObjectNode().put("ReplayName", spec.name())
            .put("ReplayArn", arn(call, "replay", spec.name())).put("State", replay.state().name())
            .put("EventSourceArn", archiveArnOf(call, spec))
            .put("EventStartTime", spec.startMillis() / 1000.0).put("EventEndTime", spec.endMillis() / 1000.0)
            .put("ReplayStartTime", seconds(created.get("replay:" + spec.name())));
        final ObjectNode destination = out.putObject("Destination").put("Arn", spec.eventBus());
        if (!spec.rules().isEmpty()) {
            final var filters = destination.putArray("FilterArns");
            final EventBus bus = call.caller().eventBus(spec.eventBus());
            spec.rules().forEach(rule -> filters.add(bus.arn().replace(":event-bus/", ":rule/") + "/" + rule));
        }
        if (replay.lastReplayedEventTime() > 0) {
            out.put("EventLastReplayedTime", replay.lastReplayedEventTime() / 1000.0);
        }
        if (replay.reason() != null) {
            out.put("StateReason", replay.reason());
        }
        if (descriptions.containsKey("replay:" + spec.name())) {
            out.put("Description", descriptions.get("replay:" + spec.name()));
        }
        return out;
    }

    private String archiveArnOf(final EventsApi.Call call, final ReplaySpec spec) {
        for (String name : archives.list()) {
            if (archives.describe(name).spec().dir().equals(spec.archiveDir())) {
                return arn(call, "archive", name);
            }
        }
        return arn(call, "archive", spec.archiveDir().getFileName().toString());
    }

    private JsonNode describeReplay(final EventsApi.Call call) {
        final String name = call.required("ReplayName");
        final DistributedBus distributed = distributedReplay(name);
        return distributed != null ? describe(call, distributed, distributed.replay(name))
            : describe(call, findReplay(name));
    }

    private JsonNode listReplays(final EventsApi.Call call) {
        final String prefix = call.text("NamePrefix");
        final String state = call.text("State");
        final List<JsonNode> items = new ArrayList<>();
        for (Replay replay : replays.list()) {
            if ((prefix == null || replay.spec().name().startsWith(prefix))
                && (state == null || state.equals(replay.state().name()))) {
                final ObjectNode item = describe(call, replay);
                item.remove("ReplayArn");
                item.remove("Destination");
                item.remove("Description");
                items.add(item);
            }
        }
        for (DistributedBus bus : synced()) {
            for (DistributedBus.ReplayRecord replay : bus.replayRecords()) {
                if ((prefix == null || replay.name().startsWith(prefix))
                    && (state == null || state.equals(replay.state().name()))) {
                    final ObjectNode item = describe(call, bus, replay);
                    item.remove("ReplayArn");
                    item.remove("Destination");
                    item.remove("Description");
                    items.add(item);
                }
            }
        }
        return EventsApi.page(call, items, "Replays");
    }

    private JsonNode cancelReplay(final EventsApi.Call call) {
        final String name = call.required("ReplayName");
        final DistributedBus distributed = distributedReplay(name);
        if (distributed != null) {
            call.caller().authorize("events:CancelReplay", distributed.localBus().arn());
            final ReplayState state = distributed.replay(name).state();
            if (state.isFinal()) {
                throw new ApiException("IllegalStatusException", "Replay " + name + " is " + state
                    + " and cannot be cancelled.");
            }
            distributed.cancelReplay(name);
            return EventsApi.JSON.createObjectNode().put("ReplayArn", arn(call, "replay", name))
                .put("State", "CANCELLING");
        }
        final Replay replay = findReplay(name);
        if (replay.state().isFinal()) {
            throw new ApiException("IllegalStatusException", "Replay " + name + " is " + replay.state()
                + " and cannot be cancelled.");
        }
        replays.cancel(call.caller().principal(), name);
        final ReplayState state = replay.state();
        return EventsApi.JSON.createObjectNode().put("ReplayArn", arn(call, "replay", name))
            .put("State", state == ReplayState.CANCELLED ? "CANCELLED" : "CANCELLING");
    }
}
