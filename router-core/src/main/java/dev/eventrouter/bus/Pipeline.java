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
    /** Per ring stage: the last sequence it finished, published at the end of each batch (for stage waiters). */
    private final Sequence[] stageSeen;
    private final java.util.concurrent.ConcurrentLinkedQueue<RingWaiter> stageWaiters =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean waitersClosed;

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
        stageSeen = new Sequence[context.stages().size()];
        for (RingStage ringStage : context.stages()) {
            final Sequence seen = new Sequence();
            stageSeen[stageProcessors.size()] = seen;
            final BatchEventProcessor<EventSlot> processor = new BatchEventProcessorBuilder().build(ring,
                ring.newBarrier(), new StageAdapter(router, ringStage, seen, this));
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
        return offer(busIndex, flags, ingestionTime, bytes, offset, length, EventSlot.NO_TRACE, 0, EventSlot.NO_SPANS,
            0);
    }

    /**
     * As {@link #offer(int, int, long, byte[], int, int)}, with the event's X-Ray trace header (ASCII bytes
     * {@code [0, traceLength)} of {@code trace}, carried beside the event; {@code traceLength} 0 for none) and the
     * spans of its large containers that the publisher's validation recorded (pairs of ints; at most
     * {@link HandoffDescriptor#MAX_SPANS}), for the match stage to jump over.
     */
    boolean offer(final int busIndex, final int flags, final long ingestionTime, final byte[] bytes,
                  final int offset, final int length, final byte[] trace, final int traceLength, final int[] spans,
                  final int spanCount) {
        // checked before claiming: a claimed record that is never committed or aborted stops the reader for good
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        final int spansKept = Math.min(spanCount, HandoffDescriptor.MAX_SPANS);
        final int allFlags = flags | spansKept << HandoffDescriptor.SPAN_COUNT_SHIFT;
        if (!singleWriter) {
            return claimSlot(busIndex, allFlags, ingestionTime, bytes, offset, length, trace, traceLength, spans,
                spansKept);
        }
        final int index = handoff.tryClaim(busIndex + 1, HandoffDescriptor.HEADER_LENGTH + length + traceLength
            + spansKept * 2 * Integer.BYTES);
        if (index < 0) {
            return false;
        }
        try {
            final MutableDirectBuffer buffer = handoff.buffer();
            buffer.putInt(index + HandoffDescriptor.FLAGS_OFFSET, allFlags);
            buffer.putLong(index + HandoffDescriptor.INGESTION_TIME_OFFSET, ingestionTime);
            buffer.putInt(index + HandoffDescriptor.TRACE_LENGTH_OFFSET, traceLength);
            buffer.putBytes(index + HandoffDescriptor.EVENT_OFFSET, bytes, offset, length);
            if (traceLength > 0) {
                buffer.putBytes(index + HandoffDescriptor.EVENT_OFFSET + length, trace, 0, traceLength);
            }
            final int spansAt = index + HandoffDescriptor.EVENT_OFFSET + length + traceLength;
            for (int i = 0; i < 2 * spansKept; i++) {
                buffer.putInt(spansAt + i * Integer.BYTES, spans[i]);
            }
        } catch (Throwable e) {
            handoff.abort(index);
            throw e;
        }
        handoff.commit(index);
        return true;
    }

    /** {@link ProducerMode#MULTI_PRODUCER}: the publisher claims a slot itself (CAS on the ring's cursor). */
    private boolean claimSlot(final int busIndex, final int flags, final long ingestionTime, final byte[] bytes,
                              final int offset, final int length, final byte[] trace, final int traceLength,
                              final int[] spans, final int spanCount) {
        final long sequence;
        try {
            sequence = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return false;
        }
        try {
            ring.get(sequence).set(busIndex, flags, ingestionTime, bytes, offset, length, trace, traceLength);
            ring.get(sequence).spans(spans, spanCount);
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
                final int read = handoff.read(onMessage, limit);
                if (read > 0) {
                    work += read;
                    // the handoff's consumer position moved only now (after the batch): a waiter's stage may
                    // already have passed the batch's slots and looked before it moved
                    checkStageWaiters();
                }
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

    /**
     * Calls {@code then} once every ring stage has finished every event handed over before this call: with
     * {@code true}, or with {@code false} from {@link #failStageWaiters} when the router stops first. Runs it on
     * whichever thread sees that first: this one (no ring stage, or already passed), the single writer or a stage.
     */
    void afterStages(final java.util.function.Consumer<Boolean> then) {
        if (stageSeen.length == 0) {
            then.accept(Boolean.TRUE);
            return;
        }
        // handed over before this call = claimed in the handoff below its producer position (single writer), or
        // published in the ring up to its cursor (multi-producer: publishers claim ring slots themselves)
        stageWaiters.add(singleWriter ? new RingWaiter(handoff.producerPosition(), -1, then)
            : new RingWaiter(-1, ring.getCursor(), then));
        if (waitersClosed) {
            // the stages have stopped (what they did not finish is close's leftovers): nobody will pass again
            RingWaiter waiter;
            while ((waiter = stageWaiters.poll()) != null) {
                waiter.run(Boolean.FALSE);
            }
        } else {
            checkStageWaiters();
        }
    }

    /**
     * Completes the waiters whose events every ring stage has finished. Called by whoever moved one of the
     * positions a waiter depends on (the writer after a batch, a stage at the end of its batch, a new waiter), each
     * after its own write: the full fence makes every caller see the others' writes made before theirs, so the last
     * mover always sees the waiter through and none is left behind.
     */
    void checkStageWaiters() {
        if (stageSeen.length == 0) {
            return;   // no ring stage: afterStages never queues, and the writer's loop pays nothing
        }
        java.lang.invoke.VarHandle.fullFence();
        if (stageWaiters.isEmpty()) {
            return;
        }
        final long consumed = singleWriter ? handoff.consumerPosition() : Long.MAX_VALUE;
        final long cursor = ring.getCursor();   // every slot written before `consumed` was read is at or below it
        long seen = Long.MAX_VALUE;
        for (Sequence stage : stageSeen) {
            seen = Math.min(seen, stage.get());
        }
        for (RingWaiter waiter : stageWaiters) {
            final long upTo = waiter.resolve(consumed, cursor);
            if (upTo != RingWaiter.UNRESOLVED && seen >= upTo && stageWaiters.remove(waiter)) {
                waiter.run(Boolean.TRUE);
            }
        }
    }

    /** Registers an {@link EndLedger} waiter for the events handed over before this call. */
    void afterEnded(final EndLedger ledger, final java.util.function.Consumer<Boolean> then) {
        if (singleWriter) {
            ledger.afterEnded(handoff.producerPosition(), -1, then);
        } else {
            ledger.afterEnded(-1, ring.getCursor(), then);
        }
    }

    /** @return single writer: how far the writer has read the handoff; else {@link Long#MAX_VALUE}. */
    long consumedPosition() {
        return singleWriter ? handoff.consumerPosition() : Long.MAX_VALUE;
    }

    /** @return the ring's cursor: the last sequence published. */
    long cursor() {
        return ring.getCursor();
    }

    /** After {@link #stop}: the waiters the stages passed are completed, the others are told {@code false}. */
    void failStageWaiters() {
        waitersClosed = true;
        checkStageWaiters();
        RingWaiter waiter;
        while ((waiter = stageWaiters.poll()) != null) {
            waiter.run(Boolean.FALSE);
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
     * Stops the threads, each waited for until {@code graceEnd} at most, or {@link Router#CLOSE_FLOOR_MILLIS} after
     * its stop request if that is later (names of those still running go to {@code stuck}); events not yet matched
     * stay where they are for {@link #leftovers}.
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
            final byte[] copy = new byte[length - HandoffDescriptor.HEADER_LENGTH
                - buffer.getInt(index + HandoffDescriptor.TRACE_LENGTH_OFFSET)
                - EventSlot.spanCountOf(buffer.getInt(index + HandoffDescriptor.FLAGS_OFFSET)) * 2 * Integer.BYTES];
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
        private final Sequence seen;
        private final Pipeline pipeline;

        StageAdapter(final Router router, final RingStage stage, final Sequence seen, final Pipeline pipeline) {
            this.router = router;
            this.stage = stage;
            this.seen = seen;
            this.pipeline = pipeline;
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
            if (bus != null) {
                try {
                    stage.onEvent(view.wrap(bus, slot), endOfBatch);
                } catch (Throwable e) {
                    router.stageError(e);
                }
            }
            if (endOfBatch) {
                seen.set(sequence);
                pipeline.checkStageWaiters();
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
