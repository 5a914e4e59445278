package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tokens and origins are checked before the WebSocket upgrade, and on REST. */
class AuthIT {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start("DUET_ALLOWED_ORIGINS", "https://app.example");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  URI ws(String query) {
    return URI.create("ws://127.0.0.1:" + server.server().port() + "/ws" + query);
  }

  @Test
  void missingTokenIsRefusedWith401BeforeUpgrade() {
    assertThat(Recorder.upgradeStatus(ws(""), Map.of())).isEqualTo(401);
  }

  @Test
  void garbageTokenIsRefusedWith401() {
    assertThat(Recorder.upgradeStatus(ws("?access_token=abc.def.ghi"), Map.of())).isEqualTo(401);
  }

  @Test
  void expiredTokenIsRefusedWith401() {
    String expired =
        Jwts.builder()
            .subject("alice")
            .expiration(Date.from(Instant.now().minusSeconds(3600)))
            .signWith(Keys.hmacShaKeyFor(TestServer.SECRET.getBytes(StandardCharsets.UTF_8)))
            .compact();
    assertThat(Recorder.upgradeStatus(ws("?access_token=" + expired), Map.of())).isEqualTo(401);
  }

  @Test
  void tokenSignedWithAnotherSecretIsRefused() {
    String forged =
        Jwts.builder()
            .subject("alice")
            .expiration(Date.from(Instant.now().plusSeconds(3600)))
            .signWith(
                Keys.hmacShaKeyFor(
                    "another-secret-another-secret-0123".getBytes(StandardCharsets.UTF_8)))
            .compact();
    assertThat(Recorder.upgradeStatus(ws("?access_token=" + forged), Map.of())).isEqualTo(401);
  }

  @Test
  void bearerHeaderIsAccepted() {
    String t = server.token("alice");
    assertThat(Recorder.upgradeStatus(ws(""), Map.of("Authorization", "Bearer " + t)))
        .isEqualTo(101);
  }

  @Test
  void foreignBrowserOriginIsRefusedAndAllowedOriginPasses() {
    String t = server.token("alice");
    assertThat(
            Recorder.upgradeStatus(
                ws("?access_token=" + t), Map.of("Origin", "https://evil.example")))
        .isEqualTo(403);
    assertThat(
            Recorder.upgradeStatus(
                ws("?access_token=" + t), Map.of("Origin", "https://app.example")))
        .isEqualTo(101);
    // No Origin at all (mobile apps, servers): not affected.
    assertThat(Recorder.upgradeStatus(ws("?access_token=" + t), Map.of())).isEqualTo(101);
    // REST answers the same 403: a fresh token would not help, so it must not look like a 401.
    HttpClient http = HttpClient.newHttpClient();
    for (HttpRequest r :
        new HttpRequest[] {
          HttpRequest.newBuilder(server.http("/api/calls"))
              .header("Authorization", "Bearer " + t)
              .header("Origin", "https://evil.example")
              .build(),
          HttpRequest.newBuilder(server.http("/api/connect-ticket"))
              .header("Authorization", "Bearer " + t)
              .header("Origin", "https://evil.example")
              .POST(HttpRequest.BodyPublishers.noBody())
              .build()
        }) {
      HttpResponse<String> refused = send(http, r);
      assertThat(refused.statusCode()).as(r.uri().getPath()).isEqualTo(403);
      assertThat(refused.body()).as(r.uri().getPath()).contains("forbidden");
    }
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aConnectTicketOpensOneWebSocketOrEventStreamOnce() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String t = server.token("alice");
    String ticket = connectTicket(http, t);
    assertThat(Recorder.upgradeStatus(ws("?ticket=" + ticket), Map.of())).isEqualTo(101);
    assertThat(Recorder.upgradeStatus(ws("?ticket=" + ticket), Map.of()))
        .as("a ticket is used up by its first connection")
        .isEqualTo(401);
    assertThat(Recorder.upgradeStatus(ws("?ticket=made-up"), Map.of())).isEqualTo(401);

    String sseTicket = connectTicket(http, t);
    HttpResponse<java.io.InputStream> sse =
        http.send(
            HttpRequest.newBuilder(server.http("/sse?ticket=" + sseTicket)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(sse.statusCode()).isEqualTo(200);
    sse.body().close();
    HttpResponse<String> again =
        http.send(
            HttpRequest.newBuilder(server.http("/sse?ticket=" + sseTicket)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(401);
  }

  @Test
  void connectTicketsAreOnlyIssuedForAnAuthorizationHeader() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String t = server.token("alice");
    HttpResponse<String> inUrl =
        http.send(
            HttpRequest.newBuilder(server.http("/api/connect-ticket?access_token=" + t))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(inUrl.statusCode()).isEqualTo(401);
    HttpResponse<String> get =
        http.send(
            HttpRequest.newBuilder(server.http("/api/connect-ticket"))
                .header("Authorization", "Bearer " + t)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
  }

  private static String connectTicket(HttpClient http, String token) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.http("/api/connect-ticket"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    com.google.gson.JsonObject body =
        com.google.gson.JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(body.get("expiresAt").getAsLong()).isGreaterThan(System.currentTimeMillis());
    return body.get("ticket").getAsString();
  }

  @Test
  void restEndpointsNeedAToken() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String path :
        new String[] {
          "/api/ice-servers", "/api/calls", "/api/messages?with=bob", "/api/presence?users=a"
        }) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(server.http(path)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.body()).contains("\"unauthorized\"");
    }
  }

  @Test
  void devTokenEndpointIssuesTokensInDemoModeOnly() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> ok =
        http.send(
            HttpRequest.newBuilder(server.http("/api/dev/token"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"user\":\"alice\",\"roles\":[\"moderator\"]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).contains("\"token\"");
    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(server.http("/api/dev/token"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"../../etc\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    for (String lenient : new String[] {"{user:'alice'}", "{\"user\":\"alice\"} trailing"}) {
      HttpResponse<String> refused =
          http.send(
              HttpRequest.newBuilder(server.http("/api/dev/token"))
                  .POST(HttpRequest.BodyPublishers.ofString(lenient))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).as(lenient).isEqualTo(400);
      assertThat(refused.body()).contains("malformed JSON");
    }

    try (TestServer prod = TestServer.start("DUET_DEMO", "false")) {
      HttpResponse<String> none =
          http.send(
              HttpRequest.newBuilder(prod.http("/api/dev/token"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"alice\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(none.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void healthAndMetricsAnswer() throws Exception {
    Recorder pinger = server.connect("metrics-pinger");
    pinger.send("ping");
    pinger.expect("pong"); // a server message sent: its wait in the outbox is measured
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> h =
        http.send(
            HttpRequest.newBuilder(server.http("/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    assertThat(h.body()).contains("\"status\":\"ok\"");
    HttpResponse<String> m =
        http.send(
            HttpRequest.newBuilder(server.http("/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.body())
        .contains("duet_open_connections")
        .contains("duet_calls{state=\"ringing\"}")
        .contains("duet_messages_in_total")
        .contains("duet_errors_total")
        .contains("duet_answered_calls_total")
        .contains("duet_recordings_total");
    long count = sample(m.body(), "duet_message_delay_seconds_count");
    assertThat(count).isPositive();
    assertThat(sample(m.body(), "duet_message_delay_seconds_bucket{le=\"+Inf\"}")).isEqualTo(count);
  }

  /** The value of one sample in a Prometheus text page. */
  private static long sample(String page, String series) {
    return page.lines()
        .filter(l -> l.startsWith(series + " "))
        .map(l -> Long.parseLong(l.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + page));
  }

  @Test
  void iceServersCarryTurnCredentialsWhenConfigured() throws Exception {
    try (TestServer turn =
        TestServer.start(
            "DUET_TURN_URLS", "stun:127.0.0.1:3478 turn:127.0.0.1:3478?transport=udp",
            "DUET_TURN_SECRET", "s3cret",
            "DUET_TURN_TTL", "10m")) {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(turn.http("/api/ice-servers"))
                      .header("Authorization", "Bearer " + turn.token("alice"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body())
          .contains("turn:127.0.0.1:3478?transport=udp")
          .contains(":alice\"")
          .contains("\"ttlSeconds\":600");
      Recorder c = turn.connect("bob");
      assertThat(c.welcome().getAsJsonArray("iceServers").toString())
          .contains(":bob\"")
          .contains("credential");
      c.close();
    }
  }
}
