package dev.duet.signaling.session;

/**
 * One encoded server message in a session's outbox.
 *
 * @param seq its sequence number in the session
 * @param json the message as sent, {@code seq} included
 * @param chatMsgId the stored chat message this frame delivers, or 0: when the client acks the
 *     frame, the message counts as delivered
 * @param queuedNanos when it was queued ({@link System#nanoTime()}), for the delay metric
 */
public record Frame(long seq, String json, long chatMsgId, long queuedNanos) {}
