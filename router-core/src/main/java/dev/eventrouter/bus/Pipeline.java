package dev.eventrouter.bus;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
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
 *                                  MatchStage (BatchEventProcessor) ──▶ targets
 * </pre>
 * Publishers never touch the ring's sequence: only the ingest agent claims and publishes slots, so the ring needs
 * no CAS. Later stages (the archive) gate the ring beside the match stage. {@link ProducerMode#MULTI_PRODUCER}
 * drops the handoff and the ingest thread: publishers claim slots with Disruptor's multi-producer sequencer
 * (see docs/benchmarks.md for when each wins).
 */
final class Pipeline implements Agent {
    private final ManyToOneRingBuffer handoff;
    private final RingBuffer<EventSlot> ring;
    private final BatchEventProcessor<EventSlot> matchProcessor;
    private final AgentRunner ingestRunner;
    private final Thread matchThread;
    private final org.agrona.concurrent.MessageHandler onMessage = this::onMessage;

    private final boolean singleWriter;

    Pipeline(final RouterContext context, final MatchStage stage) {
        singleWriter = context.producerMode() == ProducerMode.SINGLE_WRITER;
        handoff = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
            context.handoffBytes() + RingBufferDescriptor.TRAILER_LENGTH)));
        final int slotBytes = context.slotBytes();
        ring = singleWriter
            ? RingBuffer.createSingleProducer(() -> new EventSlot(slotBytes), context.ringSize(),
                context.waitStrategy())
            : RingBuffer.createMultiProducer(() -> new EventSlot(slotBytes), context.ringSize(),
                context.waitStrategy());
        matchProcessor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), stage);
        ring.addGatingSequences(matchProcessor.getSequence());
        ingestRunner = new AgentRunner(context.ingestIdleStrategy(), Router::reportAgentError, null, this);
        matchThread = new Thread(matchProcessor, "eventrouter-match");
        matchThread.setDaemon(true);
    }

    void start() {
        matchThread.start();
        if (singleWriter) {
            AgentRunner.startOnThread(ingestRunner);
        }
    }

    /**
     * Hands an event to the single writer.
     *
     * @return {@code true} when handed over; {@code false} when the handoff buffer is full.
     */
    boolean offer(final int busIndex, final int flags, final long ingestionTime, final byte[] bytes,
                  final int offset, final int length) {
        if (!singleWriter) {
            return claimSlot(busIndex, flags, ingestionTime, bytes, offset, length);
        }
        final int index = handoff.tryClaim(busIndex + 1, HandoffDescriptor.HEADER_LENGTH + length);
        if (index < 0) {
            return false;
        }
        final MutableDirectBuffer buffer = handoff.buffer();
        buffer.putInt(index + HandoffDescriptor.FLAGS_OFFSET, flags);
        buffer.putLong(index + HandoffDescriptor.INGESTION_TIME_OFFSET, ingestionTime);
        buffer.putBytes(index + HandoffDescriptor.EVENT_OFFSET, bytes, offset, length);
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
        } finally {
            ring.publish(sequence);
        }
        return true;
    }

    @Override
    public int doWork() {
        return handoff.read(onMessage, 64);
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
        return handoff.size() == 0 && matchProcessor.getSequence().get() == ring.getCursor();
    }

    /** @return a value that changes whenever an event enters the pipeline (for drain detection). */
    long progress() {
        return handoff.producerPosition() + ring.getCursor();
    }

    /** Stops both threads; events not yet matched stay where they are for {@link #leftovers}. */
    void stop() {
        if (singleWriter) {
            ingestRunner.close();
        }
        matchProcessor.halt();
        try {
            matchThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return copies of the events handed over but not matched (call after {@link #stop}). */
    java.util.List<byte[]> leftovers() {
        final java.util.List<byte[]> left = new java.util.ArrayList<>();
        for (long s = matchProcessor.getSequence().get() + 1; s <= ring.getCursor(); s++) {
            final EventSlot slot = ring.get(s);
            left.add(TargetBinding.copy(slot.bytes, 0, slot.length));
        }
        handoff.read((type, buffer, index, length) -> {
            final byte[] copy = new byte[length - HandoffDescriptor.HEADER_LENGTH];
            buffer.getBytes(index + HandoffDescriptor.EVENT_OFFSET, copy);
            left.add(copy);
        }, Integer.MAX_VALUE);
        return left;
    }

    @Override
    public String roleName() {
        return "eventrouter-ingest";
    }
}
