package dev.duet.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * One load-generator WebSocket connection on Jetty's core client (small per connection, so one
 * process holds thousands). {@link #ready} completes with the server's first frame ({@code
 * welcome}, or PeerJS's {@code OPEN}); every later text message goes to the listener on a Jetty
 * thread. For Duet it remembers the highest {@code seq} so the client can acknowledge.
 */
final class Conn implements FrameHandler {
  interface Listener {
    void onText(Conn conn, String text);
  }

  /** Counts failures across all connections of the process. */
  static final AtomicLong ERRORS = new AtomicLong();

  final String user;
  final Kind kind;
  final CompletableFuture<Conn> ready = new CompletableFuture<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Listener listener;
  private volatile CoreSession session;
  private volatile long lastSeq;
  private volatile long ackedSeq;
  private StringBuilder partial;

  Conn(Kind kind, String user, Listener listener) {
    this.kind = kind;
    this.user = user;
    this.listener = listener;
  }

  /** A core client whose sockets bind to {@code bindAddress} (127.0.0.x). */
  static WebSocketCoreClient client(String bindAddress) throws Exception {
    HttpClient http = new HttpClient();
    http.setBindAddress(new InetSocketAddress(bindAddress, 0));
    http.setMaxConnectionsPerDestination(100_000);
    http.setMaxRequestsQueuedPerDestination(100_000);
    http.setConnectTimeout(30_000);
    http.setIdleTimeout(0);
    QueuedThreadPool pool = new QueuedThreadPool(16, 4);
    pool.setName("load-" + bindAddress);
    http.setExecutor(pool);
    WebSocketCoreClient c = new WebSocketCoreClient(http, new WebSocketComponents());
    c.start();
    return c;
  }

  /** Starts connecting; {@link #ready} says how it went. */
  Conn connect(WebSocketCoreClient client, String url) {
    try {
      CoreClientUpgradeRequest req = CoreClientUpgradeRequest.from(client, URI.create(url), this);
      client
          .connect(req)
          .whenComplete(
              (s, failure) -> {
                if (failure != null) {
                  ready.completeExceptionally(failure);
                }
              });
    } catch (Exception e) {
      ready.completeExceptionally(e);
    }
    return this;
  }

  void send(String text) {
    CoreSession s = session;
    if (s == null) {
      ERRORS.incrementAndGet();
      return;
    }
    s.sendFrame(
        new Frame(OpCode.TEXT, text),
        Callback.from(() -> {}, t -> ERRORS.incrementAndGet()),
        false);
  }

  /** For Duet: acknowledges everything received so far, if anything is unacknowledged. */
  void ack() {
    long seq = lastSeq;
    if (kind == Kind.DUET && seq > ackedSeq) {
      ackedSeq = seq;
      send("{\"type\":\"ack\",\"seq\":" + seq + "}");
    }
  }

  /** Unacknowledged messages (Duet). */
  long unacked() {
    return lastSeq - ackedSeq;
  }

  void heartbeat() {
    ack();
    send(kind.heartbeat());
  }

  void close() {
    CoreSession s = session;
    if (s != null) {
      s.close(CloseStatus.NORMAL, "bye", Callback.NOOP);
    } else {
      closed.complete(null);
    }
  }

  @Override
  public void onOpen(CoreSession coreSession, Callback callback) {
    session = coreSession;
    coreSession.setIdleTimeout(Duration.ofHours(2));
    callback.succeeded();
    coreSession.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    CoreSession s = session;
    switch (frame.getOpCode()) {
      case OpCode.TEXT, OpCode.CONTINUATION -> {
        String chunk = frame.getPayloadAsUTF8();
        String text = null;
        if (frame.isFin() && partial == null) {
          text = chunk;
        } else {
          if (partial == null) {
            partial = new StringBuilder();
          }
          partial.append(chunk);
          if (frame.isFin()) {
            text = partial.toString();
            partial = null;
          }
        }
        callback.succeeded();
        if (text != null) {
          onText(text);
        }
        s.demand();
      }
      case OpCode.PING -> {
        Frame pong = new Frame(OpCode.PONG);
        pong.setPayload(frame.getPayload());
        s.sendFrame(pong, Callback.NOOP, false);
        callback.succeeded();
        s.demand();
      }
      case OpCode.CLOSE -> callback.succeeded();
      default -> {
        callback.succeeded();
        s.demand();
      }
    }
  }

  private void onText(String text) {
    if (kind == Kind.DUET) {
      int i = text.lastIndexOf("\"seq\":");
      if (i >= 0) {
        long v = 0;
        for (int j = i + 6; j < text.length(); j++) {
          char c = text.charAt(j);
          if (c < '0' || c > '9') {
            break;
          }
          v = v * 10 + (c - '0');
        }
        if (v > lastSeq) {
          lastSeq = v;
        }
      }
    }
    if (!ready.isDone()) {
      if (text.contains("\"type\":\"" + kind.firstType() + "\"")) {
        ready.complete(this);
      } else {
        ready.completeExceptionally(new IllegalStateException("first frame: " + text));
      }
      return;
    }
    listener.onText(this, text);
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    ERRORS.incrementAndGet();
    ready.completeExceptionally(cause);
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus closeStatus, Callback callback) {
    ready.completeExceptionally(new IllegalStateException("closed " + closeStatus));
    closed.complete(null);
    callback.succeeded();
  }
}
