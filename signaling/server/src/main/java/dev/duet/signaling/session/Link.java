package dev.duet.signaling.session;

/**
 * A transport connection attached to a {@link Session}: a WebSocket, an SSE stream, or a poller.
 * The session owns the outbox; a link only carries frames.
 *
 * <p>Threading: {@link #wake()} is called from any thread, never while the session's lock is held,
 * and must not block; the link then pulls frames with {@link Session#nextFrame(Link)}.
 */
public interface Link {

  /** Frames are waiting in the session's outbox. */
  void wake();

  /** Closes the connection (a WebSocket close code, or the end of an SSE stream). */
  void close(int code, String reason);

  /** {@code ws}, {@code sse}, {@code poll}. */
  String transport();
}
