package dev.eventrouter.source;

import java.util.List;

/**
 * A queue with SQS semantics, as a queue mapping reads it: a received message is hidden for the queue's visibility
 * timeout and comes back (its receive count one higher) unless it is deleted first; the queue's redrive policy moves
 * a message that was received too often to its dead-letter queue. Records carry the message id as their position.
 */
public interface QueueSource {
    /**
     * Receives up to {@code maxMessages} visible messages, hiding them for the visibility timeout.
     *
     * @return how many were added to {@code into}.
     */
    int receive(int maxMessages, List<SourceRecord> into);

    /** Deletes received messages by their {@link SourceRecord#position() ids}; unknown ids are ignored. */
    void delete(List<SourceRecord> messages);

    /**
     * @return how many times the message of this id has been received (SQS's {@code ApproximateReceiveCount}), or 0
     *         when the queue does not know it; 1 unless a queue keeps count.
     */
    default int receiveCount(final long id) {
        return 1;
    }
}
