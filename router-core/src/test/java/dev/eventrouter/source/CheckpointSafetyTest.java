package dev.eventrouter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.eventrouter.testkit.Gen;
import dev.eventrouter.testkit.Seeds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * At-least-once, as a property: whatever the batch size, payload limit, lanes, bisection, partial results and
 * failures, a checkpoint never passes a record that was not delivered, and every record is delivered in the end.
 * Each try checks every save as it happens.
 */
class CheckpointSafetyTest {

    static LongStream seeds() {
        return Seeds.fixedAndRandom(41, 42, 43);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldNeverCheckpointPastAnUndeliveredRecord(final long seed) {
        Seeds.tries(seed, 300, (gen, i) -> run(gen));
    }

    private static void run(final Gen gen) {
        final AtomicLong clock = new AtomicLong(1_000_000);
        final InMemorySource source = new InMemorySource(1);
        final int count = gen.between(1, 80);
        final List<String> keys = List.of("a", "b", "c", "d", "e");
        for (int n = 0; n < count; n++) {
            final String key = gen.oneIn(5) ? null : gen.pick(keys);
            source.append(0, key, clock.get(), ("{\"n\":" + n + ",\"pad\":\"" + "x".repeat(gen.between(0, 40))
                + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        final Set<Long> delivered = new HashSet<>();
        final String[] violation = new String[1];
        final CheckpointStore memory = CheckpointStore.inMemory();
        final CheckpointStore checked = new CheckpointStore() {
            @Override
            public long load(final String mapping, final int partition) {
                return memory.load(mapping, partition);
            }

            @Override
            public void save(final String mapping, final int partition, final long position) {
                for (long p = 0; p < position && violation[0] == null; p++) {
                    if (!delivered.contains(p)) {
                        violation[0] = "checkpoint " + position + " passes undelivered record " + p;
                    }
                }
                memory.save(mapping, partition, position);
            }
        };
        final boolean reportItems = gen.oneIn(2);
        final FailurePolicy policy = new FailurePolicy(-1, -1, gen.oneIn(2), reportItems, null);
        MappingConfig config = MappingConfig.of("m", gen.between(1, 6), gen.oneIn(3) ? 0 : gen.between(1, 50))
            .withParallelizationFactor(gen.between(1, 4)).withFailurePolicy(policy);
        if (gen.oneIn(2)) {
            config = config.withPayloadLimit(gen.between(40, 150));
        }
        final Map<Long, Integer> failures = new HashMap<>();
        final BatchHandler handler = (partition, records) -> {
            final List<Long> failed = new ArrayList<>();
            for (SourceRecord record : records) {
                final int failedSoFar = failures.getOrDefault(record.position(), 0);
                if (failedSoFar < 3 && gen.oneIn(6)) {
                    failures.put(record.position(), failedSoFar + 1);
                    failed.add(record.position());
                }
            }
            if (failed.isEmpty()) {
                records.forEach(r -> delivered.add(r.position()));
                return null;
            }
            if (reportItems && gen.oneIn(2)) {
                final long lowest = failed.stream().mapToLong(Long::longValue).min().getAsLong();
                records.forEach(r -> {
                    if (r.position() < lowest) {
                        delivered.add(r.position());
                    }
                });
                return failed;
            }
            throw new IllegalStateException("batch failed");
        };
        final Poller poller = new Poller(clock::get);
        final boolean async = gen.oneIn(2);
        // asynchronous: batches of different lanes stay in flight and are answered in a random order
        final List<Runnable> answers = new ArrayList<>();
        final EventSourceMapping mapping = async
            ? poller.addAsync(config, source, checked, (partition, records) -> {
                final java.util.concurrent.CompletableFuture<List<Long>> answer =
                    new java.util.concurrent.CompletableFuture<>();
                final List<SourceRecord> batch = List.copyOf(records);
                answers.add(() -> {
                    try {
                        answer.complete(handler.onBatch(partition, batch));
                    } catch (Exception e) {
                        answer.completeExceptionally(e);
                    }
                });
                return answer;
            })
            : poller.add(config, source, checked, handler);
        for (int round = 0; round < 20_000 && delivered.size() < count; round++) {
            poller.doWork();
            while (!answers.isEmpty() && gen.oneIn(2)) {
                answers.remove(gen.between(0, answers.size() - 1)).run();
            }
            if (round % 3 == 2) {
                clock.addAndGet(500);
            }
        }
        assertNull(violation[0], () -> violation[0] + " with " + mapping);
        assertEquals(count, delivered.size(), "every record delivered");
        for (int round = 0; round < 10; round++) {
            poller.doWork();
        }
        assertEquals(count, memory.load("m", 0), "the checkpoint reaches the end");
    }
}
