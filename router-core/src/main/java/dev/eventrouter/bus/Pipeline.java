package dev.eventrouter.bus;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The single-writer pipeline:
 *
 * <pre>
 *  publisher threads ──tryClaim/commit──▶ ManyToOneRingBuffer (handoff, off-heap)
 *                                              │ read by one thread: the single writer
 *                                              ▼
 *                                  Disruptor RingBuffer&lt;EventSlot&gt;  (ProducerType.SINGLE, preallocated)
 *                                              │
 *                                              ▼
 *                                  MatchStage ──▶ targets
 * </pre>
 * Publishers never touch the ring's sequence: only the single writer claims and publishes slots, so the ring needs
 * no CAS. Later stages (the archive) gate the ring beside the match stage.
 *
 * <p>Threads ({@link StageThreading}): with {@code THREAD_PER_STAGE} the single writer is an agent thread and the
 * match stage a {@code BatchEventProcessor} on its own thread; with {@code ONE_THREAD} one duty cycle moves a batch
 * from the handoff into the ring, then polls the ring ({@code EventPoller}) and matches it, one thread hop fewer.
 * {@link ProducerMode#MULTI_PRODUCER} drops the handoff: publishers claim slots with Disruptor's multi-producer
 * sequencer. docs/benchmarks.md measures each combination.
 */
final class Pipeline implements Agent {
    private static final int BATCH = 64;

    private final ManyToOneRingBuffer handoff;
    private final RingBuffer<EventSlot> ring;
    private final boolean singleWriter;
    private final boolean oneThread;
    private final MatchStage stage;
    private final BatchEventProcessor<EventSlot> matchProcessor;
    private final EventPoller<EventSlot> matchPoller;
    private final EventPoller.Handler<EventSlot> pollHandler;
    private final Sequence matchSequence;
    private final AgentRunner runner;
    private final Thread matchThread;
    private final MessageHandler onMessage = this::onMessage;
    private final List<BatchEventProcessor<EventSlot>> stageProcessors = new ArrayList<>();
    private final List<Thread> stageThreads = new ArrayList<>();

    Pipeline(final RouterContext context, final MatchStage stage, final Router router) {
        this.stage = stage;
        singleWriter = context.producerMode() == ProducerMode.SINGLE_WRITER;
        oneThread = context.stageThreading() == StageThreading.ONE_THREAD;
        handoff = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
            (singleWriter ? context.handoffBytes() : 1024) + RingBufferDescriptor.TRAILER_LENGTH)));
        final int slotBytes = context.slotBytes();
        ring = singleWriter
            ? RingBuffer.createSingleProducer(() -> new EventSlot(slotBytes), context.ringSize(),
                context.waitStrategy())
            : RingBuffer.createMultiProducer(() -> new EventSlot(slotBytes), context.ringSize(),
                context.waitStrategy());
        if (oneThread) {
            matchProcessor = null;
            matchThread = null;
            matchPoller = ring.newPoller();
            pollHandler = (event, sequence, endOfBatch) -> {
                stage.onEvent(event, sequence, endOfBatch);
                return true;
            };
            matchSequence = matchPoller.getSequence();
        } else {
            matchPoller = null;
            pollHandler = null;
            matchProcessor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), stage);
            matchProcessor.setExceptionHandler(new CountingExceptionHandler(router));
            matchSequence = matchProcessor.getSequence();
            matchThread = new Thread(matchProcessor, "eventrouter-match");
            matchThread.setDaemon(true);
        }
        ring.addGatingSequences(matchSequence);
        for (RingStage ringStage : context.stages()) {
            final BatchEventProcessor<EventSlot> processor = new BatchEventProcessorBuilder().build(ring,
                ring.newBarrier(), new StageAdapter(router, ringStage));
            processor.setExceptionHandler(new CountingExceptionHandler(router));
            ring.addGatingSequences(processor.getSequence());
            stageProcessors.add(processor);
            final Thread thread = new Thread(processor, ringStage.name());
            thread.setDaemon(true);
            stageThreads.add(thread);
        }
        runner = new AgentRunner(context.ingestIdleStrategy(), Router::reportAgentError, null, this);
    }

    void start() {
        stageThreads.forEach(Thread::start);
        if (matchThread != null) {
            matchThread.start();
        }
        if (singleWriter || oneThread) {
            AgentRunner.startOnThread(runner);
        }
    }

    /**
     * Hands an event over (to the single writer, or straight into the ring in multi-producer mode).
     *
     * @return {@code true} when handed over; {@code false} when there is no room.
     */
    boolean offer(final int busIndex, final int flags, final long ingestionTime, final byte[] bytes,
                  final int offset, final int length) {
        // checked before claiming: a claimed record that is never committed or aborted stops the reader for good
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        if (!singleWriter) {
            return claimSlot(busIndex, flags, ingestionTime, bytes, offset, length);
        }
        final int index = handoff.tryClaim(busIndex + 1, HandoffDescriptor.HEADER_LENGTH + length);
        if (index < 0) {
            return false;
        }
        try {
            final MutableDirectBuffer buffer = handoff.buffer();
            buffer.putInt(index + HandoffDescriptor.FLAGS_OFFSET, flags);
            buffer.putLong(index + HandoffDescriptor.INGESTION_TIME_OFFSET, ingestionTime);
            buffer.putBytes(index + HandoffDescriptor.EVENT_OFFSET, bytes, offset, length);
        } catch (Throwable e) {
            handoff.abort(index);
            throw e;
        }
        handoff.commit(index);
        return true;
    }

    /** {@link ProducerMode#MULTI_PRODUCER}: the publisher claims a slot itself (CAS on the ring's cursor). */
    private boolean claimSlot(final int busIndex, final int flags, final long ingestionTime, final byte[] bytes,
                              final int offset, final int length) {
        final long sequence;
        try {
            sequence = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return false;
        }
        try {
            ring.get(sequence).set(busIndex, flags, ingestionTime, bytes, offset, length);
        } catch (Throwable e) {
            ring.get(sequence).clear();   // the claimed slot must still be published: as a void the stages skip
            throw e;
        } finally {
            ring.publish(sequence);
        }
        return true;
    }

    @Override
    public void onStart() {
        if (oneThread) {
            stage.onStart();
        }
    }

    @Override
    public int doWork() throws Exception {
        int work = 0;
        if (singleWriter) {
            // with one thread the ring is drained only here, so never claim more slots than are free
            final int limit = oneThread ? (int) Math.min(BATCH, ring.remainingCapacity()) : BATCH;
            if (limit > 0) {
                work += handoff.read(onMessage, limit);
            }
        }
        if (oneThread && matchPoller.poll(pollHandler) == EventPoller.PollState.PROCESSING) {
            work++;
        }
        return work;
    }

    private void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
        final long sequence = ring.next();
        try {
            ring.get(sequence).set(msgTypeId - 1, buffer, index, length);
        } finally {
            ring.publish(sequence);
        }
    }

    /** @return whether every handed-over event has been matched and dispatched. */
    boolean isIdle() {
        if (handoff.size() != 0 || matchSequence.get() != ring.getCursor()) {
            return false;
        }
        for (BatchEventProcessor<EventSlot> processor : stageProcessors) {
            if (processor.getSequence().get() != ring.getCursor()) {
                return false;
            }
        }
        return true;
    }

    /** @return a value that changes whenever an event enters the pipeline (for drain detection). */
    long progress() {
        return handoff.producerPosition() + ring.getCursor();
    }

    /**
     * Stops the threads, each waited for until {@code graceEnd} at most (names of those still running go to
     * {@code stuck}); events not yet matched stay where they are for {@link #leftovers}.
     */
    void stop(final long graceEnd, final org.agrona.concurrent.NanoClock clock, final List<String> stuck) {
        Router.stopRunner(runner, graceEnd, clock, stuck);
        stageProcessors.forEach(BatchEventProcessor::halt);
        if (matchProcessor != null) {
            matchProcessor.halt();
        }
        for (Thread thread : stageThreads) {
            Router.awaitThread(thread, graceEnd, clock, stuck);
        }
        if (matchThread != null) {
            matchThread.interrupt();
            Router.awaitThread(matchThread, graceEnd, clock, stuck);
        }
    }

    /** @return copies of the events handed over but not matched (call after {@link #stop}). */
    List<byte[]> leftovers() {
        final List<byte[]> left = new ArrayList<>();
        for (long s = matchSequence.get() + 1; s <= ring.getCursor(); s++) {
            final EventSlot slot = ring.get(s);
            if (slot.busIndex != EventSlot.VOID) {
                left.add(TargetBinding.copy(slot.bytes, 0, slot.length));
            }
        }
        // one read stops at the end of the buffer: records that wrap around need another
        while (handoff.read((type, buffer, index, length) -> {
            final byte[] copy = new byte[length - HandoffDescriptor.HEADER_LENGTH];
            buffer.getBytes(index + HandoffDescriptor.EVENT_OFFSET, copy);
            left.add(copy);
        }, Integer.MAX_VALUE) > 0) {
            continue;
        }
        return left;
    }

    /** Runs a {@link RingStage} as a Disruptor consumer; a stage's exception is counted, never fatal. */
    private static final class StageAdapter implements com.lmax.disruptor.EventHandler<EventSlot> {
        private final Router router;
        private final RingStage stage;
        private final StagedEvent view = new StagedEvent();

        StageAdapter(final Router router, final RingStage stage) {
            this.router = router;
            this.stage = stage;
        }

        @Override
        public void onStart() {
            stage.onStart();
        }

        @Override
        public void onShutdown() {
            stage.onShutdown();
        }

        @Override
        public void onEvent(final EventSlot slot, final long sequence, final boolean endOfBatch) {
            final EventBus bus = router.busAt(slot.busIndex);
            if (bus == null) {
                return;
            }
            try {
                stage.onEvent(view.wrap(bus, slot), endOfBatch);
            } catch (Throwable e) {
                router.stageError(e);
            }
        }
    }

    /**
     * Disruptor's default handler halts the processor (its thread dies and the ring stops behind it): ours counts
     * the error and lets the processor go on with the next slot. The stages catch their own throwables, so this only
     * sees what escapes them.
     */
    private static final class CountingExceptionHandler implements com.lmax.disruptor.ExceptionHandler<EventSlot> {
        private final Router router;

        CountingExceptionHandler(final Router router) {
            this.router = router;
        }

        @Override
        public void handleEventException(final Throwable error, final long sequence, final EventSlot slot) {
            router.stageError(error);
        }

        @Override
        public void handleOnStartException(final Throwable error) {
            router.stageError(error);
        }

        @Override
        public void handleOnShutdownException(final Throwable error) {
            router.stageError(error);
        }
    }

    @Override
    public String roleName() {
        return oneThread ? "eventrouter-router" : "eventrouter-ingest";
    }
}
