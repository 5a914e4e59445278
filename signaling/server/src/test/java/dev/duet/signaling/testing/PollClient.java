package dev.duet.signaling.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A long-polling ({@code wait > 0}) or short-polling ({@code wait = 0}) client: a thread of its own
 * polls {@code GET /poll}, acking with {@code after}; client messages go to {@code POST /send}.
 */
public final class PollClient extends Client {
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;
  private final String token;
  private final int wait;
  private final Duration shortPollInterval;
  private volatile boolean running = true;
  private volatile CompletableFuture<HttpResponse<String>> inFlight;
  private Thread poller;

  private PollClient(URI base, String token, int wait, long lastSeq, Duration interval) {
    super(lastSeq);
    this.shortPollInterval = interval;
    this.base = base;
    this.token = token;
    this.wait = wait;
  }

  public static PollClient connect(URI base, String token, int wait, String query, long lastSeq) {
    return connect(base, token, wait, query, lastSeq, Duration.ofMillis(50));
  }

  /** As above, with the interval between short polls ({@code wait = 0}). */
  public static PollClient connect(
      URI base, String token, int wait, String query, long lastSeq, Duration interval) {
    PollClient c = new PollClient(base, token, wait, lastSeq, interval);
    String first = "/poll?wait=0" + (query.isEmpty() ? "" : "&" + query);
    c.fetch(first); // the welcome and any replay
    c.poller = new Thread(c::loop, "poll-client");
    c.poller.setDaemon(true);
    c.poller.start();
    c.expect("welcome");
    return c;
  }

  private boolean fetch(String pathAndQuery) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(40))
            .build();
    try {
      inFlight = http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> r = inFlight.join();
      if (r.statusCode() != 200) {
        return false;
      }
      JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
      for (JsonElement m : body.getAsJsonArray("messages")) {
        received(m.toString());
      }
      if (body.has("closed")) {
        closeCode.set(body.getAsJsonObject("closed").get("code").getAsInt());
        closed.countDown();
        return false;
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void loop() {
    String session = welcome.get("sessionId").getAsString();
    while (running) {
      boolean ok = fetch("/poll?session=" + session + "&after=" + lastSeq() + "&wait=" + wait);
      if (!ok) {
        break;
      }
      if (wait == 0) {
        try {
          Thread.sleep(shortPollInterval.toMillis()); // short polling is polling on an interval
        } catch (InterruptedException e) {
          return;
        }
      }
    }
    closed.countDown();
  }

  @Override
  public String transport() {
    return wait > 0 ? "longpoll" : "shortpoll";
  }

  @Override
  public void sendRaw(String text) {
    postSend(http, base, token, text);
  }

  @Override
  public void drop() {
    markDropped();
    running = false;
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
    poller.interrupt();
  }

  @Override
  public void close() {
    drop();
  }
}
