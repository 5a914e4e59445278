package dev.duet.signaling.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** The WebSocket client (the JDK's). */
public final class Recorder extends Client implements WebSocket.Listener {
  private volatile String closeReason = "open";

  private final StringBuilder partial = new StringBuilder();
  private WebSocket ws;

  private Recorder(long lastSeq) {
    super(lastSeq);
  }

  /** Connects to {@code ws://.../ws?...}; fails the test when the upgrade is refused. */
  public static Recorder connect(URI uri, Map<String, String> headers) {
    return connect(uri, headers, 0);
  }

  /** Connects expecting sequenced messages to continue after {@code lastSeq} (a resume). */
  public static Recorder connect(URI uri, Map<String, String> headers, long lastSeq) {
    Recorder r = open(uri, headers, lastSeq);
    r.expect("welcome");
    return r;
  }

  /** Opens the connection without waiting for the welcome (one that may be replaced before it). */
  public static Recorder open(URI uri, Map<String, String> headers, long lastSeq) {
    Recorder r = new Recorder(lastSeq);
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    headers.forEach(b::header);
    r.ws = b.connectTimeout(WAIT).buildAsync(uri, r).join();
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

  @Override
  public String transport() {
    return "ws";
  }

  @Override
  public void sendRaw(String text) {
    synchronized (this) {
      try {
        ws.sendText(text, true).join();
      } catch (java.util.concurrent.CompletionException e) {
        throw new IllegalStateException(
            "cannot send: closed with " + closeCode.get() + " (" + closeReason + ")", e);
      }
    }
  }

  @Override
  public void drop() {
    markDropped();
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
      String text = partial.toString();
      partial.setLength(0);
      received(text);
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
    closeReason = reason;
    closeCode.set(statusCode);
    closed.countDown();
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closeReason = "error: " + error;
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
