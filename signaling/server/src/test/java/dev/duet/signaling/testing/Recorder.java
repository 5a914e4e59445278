package dev.duet.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real WebSocket client (the JDK's) that turns every server message into a queued event, in the
 * manner of OkHttp's WebSocketRecorder: tests {@link #expect} messages in order and call {@link
 * #assertExhausted()} at the end.
 */
public final class Recorder implements WebSocket.Listener, AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(10);

  private final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicInteger closeCode = new AtomicInteger(-1);
  private final AtomicLong lastSeq = new AtomicLong();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile boolean autoAck;
  private WebSocket ws;
  private JsonObject welcome;

  private Recorder() {}

  /** Connects to {@code ws://.../ws?...}; fails the test when the upgrade is refused. */
  public static Recorder connect(URI uri, Map<String, String> headers) {
    return connect(uri, headers, 0);
  }

  /** Connects expecting sequenced messages to continue after {@code lastSeq} (a resume). */
  public static Recorder connect(URI uri, Map<String, String> headers, long lastSeq) {
    Recorder r = new Recorder();
    r.lastSeq.set(lastSeq);
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    headers.forEach(b::header);
    r.ws = b.connectTimeout(WAIT).buildAsync(uri, r).join();
    r.welcome = r.expect("welcome");
    return r;
  }

  /** The HTTP status an upgrade attempt was refused with (or 101 when it was accepted). */
  public static int upgradeStatus(URI uri, Map<String, String> headers) {
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    headers.forEach(b::header);
    try {
      WebSocket ws = b.connectTimeout(WAIT).buildAsync(uri, new WebSocket.Listener() {}).join();
      ws.abort();
      return 101;
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
        return h.getResponse().statusCode();
      }
      throw e;
    }
  }

  public JsonObject welcome() {
    return welcome;
  }

  /** Acks every sequenced message as it arrives. */
  public Recorder autoAck() {
    this.autoAck = true;
    return this;
  }

  /** The highest seq received. */
  public long lastSeq() {
    return lastSeq.get();
  }

  public String resumeToken() {
    return welcome.get("resumeToken").getAsString();
  }

  /** Sends a raw text message (one send in flight). */
  public void sendRaw(String text) {
    synchronized (this) {
      ws.sendText(text, true).join();
    }
  }

  /** Sends {@code {"type": type, ...fields}} with a fresh id, returned. */
  public String send(String type, Object... fieldsAndValues) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    String id = "c" + ids.incrementAndGet();
    o.addProperty("id", id);
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      Object v = fieldsAndValues[i + 1];
      String k = (String) fieldsAndValues[i];
      if (v == null) {
        o.add(k, com.google.gson.JsonNull.INSTANCE);
      } else if (v instanceof com.google.gson.JsonElement e) {
        o.add(k, e);
      } else if (v instanceof Number n) {
        o.addProperty(k, n);
      } else if (v instanceof Boolean bo) {
        o.addProperty(k, bo);
      } else {
        o.addProperty(k, v.toString());
      }
    }
    sendRaw(o.toString());
    return id;
  }

  public void ack() {
    send("ack", "seq", lastSeq.get());
  }

  /** The next message, which must have this type. */
  public JsonObject expect(String type) {
    JsonObject m = next();
    assertThat(m.get("type").getAsString()).as("message %s", m).isEqualTo(type);
    return m;
  }

  /** The next message, whatever its type. */
  public JsonObject next() {
    try {
      JsonObject m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (m == null) {
        fail("no message within " + WAIT);
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Skips messages until one of this type arrives (e.g. presence noise). */
  public JsonObject expectSkipping(String type, String... skippable) {
    List<String> skip = List.of(skippable);
    while (true) {
      JsonObject m = next();
      String t = m.get("type").getAsString();
      if (t.equals(type)) {
        return m;
      }
      assertThat(skip).as("unexpected %s while waiting for %s", m, type).contains(t);
    }
  }

  /** No message is waiting (after a ping round trip, so in-flight messages arrive first). */
  public void assertExhausted() {
    String id = send("ping");
    JsonObject m = next();
    assertThat(m.get("type").getAsString()).as("unexpected message %s", m).isEqualTo("pong");
    assertThat(m.get("re").getAsString()).isEqualTo(id);
    assertThat(messages).as("unexpected messages").isEmpty();
  }

  /** Drains and returns what has arrived so far (without waiting). */
  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    messages.drainTo(out);
    return out;
  }

  /** Waits for the server to close, returning the close code. */
  public int awaitClose() {
    try {
      if (!closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("not closed within " + WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return closeCode.get();
  }

  /** Drops the connection without a close handshake (like a phone losing the network). */
  public void drop() {
    ws.abort();
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      JsonObject m = JsonParser.parseString(partial.toString()).getAsJsonObject();
      partial.setLength(0);
      if (m.has("seq")) {
        long seq = m.get("seq").getAsLong();
        if (seq != lastSeq.get() + 1) {
          // Recorded as an event so the test thread fails, not the WebSocket thread.
          JsonObject gap = new JsonObject();
          gap.addProperty("type", "test.seq-gap");
          gap.addProperty("expected", lastSeq.get() + 1);
          gap.addProperty("got", seq);
          messages.add(gap);
        }
        lastSeq.set(seq);
      }
      messages.add(m);
      if (autoAck && m.has("seq")) {
        CompletableFuture.runAsync(this::ack);
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeCode.set(statusCode);
    closed.countDown();
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.countDown();
  }

  @Override
  public void close() {
    if (closed.getCount() > 0) {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        ws.abort();
      }
    }
  }
}
