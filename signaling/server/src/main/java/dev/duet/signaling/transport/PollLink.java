package dev.duet.signaling.transport;

import dev.duet.signaling.session.Frame;
import dev.duet.signaling.session.Link;
import dev.duet.signaling.session.Session;
import java.util.List;

/**
 * The long-poll (and short-poll) transport. The link outlives each HTTP request: it is attached to
 * the session from the first poll until the client stops polling or resumes elsewhere. At most one
 * poll is held at a time; a new poll answers the held one empty.
 *
 * <p>Threading: state is guarded by this link's monitor; responses are written after it is
 * released.
 */
final class PollLink implements Link {
  /** Answers a held poll: the frames and, when the link closed, the close code and reason. */
  interface Reply {
    void send(List<Frame> frames, int closeCode, String closeReason);
  }

  private volatile Session session;
  private Held held;
  private long lastActivityNanos = System.nanoTime();
  private int closeCode;
  private String closeReason;

  private record Held(long after, Reply reply) {}

  /** Binds the session once the switchboard attached this link to it. */
  void bind(Session s) {
    this.session = s;
  }

  Session session() {
    return session;
  }

  @Override
  public String transport() {
    return "poll";
  }

  /**
   * A poll arrived: answers at once when frames after {@code after} are waiting, when the link is
   * closed, or when {@code hold} is false; otherwise holds it until {@link #wake} or {@link
   * #expire}.
   */
  void poll(long after, boolean hold, Reply reply) {
    Held replaced;
    List<Frame> frames;
    int code;
    String reason;
    boolean holding;
    synchronized (this) {
      lastActivityNanos = System.nanoTime();
      replaced = held;
      held = null;
      code = closeCode;
      reason = closeReason;
      Session s = session;
      frames = s == null ? List.of() : s.framesAfter(this, after);
      holding = frames.isEmpty() && hold && code == 0;
      if (holding) {
        held = new Held(after, reply);
      }
    }
    if (replaced != null) {
      replaced.reply().send(List.of(), 0, null);
    }
    if (!holding) {
      reply.send(frames, code, reason);
    }
  }

  /** The hold time passed: answers the held poll (if it is still this one) empty. */
  void expire(Reply reply) {
    boolean mine;
    synchronized (this) {
      mine = held != null && held.reply() == reply;
      if (mine) {
        held = null;
        lastActivityNanos = System.nanoTime();
      }
    }
    if (mine) {
      reply.send(List.of(), 0, null);
    }
  }

  /** Nanoseconds since the last poll started or ended; 0 while one is held. */
  synchronized long idleNanos() {
    return held != null ? 0 : System.nanoTime() - lastActivityNanos;
  }

  @Override
  public void wake() {
    Held h;
    List<Frame> frames;
    synchronized (this) {
      h = held;
      Session s = session;
      if (h == null || s == null) {
        return;
      }
      frames = s.framesAfter(this, h.after());
      if (frames.isEmpty()) {
        return;
      }
      held = null;
      lastActivityNanos = System.nanoTime();
    }
    h.reply().send(frames, 0, null);
  }

  @Override
  public void close(int code, String reason) {
    Held h;
    synchronized (this) {
      closeCode = code;
      closeReason = reason;
      h = held;
      held = null;
    }
    if (h != null) {
      h.reply().send(List.of(), code, reason);
    }
  }

  synchronized boolean closed() {
    return closeCode != 0;
  }
}
