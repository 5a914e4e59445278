package dev.duet.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A protocol client that turns every server message into a queued event, in the manner of OkHttp's
 * WebSocketRecorder: tests {@link #expect} messages in order and call {@link #assertExhausted()} at
 * the end. Transports subclass it ({@link Recorder} for WebSocket, {@link SseClient}, {@link
 * PollClient}).
 */
public abstract class Client implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(10);

  protected final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
  protected final CountDownLatch closed = new CountDownLatch(1);
  protected final AtomicInteger closeCode = new AtomicInteger(-1);
  protected final AtomicLong lastSeq = new AtomicLong();
  private final AtomicInteger ids = new AtomicInteger();
  protected volatile boolean autoAck;
  private boolean dropped;
  protected JsonObject welcome;

  protected Client(long lastSeq) {
    this.lastSeq.set(lastSeq);
  }

  /** The transport's name: ws, sse, longpoll, shortpoll. */
  public abstract String transport();

  /** Sends one raw text message. */
  public abstract void sendRaw(String text);

  /** Drops the connection without a goodbye (like a phone losing the network). */
  public abstract void drop();

  /** Closes the connection politely. */
  @Override
  public abstract void close();

  public JsonObject welcome() {
    return welcome;
  }

  /** Acks every sequenced message as it arrives. */
  public Client autoAck() {
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

  /**
   * Stops accepting messages: after this returns, {@link #lastSeq()} no longer moves, so a test can
   * resume from it. Every transport's {@link #drop()} calls it first.
   */
  protected synchronized void markDropped() {
    dropped = true;
  }

  /**
   * Posts client messages to {@code POST /send} (the HTTP transports); the decode errors in the
   * answer are queued like any other message.
   */
  protected void postSend(
      java.net.http.HttpClient http, java.net.URI base, String token, String text) {
    String sessionId = welcome.get("sessionId").getAsString();
    try {
      java.net.http.HttpResponse<String> r =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(base + "/send?session=" + sessionId))
                  .header("Authorization", "Bearer " + token)
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString(text))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("POST /send answered " + r.statusCode() + ": " + r.body());
      }
      for (com.google.gson.JsonElement e :
          JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("errors")) {
        messages.add(e.getAsJsonObject());
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("POST /send failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Called by transports for every server message, in arrival order. */
  protected synchronized void received(String json) {
    if (dropped) {
      return; // arrived after the drop: as if lost on the wire
    }
    JsonObject m = JsonParser.parseString(json).getAsJsonObject();
    if (m.has("seq")) {
      long seq = m.get("seq").getAsLong();
      if (seq != lastSeq.get() + 1) {
        // Recorded as an event so the test thread fails, not the transport's thread.
        JsonObject gap = new JsonObject();
        gap.addProperty("type", "test.seq-gap");
        gap.addProperty("expected", lastSeq.get() + 1);
        gap.addProperty("got", seq);
        messages.add(gap);
      }
      lastSeq.set(seq);
    } else if (m.get("type").getAsString().equals("welcome")) {
      welcome = m;
    }
    messages.add(m);
    if (autoAck && m.has("seq")) {
      CompletableFuture.runAsync(this::ack);
    }
  }

  /** The next message, which must have this type. */
  public JsonObject expect(String type) {
    JsonObject m = next();
    assertThat(m.get("type").getAsString()).as("message %s", m).isEqualTo(type);
    return m;
  }

  /** The next message, whatever its type. */
  public JsonObject next() {
    JsonObject m = poll(WAIT);
    if (m == null) {
      fail("no message within " + WAIT + " on " + transport());
    }
    return m;
  }

  /** The next message within {@code wait}, or null. */
  public JsonObject poll(Duration wait) {
    try {
      return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
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

  /**
   * No message is waiting (after a ping round trip, so in-flight messages arrive first), except any
   * of the {@code skippable} types (e.g. presence noise).
   */
  public void assertExhausted(String... skippable) {
    String id = send("ping");
    JsonObject m = expectSkipping("pong", skippable);
    assertThat(m.get("re").getAsString()).isEqualTo(id);
    assertThat(messages).as("unexpected messages").isEmpty();
  }

  /** Drains and returns what has arrived so far (without waiting). */
  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    messages.drainTo(out);
    return out;
  }

  /** Whether the server has closed the connection. */
  public boolean isClosed() {
    return closed.getCount() == 0;
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
}
