package dev.duet.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A Server-Sent Events client: reads {@code GET /sse} on a thread of its own and posts client
 * messages to {@code POST /send}. Direct replies in the POST's body (decode errors) are queued like
 * any other message.
 */
public final class SseClient extends Client {
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;
  private final String token;
  private InputStream stream;
  private Thread reader;

  private SseClient(URI base, String token, long lastSeq) {
    super(lastSeq);
    this.base = base;
    this.token = token;
  }

  /** {@code base} is {@code http://host:port}; {@code query} may hold resume and lastSeq. */
  public static SseClient connect(URI base, String token, String query, long lastSeq) {
    SseClient c = new SseClient(base, token, lastSeq);
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/sse" + (query.isEmpty() ? "" : "?" + query)))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .build();
    HttpResponse<InputStream> resp;
    try {
      resp = c.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new IllegalStateException("SSE connect failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    c.stream = resp.body();
    c.reader = new Thread(c::read, "sse-client");
    c.reader.setDaemon(true);
    c.reader.start();
    c.expect("welcome");
    return c;
  }

  private void read() {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      String event = null;
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            if ("close".equals(event)) {
              JsonObject c = JsonParser.parseString(data.toString()).getAsJsonObject();
              closeCode.set(c.get("code").getAsInt());
              closed.countDown();
            } else {
              received(data.toString());
            }
          }
          event = null;
          data.setLength(0);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
        // "id:" repeats the seq that the data carries; ":" lines are heartbeats.
      }
    } catch (IOException e) {
      // dropped
    } finally {
      closed.countDown();
    }
  }

  @Override
  public String transport() {
    return "sse";
  }

  @Override
  public void sendRaw(String text) {
    postSend(http, base, token, text);
  }

  @Override
  public void drop() {
    markDropped();
    try {
      stream.close();
    } catch (IOException ignored) {
      // gone already
    }
  }

  @Override
  public void close() {
    drop();
  }
}
