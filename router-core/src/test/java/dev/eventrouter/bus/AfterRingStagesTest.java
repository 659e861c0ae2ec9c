package dev.eventrouter.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Router#afterRingStages}: what an HTTP server waits for before it acknowledges events to an archive-backed
 * bus. The callback must never run before every ring stage finished the events accepted before the call, must run
 * once, and must run (with {@code false}) when the router closes first.
 */
@Timeout(60)
class AfterRingStagesTest {
    private static byte[] event(final int publisher, final int n) {
        return ("{\"source\":\"s\",\"p\":" + publisher + ",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRunAtOnceOnTheCallerWhenTheRouterHasNoRingStage() {
        try (Router router = Router.start(new RouterContext())) {
            router.eventBus(null).publish(event(0, 0));
            final AtomicReference<Thread> ranOn = new AtomicReference<>();
            final AtomicReference<Boolean> passed = new AtomicReference<>();
            router.afterRingStages(p -> {
                ranOn.set(Thread.currentThread());
                passed.set(p);
            });
            assertEquals(Thread.currentThread(), ranOn.get());
            assertEquals(Boolean.TRUE, passed.get());
        }
    }

    @Test
    void shouldWaitForASlowStageAndThenRunOnce() throws InterruptedException {
        final CountDownLatch gate = new CountDownLatch(1);
        final List<String> order = new CopyOnWriteArrayList<>();
        final RingStage slow = (staged, endOfBatch) -> {
            gate.await();
            order.add("archived");
        };
        try (Router router = Router.start(new RouterContext().addStage(slow))) {
            assertTrue(router.eventBus(null).publish(event(0, 0)));
            final AtomicInteger calls = new AtomicInteger();
            router.afterRingStages(passed -> {
                order.add("acknowledged " + passed);
                calls.incrementAndGet();
            });
            assertEquals(List.of(), order);
            gate.countDown();
            Await.until(() -> calls.get() == 1, "the callback");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(List.of("archived", "acknowledged true"), order);
            assertEquals(1, calls.get());
        }
    }

    @Test
    void shouldTellFalseWhenTheRouterClosesBeforeTheStagePassesAndAfterClose() throws InterruptedException {
        final CountDownLatch gate = new CountDownLatch(1);
        final RingStage stuck = (staged, endOfBatch) -> {
            while (true) {
                try {
                    gate.await();   // ignores interrupts: stuck past close's grace
                    return;
                } catch (InterruptedException e) {
                    continue;
                }
            }
        };
        final Router router = Router.start(new RouterContext().addStage(stuck));
        try {
            assertTrue(router.eventBus(null).publish(event(0, 0)));
            final List<Boolean> told = new CopyOnWriteArrayList<>();
            router.afterRingStages(told::add);
            final CloseReport report = router.close(Duration.ZERO);
            assertFalse(report.drained());
            assertEquals(List.of(false), told);
            router.afterRingStages(told::add);
            assertEquals(List.of(false, false), told);
        } finally {
            gate.countDown();
        }
    }

    @Test
    void shouldReportWhatTheCallbackThrowsAndKeepTheStageRunning() {
        final AtomicInteger staged = new AtomicInteger();
        try (Router router = Router.start(new RouterContext().addStage((e, end) -> staged.incrementAndGet()))) {
            router.eventBus(null).publish(event(0, 0));
            final CountDownLatch second = new CountDownLatch(1);
            router.afterRingStages(p -> {
                throw new IllegalStateException("callback down");
            });
            router.eventBus(null).publish(event(0, 1));
            router.afterRingStages(p -> second.countDown());
            Await.until(() -> second.getCount() == 0, "the second callback");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
            assertEquals(2, staged.get());
        }
    }

    /**
     * Several publishers, each publishing then waiting, on every producer mode and threading: at each callback the
     * stage has already finished every event that publisher accepted before asking.
     */
    @ParameterizedTest
    @CsvSource({"SINGLE_WRITER,ONE_THREAD", "SINGLE_WRITER,THREAD_PER_STAGE", "MULTI_PRODUCER,ONE_THREAD",
        "MULTI_PRODUCER,THREAD_PER_STAGE"})
    void shouldNeverRunBeforeTheStagesFinishedTheCallersEvents(final ProducerMode mode, final StageThreading threading)
        throws InterruptedException {
        final int publishers = 4;
        final int rounds = 2_000;
        final AtomicLongArray stagedUpTo = new AtomicLongArray(publishers);
        for (int p = 0; p < publishers; p++) {
            stagedUpTo.set(p, -1);
        }
        final RingStage recording = (staged, endOfBatch) -> {
            final String text = staged.buffer().getStringWithoutLengthUtf8(0, staged.length());
            final int p = Integer.parseInt(text.substring(text.indexOf("\"p\":") + 4, text.indexOf(",\"n\"")));
            final int n = Integer.parseInt(text.substring(text.indexOf("\"n\":") + 4, text.length() - 1));
            stagedUpTo.set(p, n);
        };
        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicInteger callbacks = new AtomicInteger();
        try (Router router = Router.start(new RouterContext().producerMode(mode).stageThreading(threading)
            .ringSize(64).addStage(recording))) {
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                final int publisher = p;
                threads.add(new Thread(() -> {
                    for (int n = 0; n < rounds; n++) {
                        while (!router.eventBus(null).publish(event(publisher, n))) {
                            Thread.onSpinWait();
                        }
                        final int mine = n;
                        router.afterRingStages(passed -> {
                            if (!passed || stagedUpTo.get(publisher) < mine) {
                                violations.add("publisher " + publisher + " event " + mine + ": passed=" + passed
                                    + ", staged up to " + stagedUpTo.get(publisher));
                            }
                            callbacks.incrementAndGet();
                        });
                    }
                }, "publisher-" + p));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(50));
            }
            Await.until(() -> callbacks.get() == publishers * rounds, "every callback");
            assertTrue(router.close(Duration.ofSeconds(10)).drained());
        }
        assertEquals(List.of(), violations);
        assertEquals(publishers * rounds, callbacks.get());
    }
}
