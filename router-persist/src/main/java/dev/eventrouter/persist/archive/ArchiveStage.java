package dev.eventrouter.persist.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.bus.EventBus;
import dev.eventrouter.bus.RingStage;
import dev.eventrouter.bus.Router;
import dev.eventrouter.bus.StagedEvent;
import dev.eventrouter.match.AutomatonSource;
import dev.eventrouter.match.CompiledRule;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.MatchHandler;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * The archive stage: a {@link RingStage} that appends every accepted event to each archive of its bus whose pattern
 * it matches. Because the stage gates the ring, an accepted event cannot be overwritten before it is archived.
 * Events that carry a top-level {@code replay-name} are never archived (each archive's pattern is compiled with
 * {@code "replay-name": [{"exists": false}]}).
 *
 * <pre>{@code
 * ArchiveStage archives = new ArchiveStage();
 * Router router = Router.start(new RouterContext().addStage(archives));
 * archives.create(router, new ArchiveSpec("orders-archive", "orders", "{\"source\":[\"shop\"]}", 30, dir));
 * }</pre>
 * Retention runs on the stage's thread as events arrive, at most once a minute of event time per archive: whole
 * roll-cycle files older than the retention period are deleted, never the cycle being written.
 *
 * <p>Threading: {@link #create}, {@link #delete} and {@link #describe} from any thread (serialized); appends only on
 * the stage's thread, which owns the queue files while it runs. Allocation-free per event in steady state.
 */
public final class ArchiveStage implements RingStage, MatchHandler, AutomatonSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPLAY_NAME = "replay-name";

    private final RollCycle rollCycle;
    private final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
    private final RuleCompiler compiler = new RuleCompiler(PatternLimits.DEFAULT);
    private final Map<String, Archive> archives = new LinkedHashMap<>();
    private final ManyToOneConcurrentLinkedQueue<Archive> retired = new ManyToOneConcurrentLinkedQueue<>();
    private final EventMatcher matcher = new EventMatcher(this);
    private volatile Map<String, BusArchives> byBus = Map.of();
    private MatchAutomaton automaton = MatchAutomaton.EMPTY;
    private BusArchives current;
    private StagedEvent event;

    /** The archives of one bus, compiled: rule {@code i} of the automaton is {@code archives[i]}. */
    private record BusArchives(MatchAutomaton automaton, Archive[] archives) {
    }

    /** Archives rolling daily. */
    public ArchiveStage() {
        this(RollCycles.FAST_DAILY);
    }

    /** @param rollCycle how archives roll (short cycles for tests and retention checks). */
    public ArchiveStage(final RollCycle rollCycle) {
        this.rollCycle = rollCycle;
    }

    /**
     * Creates an archive on a bus of {@code router} (the router this stage was added to).
     *
     * @throws IllegalArgumentException when the name is taken, the bus does not exist or the pattern names
     *                                  {@code replay-name}.
     * @throws InvalidPatternException  when the pattern is invalid, naming the archive.
     */
    public synchronized void create(final Router router, final ArchiveSpec spec) {
        if (archives.containsKey(spec.name())) {
            throw new dev.eventrouter.bus.ResourceExistsException("archive " + spec.name() + " already exists");
        }
        final EventBus bus = router.eventBus(spec.eventBus());
        final Archive archive = new Archive(spec, bus.arn(), compile(spec), rollCycle);
        archives.put(spec.name(), archive);
        publish();
    }

    /**
     * CreateArchive as a caller: allowed on its own account's buses, on another account's only when that bus's
     * policy allows {@code events:CreateArchive} (docs/accounts.md). A bus name is in the caller's account.
     *
     * @throws dev.eventrouter.auth.AccessDeniedException when not allowed.
     */
    public synchronized void create(final Router router, final Principal caller, final ArchiveSpec spec) {
        final EventBus bus = router.as(caller).authorize("events:CreateArchive", spec.eventBus());
        create(router, new ArchiveSpec(spec.name(), bus.arn(), spec.eventPattern(), spec.retentionDays(),
            spec.dir()));
    }

    /**
     * DeleteArchive as a caller: authorized ({@code events:DeleteArchive}) on the archive's bus.
     *
     * @throws dev.eventrouter.auth.AccessDeniedException when not allowed.
     */
    public synchronized void delete(final Router router, final Principal caller, final String name) {
        final Archive archive = archives.get(name);
        if (archive == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("archive " + name + " does not exist");
        }
        router.as(caller).authorize("events:DeleteArchive", archive.busArn);
        delete(name);
    }

    /**
     * Changes an archive's pattern and retention (its bus and directory stay). Events already archived stay.
     *
     * @throws IllegalArgumentException when absent, or when the new spec names another bus or directory.
     * @throws InvalidPatternException  when the pattern is invalid.
     */
    public synchronized void update(final Router router, final ArchiveSpec spec) {
        final Archive archive = archives.get(spec.name());
        if (archive == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("archive " + spec.name() + " does not exist");
        }
        if (!router.eventBus(spec.eventBus()).arn().equals(archive.busArn)
            || !spec.dir().toAbsolutePath().equals(archive.spec.dir().toAbsolutePath())) {
            throw new IllegalArgumentException("archive " + spec.name()
                + ": the event bus and directory of an archive cannot change");
        }
        archive.pattern = compile(spec);
        archive.spec = spec;
        publish();
    }

    /** Stops archiving to {@code name} and deletes its files. @throws IllegalArgumentException when absent. */
    public synchronized void delete(final String name) {
        final Archive archive = archives.remove(name);
        if (archive == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("archive " + name + " does not exist");
        }
        publish();
        retired.offer(archive);
    }

    /**
     * After an archive failed to write (its bus then refuses new events), tries it again: the bus accepts events
     * once none of its archives is failed. Call it when the cause is gone (space freed on a full disk); if writing
     * still fails, the next event's failure refuses them again.
     *
     * @throws IllegalArgumentException when absent.
     */
    public synchronized void resume(final Router router, final String name) {
        final Archive archive = archives.get(name);
        if (archive == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("archive " + name + " does not exist");
        }
        archive.resume();
        for (Archive other : archives.values()) {
            if (other.busArn.equals(archive.busArn) && other.failure() != null) {
                return;
            }
        }
        router.eventBus(archive.busArn).acceptEvents();
    }

    /** @return the archive's counters and extent. @throws IllegalArgumentException when absent. */
    public synchronized ArchiveDescription describe(final String name) {
        final Archive archive = archives.get(name);
        if (archive == null) {
            throw new dev.eventrouter.bus.NoSuchResourceException("archive " + name + " does not exist");
        }
        return archive.describe();
    }

    /** @return whether an archive records events of the bus (any thread; no lock). */
    public boolean hasArchive(final String busArn) {
        return byBus.containsKey(busArn);
    }

    /** @return the names of the archives, in creation order. */
    public synchronized List<String> list() {
        return new ArrayList<>(archives.keySet());
    }

    private dev.eventrouter.pattern.EventPattern compile(final ArchiveSpec spec) {
        final ObjectNode pattern;
        try {
            final JsonNode given = spec.eventPattern() == null ? JSON.createObjectNode()
                : JSON.readTree(spec.eventPattern());
            if (!(given instanceof ObjectNode object)) {
                throw new IllegalArgumentException("archive " + spec.name() + ": EventPattern must be a JSON object");
            }
            pattern = object;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("archive " + spec.name() + ": EventPattern is not valid JSON: "
                + e.getOriginalMessage(), e);
        }
        if (pattern.has(REPLAY_NAME)) {
            throw new IllegalArgumentException("archive " + spec.name()
                + ": EventPattern cannot test replay-name (replayed events are never archived)");
        }
        pattern.putArray(REPLAY_NAME).addObject().put("exists", false);
        try {
            return parser.parse(pattern.toString());
        } catch (InvalidPatternException e) {
            throw e.inRule("archive " + spec.name());
        }
    }

    /** Compiles the archives of each bus and swaps them in with one volatile write. */
    private void publish() {
        final Map<String, List<Archive>> grouped = new LinkedHashMap<>();
        archives.values().forEach(a -> grouped.computeIfAbsent(a.busArn, k -> new ArrayList<>()).add(a));
        final Map<String, BusArchives> next = new HashMap<>();
        grouped.forEach((bus, list) -> {
            final List<RuleCompiler.Rule> rules = new ArrayList<>();
            list.forEach(a -> rules.add(new RuleCompiler.Rule(a.spec.name(), a.pattern)));
            final MatchAutomaton compiled = compiler.compile(rules);
            final Archive[] byIndex = new Archive[compiled.ruleCount()];
            for (int i = 0; i < byIndex.length; i++) {
                byIndex[i] = archives.get(compiled.rule(i).name());
            }
            next.put(bus, new BusArchives(compiled, byIndex));
        });
        byBus = Map.copyOf(next);
    }

    @Override
    public void onEvent(final StagedEvent staged, final boolean endOfBatch) {
        final BusArchives forBus = byBus.get(staged.bus().arn());
        try {
            Archive gone;
            while ((gone = retired.poll()) != null) {
                gone.closeAndDelete();
            }
            if (forBus == null) {
                return;
            }
            enforceRetention(forBus, staged.ingestionTimeMillis());
            current = forBus;
            automaton = forBus.automaton();
            event = staged;
            matcher.match(staged.buffer().byteArray(), staged.buffer().wrapAdjustment(), staged.length(), this);
        } catch (Throwable e) {
            // a fault writing a mapped page (a full disk) can surface after the write that caused it, as an
            // InternalError anywhere on this thread: this event is not archived, and the bus refuses new ones
            if (forBus != null) {
                for (Archive archive : forBus.archives()) {
                    archive.failed(e);
                }
                staged.bus().refuseEvents(forBus.archives()[0].failure());
            }
        }
    }

    private void enforceRetention(final BusArchives forBus, final long nowMillis) {
        final Archive[] list = forBus.archives();
        for (int i = 0; i < list.length; i++) {
            list[i].enforceRetention(nowMillis);
        }
    }

    @Override
    public void onMatch(final CompiledRule rule) {
        final StagedEvent staged = event;
        final Archive archive = current.archives()[rule.index()];
        if (!archive.append(staged.ingestionTimeMillis(), staged.buffer().byteArray(),
            staged.buffer().wrapAdjustment(), staged.length())) {
            // what cannot be archived must not be accepted: the bus refuses new events until resume()
            staged.bus().refuseEvents(archive.failure());
        }
    }

    @Override
    public MatchAutomaton current() {
        return automaton;
    }

    @Override
    public synchronized void onShutdown() {
        archives.values().forEach(Archive::close);
        Archive gone;
        while ((gone = retired.poll()) != null) {
            gone.closeAndDelete();
        }
    }

    @Override
    public String name() {
        return "eventrouter-archive";
    }
}
