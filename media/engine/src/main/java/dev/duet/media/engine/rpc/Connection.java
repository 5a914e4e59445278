package dev.duet.media.engine.rpc;

import com.google.gson.JsonObject;
import java.util.ArrayDeque;
import java.util.Optional;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection's outgoing side: a bounded queue of text frames with at most one send in
 * flight (Jetty 12 requires it). {@link #send} never blocks; a connection whose queue overflows is
 * closed. The lock only guards the queue: frames are sent after it is released.
 */
public final class Connection {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  static final int MAX_QUEUED = 10_000;

  private final Session socket;
  private final Object lock = new Object();
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private boolean sending; // guarded by lock
  private boolean closed; // guarded by lock
  private volatile Optional<EngineSession> session = Optional.empty();

  Connection(Session socket) {
    this.socket = socket;
  }

  Optional<EngineSession> session() {
    return session;
  }

  void bind(EngineSession s) {
    session = Optional.of(s);
  }

  void unbind() {
    session = Optional.empty();
  }

  /** Queues one frame. */
  public void send(JsonObject frame) {
    String text = frame.toString();
    boolean overflow = false;
    boolean start = false;
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (queue.size() >= MAX_QUEUED) {
        overflow = true;
        closed = true;
        queue.clear();
      } else {
        queue.add(text);
        if (!sending) {
          sending = true;
          start = true;
        }
      }
    }
    if (overflow) {
      LOG.warn("outgoing queue overflow; closing connection");
      socket.close(StatusCode.POLICY_VIOLATION, "outgoing queue overflow", Callback.NOOP);
      return;
    }
    if (start) {
      sendNext();
    }
  }

  private void sendNext() {
    String next;
    synchronized (lock) {
      next = queue.poll();
      if (next == null || closed) {
        sending = false;
        return;
      }
    }
    socket.sendText(
        next,
        Callback.from(
            this::sendNext,
            failure -> {
              synchronized (lock) {
                closed = true;
                queue.clear();
                sending = false;
              }
              LOG.debug("send failed: {}", failure.toString());
            }));
  }

  void closed() {
    synchronized (lock) {
      closed = true;
      queue.clear();
    }
  }
}
