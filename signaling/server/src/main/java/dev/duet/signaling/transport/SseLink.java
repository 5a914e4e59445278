package dev.duet.signaling.transport;

import dev.duet.signaling.Metrics;
import dev.duet.signaling.Switchboard;
import dev.duet.signaling.session.Frame;
import dev.duet.signaling.session.Link;
import dev.duet.signaling.session.Session;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * The Server-Sent Events transport: one {@code text/event-stream} response per connection. The
 * welcome goes first as {@code event: welcome}; every outbox frame follows as {@code id: <seq>}
 * plus {@code data: <json>}, so EventSource's Last-Event-ID names the last seq received. Comment
 * lines keep proxies from timing the stream out.
 *
 * <p>Threading: frames and heartbeats are written by one {@link IteratingCallback}: one write in
 * flight, never recursive. {@link #close} writes a final {@code event: close} and ends the response
 * (at shutdown, after the frames still queued).
 */
final class SseLink implements Link {
  private final Switchboard switchboard;
  private final Metrics metrics;
  private final Response response;
  private final Callback done;
  private final Writer writer = new Writer();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Session session;
  private volatile String welcome;
  private volatile boolean heartbeatDue;

  // The close to write, once asked for: its event, and whether frames still queued go out first
  // (the server is stopping: its calls' ends above all). Other closes (replaced, overflow, token
  // expired) cut the stream at once. The first close asked for wins.
  private record Closing(String event, boolean drainFirst) {}

  private final java.util.concurrent.atomic.AtomicReference<Closing> closing =
      new java.util.concurrent.atomic.AtomicReference<>();

  SseLink(Switchboard switchboard, Metrics metrics, Response response, Callback done) {
    this.switchboard = switchboard;
    this.metrics = metrics;
    this.response = response;
    this.done = done;
  }

  void start(Switchboard.Connected connected) {
    this.welcome = connected.welcomeJson();
    this.session = connected.session();
    writer.iterate();
  }

  @Override
  public String transport() {
    return "sse";
  }

  @Override
  public void wake() {
    writer.iterate();
  }

  /** Writes a comment line; called by the heartbeat timer. */
  void heartbeat() {
    heartbeatDue = true;
    writer.iterate();
  }

  boolean ended() {
    return ended.get();
  }

  @Override
  public void close(int code, String reason) {
    closing.compareAndSet(
        null,
        new Closing(
            "event: close\ndata: {\"code\":" + code + ",\"reason\":\"" + reason + "\"}\n\n",
            code == HttpTransports.GOING_AWAY));
    writer.iterate();
  }

  private void finish(Throwable failure) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    metrics.connectionClosed(transport());
    Session s = session;
    if (s != null) {
      switchboard.disconnected(s, this);
    }
    if (failure == null) {
      done.succeeded();
    } else {
      done.failed(failure);
    }
  }

  private final class Writer extends IteratingCallback {
    private boolean last;

    @Override
    protected Action process() {
      if (last) {
        finish(null);
        return Action.SUCCEEDED;
      }
      if (ended.get()) {
        return Action.SUCCEEDED;
      }
      String chunk;
      String w = welcome;
      if (w != null) {
        welcome = null;
        chunk = "event: welcome\ndata: " + w + "\n\n";
      } else {
        Closing close = closing.get();
        boolean cut = close != null && !close.drainFirst();
        Optional<Frame> next =
            session == null || cut ? Optional.empty() : session.nextFrame(SseLink.this);
        if (next.isPresent()) {
          metrics.messageOut();
          chunk = "id: " + next.get().seq() + "\ndata: " + next.get().json() + "\n\n";
        } else if (close != null) {
          chunk = close.event();
          last = true;
        } else if (heartbeatDue) {
          heartbeatDue = false;
          chunk = ": hb\n\n";
        } else {
          return Action.IDLE;
        }
      }
      response.write(false, ByteBuffer.wrap(chunk.getBytes(StandardCharsets.UTF_8)), this);
      return Action.SCHEDULED;
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      finish(cause);
    }
  }
}
