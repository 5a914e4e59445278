package dev.duet.bench.media;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/** Minimal Janus REST client: one session, plugin handles, a long-poll thread for events. */
final class JanusClient implements AutoCloseable {
  private final Gson gson = new Gson();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final long session;
  private final List<JsonObject> events = new ArrayList<>();
  private final Thread poller;
  private volatile boolean closed;

  JanusClient(String base) throws Exception {
    this.base = base;
    this.session = post(base, obj("create")).getAsJsonObject("data").get("id").getAsLong();
    poller = new Thread(this::poll, "janus-poll");
    poller.setDaemon(true);
    poller.start();
  }

  private static JsonObject obj(String janus) {
    JsonObject o = new JsonObject();
    o.addProperty("janus", janus);
    o.addProperty("transaction", UUID.randomUUID().toString());
    return o;
  }

  private JsonObject post(String url, JsonObject body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(gson.toJson(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonObject o = gson.fromJson(r.body(), JsonObject.class);
    if ("error".equals(o.get("janus").getAsString())) {
      throw new IllegalStateException("janus: " + r.body());
    }
    return o;
  }

  private void poll() {
    while (!closed) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/" + session + "?maxev=10"))
                    .timeout(Duration.ofSeconds(40))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonElement e = gson.fromJson(r.body(), JsonElement.class);
        JsonArray arr = e.isJsonArray() ? e.getAsJsonArray() : new JsonArray();
        if (e.isJsonObject()) {
          arr.add(e);
        }
        synchronized (events) {
          for (JsonElement x : arr) {
            JsonObject o = x.getAsJsonObject();
            if (!"keepalive".equals(o.get("janus").getAsString())) {
              events.add(o);
            }
          }
          events.notifyAll();
        }
      } catch (Exception ex) {
        if (!closed) {
          try {
            Thread.sleep(200);
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }
  }

  long attach(String plugin) throws Exception {
    JsonObject o = obj("attach");
    o.addProperty("plugin", plugin);
    return post(base + "/" + session, o).getAsJsonObject("data").get("id").getAsLong();
  }

  /** Sends a plugin message (with an optional jsep) to a handle. */
  void message(long handle, JsonObject body, JsonObject jsep) throws Exception {
    JsonObject o = obj("message");
    o.add("body", body);
    if (jsep != null) {
      o.add("jsep", jsep);
    }
    post(base + "/" + session + "/" + handle, o);
  }

  void trickleCompleted(long handle) throws Exception {
    JsonObject o = obj("trickle");
    JsonObject c = new JsonObject();
    c.addProperty("completed", true);
    o.add("candidate", c);
    post(base + "/" + session + "/" + handle, o);
  }

  /** Waits for (and consumes) the first event from a handle matching the predicate. */
  JsonObject await(long handle, Predicate<JsonObject> match, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    synchronized (events) {
      while (true) {
        for (int i = 0; i < events.size(); i++) {
          JsonObject e = events.get(i);
          if (e.has("sender") && e.get("sender").getAsLong() == handle && match.test(e)) {
            events.remove(i);
            return e;
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new IllegalStateException(
              "no matching Janus event for handle " + handle + "; have " + events);
        }
        events.wait(left);
      }
    }
  }

  /** Predicate: a VideoCall plugin event whose result.event equals name. */
  static Predicate<JsonObject> pluginEvent(String name) {
    return e -> {
      if (!"event".equals(e.get("janus").getAsString()) || !e.has("plugindata")) {
        return false;
      }
      JsonObject data = e.getAsJsonObject("plugindata").getAsJsonObject("data");
      if (data.has("error")) {
        throw new IllegalStateException("janus plugin error: " + data);
      }
      return data.has("result")
          && data.getAsJsonObject("result").has("event")
          && name.equals(data.getAsJsonObject("result").get("event").getAsString());
    };
  }

  static Predicate<JsonObject> janusEvent(String name) {
    return e -> name.equals(e.get("janus").getAsString());
  }

  static JsonObject jsep(String type, String sdp) {
    JsonObject j = new JsonObject();
    j.addProperty("type", type);
    j.addProperty("sdp", sdp);
    return j;
  }

  @Override
  public void close() {
    closed = true;
    try {
      post(base + "/" + session, obj("destroy"));
    } catch (Exception ignored) {
      // server may already be gone
    }
    poller.interrupt();
  }
}
