package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.signaling.testing.Client;
import dev.duet.signaling.testing.TestServer;
import dev.duet.signaling.testing.TestServer.Transport;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SSE, long and short polling: the same protocol and errors as WebSocket, over HTTP. */
class HttpTransportsIT {
  static TestServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    // The default heartbeat: with a short one, any 2 s stall of a busy test machine between two
    // polls would detach a poller mid-test. The heartbeat test has a server of its own.
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  int port() {
    return server.server().port();
  }

  HttpResponse<String> post(String path, String token, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(server.http(path))
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.http(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET sent as raw HTTP/1.1 (the path as is), its whole response as text. */
  String rawGet(String path, String token) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      String request =
          "GET "
              + path
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
              + token
              + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(
          socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void aCallWorksBetweenAnSseCallerAndALongPollingCallee() {
    Client a = server.connect("sse-a", Transport.SSE, port(), null, 0);
    Client b = server.connect("lp-b", Transport.LONGPOLL, port(), null, 0);
    String id = UUID.randomUUID().toString();
    a.send("call.invite", "callId", id, "to", "lp-b");
    b.expect("call.incoming");
    b.send("call.accept", "callId", id);
    a.expect("call.accepted");
    b.expect("call.accepted");
    a.send("sdp.offer", "callId", id, "sdp", "v=0\r\n");
    b.expect("sdp.offer");
    b.send("sdp.answer", "callId", id, "sdp", "v=0\r\n");
    a.expect("sdp.answer");
    a.send("call.hangup", "callId", id);
    assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");
    assertThat(b.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");
  }

  @Test
  void bothPartiesOnStreamingTransportsLearnTheirCallEndedWhenTheServerShutsDown() {
    // WebSocket and SSE hold a stream open; a polling client between two polls can miss it.
    try (TestServer own = TestServer.start()) {
      int port = own.server().port();
      Client ws = own.connect("down-ws", Transport.WS, port, null, 0);
      Client sse = own.connect("down-sse", Transport.SSE, port, null, 0);
      String id = UUID.randomUUID().toString();
      ws.send("call.invite", "callId", id, "to", "down-sse");
      sse.expectSkipping("call.incoming", "presence");
      sse.send("call.accept", "callId", id);
      ws.expectSkipping("call.accepted", "presence");
      sse.expectSkipping("call.accepted", "presence");
      own.server().close(); // with both clients still connected
      for (Client c : new Client[] {ws, sse}) {
        assertThat(c.expectSkipping("call.ended", "presence").get("reason").getAsString())
            .as(c.transport())
            .isEqualTo("server_shutdown");
        assertThat(c.awaitClose()).as(c.transport() + " close code").isEqualTo(1001);
      }
    }
  }

  @Test
  void aStoppingServerRefusesNewConnectionsWith503() throws Exception {
    try (TestServer own = TestServer.start()) {
      String token = own.token("late");
      own.server().switchboard().close(); // the first step of a stop; Jetty still answers
      assertThat(
              dev.duet.signaling.testing.Recorder.upgradeStatus(
                  own.wsUri(token, ""), java.util.Map.of()))
          .isEqualTo(503);
      HttpClient http = HttpClient.newHttpClient();
      for (String path : new String[] {"/sse", "/poll", "/poll?wait=0"}) { // new sessions
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(own.http(path))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).as(path).isPresent();
        assertThat(r.body()).as(path).contains("server shutting down");
      }
    }
  }

  @Test
  void whileTheServerStopsOpenSessionsStillPingAndAckButCallAndChatWorkIsRefused() {
    // Between the call loop's stop and the links' close: acks and pings touch only the session
    // and must go on (a refused ack would queue an error to ack, and so on until 4001).
    try (TestServer own = TestServer.start()) {
      List<Client> clients = new ArrayList<>();
      for (Transport t : new Transport[] {Transport.WS, Transport.SSE, Transport.LONGPOLL}) {
        clients.add(own.connect("stopping-" + t, t, own.server().port(), null, 0).autoAck());
      }
      own.server().switchboard().close(); // the first step of a stop; Jetty still answers
      for (Client c : clients) {
        String t = c.transport();
        // Work for the stopped call loop and store is refused, with an answer.
        String invite = c.send("call.invite", "callId", UUID.randomUUID().toString(), "to", "x");
        String chat = c.send("chat.send", "to", "x", "text", "hi", "clientMsgId", "m-" + t);
        long seq = 0;
        for (String id : new String[] {invite, chat}) {
          JsonObject refused = c.expectSkipping("error", "presence");
          assertThat(refused.get("re").getAsString()).as(t).isEqualTo(id);
          assertThat(refused.get("message").getAsString()).isEqualTo("server shutting down");
          seq = refused.get("seq").getAsLong();
        }
        for (int i = 0; i < 3; i++) {
          c.assertExhausted("presence"); // a ping answered, and no error in between
        }
        assertThat(c.lastSeq())
            .as(t + ": nothing but the refusals and the pongs")
            .isEqualTo(seq + 3);
      }
    }
  }

  @Test
  void aPostDuringAnSseResumeDoesNotSpendTheTokenIfTheWelcomeIsLost() {
    Client a = server.connect("sse-lost", Transport.SSE, port(), null, 0);
    String sessionId = a.welcome().get("sessionId").getAsString();
    String token = a.resumeToken();
    a.drop();
    // The stream resumes, but its welcome never reaches the client; a POST the client sent while
    // reconnecting arrives meanwhile. Only the session id travels in it: it shows nothing.
    Client lost = server.connect("sse-lost", Transport.SSE, port(), token, 0);
    lost.send("ping");
    lost.expect("pong");
    lost.drop();
    Client back = server.connect("sse-lost", Transport.SSE, port(), token, 0);
    assertThat(back.welcome().get("resumed").getAsBoolean())
        .as("resumed with the same token")
        .isTrue();
    assertThat(back.welcome().get("sessionId").getAsString()).isEqualTo(sessionId);
  }

  @Test
  void shortPollingChats() {
    Client a = server.connect("sp-a", Transport.SHORTPOLL, port(), null, 0);
    Client b = server.connect("sp-b", Transport.SHORTPOLL, port(), null, 0);
    a.send("chat.send", "to", "sp-b", "text", "polled", "clientMsgId", "1");
    // Presence of the other can come at any point once they have chatted (see ChatIT).
    a.expectSkipping("chat.sent", "presence");
    assertThat(b.expectSkipping("chat.message", "presence").get("text").getAsString())
        .isEqualTo("polled");
    // The next poll acks it: a gets the delivery receipt.
    assertThat(a.expectSkipping("chat.receipt", "presence").get("status").getAsString())
        .isEqualTo("delivered");
  }

  @Test
  void badInputOverHttpGetsTheSameErrorsAsOnWebSocket() throws Exception {
    Client a = server.connect("bad-a", Transport.SSE, port(), null, 0);
    String sid = a.welcome().get("sessionId").getAsString();
    String token = server.token("bad-a");

    JsonArray malformed = errors(post("/send?session=" + sid, token, "{not json"));
    assertThat(malformed.get(0).getAsJsonObject().get("code").getAsString())
        .isEqualTo("bad_request");
    JsonArray unknown =
        errors(post("/send?session=" + sid, token, "{\"type\":\"x.y\",\"id\":\"7\"}"));
    assertThat(unknown.get(0).getAsJsonObject().get("code").getAsString())
        .isEqualTo("unknown_type");
    assertThat(unknown.get(0).getAsJsonObject().get("re").getAsString()).isEqualTo("7");
    JsonArray batch =
        errors(
            post(
                "/send?session=" + sid,
                token,
                "[{\"type\":\"ping\",\"id\":\"p\"},{\"type\":\"call.accept\",\"id\":\"q\"},42]"));
    assertThat(batch).hasSize(2);
    assertThat(batch.get(0).getAsJsonObject().get("re").getAsString()).isEqualTo("q");
    assertThat(a.expect("pong").get("re").getAsString()).isEqualTo("p");

    HttpResponse<String> big =
        post("/send?session=" + sid, token, "[" + "1,".repeat(40_000) + "1]");
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.body()).contains("too_large");

    assertThat(post("/send?session=" + sid, "garbage", "{}").statusCode()).isEqualTo(401);
    assertThat(get("/poll?wait=0", null).statusCode()).isEqualTo(401);
    assertThat(get("/sse", "garbage").statusCode()).isEqualTo(401);
  }

  @Test
  void awkwardBodiesAndQueriesGetJsonErrorsAndLoseNothing() throws Exception {
    Client a = server.connect("odd-a", Transport.LONGPOLL, port(), null, 0);
    String sid = a.welcome().get("sessionId").getAsString();
    String token = server.token("odd-a");
    String send = "/send?session=" + sid;

    // Not UTF-8: refused as a bad request, in JSON.
    HttpResponse<String> latin1 =
        HTTP.send(
            HttpRequest.newBuilder(server.http(send))
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        new byte[] {
                          '{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xff, '"', '}'
                        }))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(latin1.statusCode()).isEqualTo(400);
    assertThat(latin1.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(latin1.body()).contains("bad_request").doesNotContain("Exception");

    // A chunked body (no length to check first) far over the limit: refused at the limit.
    byte[] megabyte = new byte[1 << 20];
    java.util.Arrays.fill(megabyte, (byte) ' ');
    HttpResponse<String> chunked =
        HTTP.send(
            HttpRequest.newBuilder(server.http(send))
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new java.io.SequenceInputStream(
                                java.util.Collections.enumeration(
                                    java.util.Collections.nCopies(
                                        64, new java.io.ByteArrayInputStream(megabyte))))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(chunked.body()).contains("too_large");

    // A batch with one absurdly nested element: that element is refused, the others run.
    String deep = "[".repeat(20_000) + "]".repeat(20_000);
    JsonArray nested =
        errors(post(send, token, "[{\"type\":\"ping\",\"id\":\"p1\"}," + deep + "]"));
    assertThat(nested).hasSize(1);
    assertThat(nested.get(0).getAsJsonObject().get("code").getAsString()).isEqualTo("bad_request");
    assertThat(a.expect("pong").get("re").getAsString()).isEqualTo("p1");

    // Malformed query strings, on REST and on a transport: JSON 400s, not HTML or 500s.
    // (java.net.URI refuses to build such a request: sent over a plain socket.)
    for (String path : new String[] {"/api/calls?x=%zz", "/poll?session=" + sid + "&x=%zz"}) {
      String r = rawGet(path, token);
      assertThat(r).as(path).startsWith("HTTP/1.1 400").contains("bad_request");
      assertThat(r).as(path).doesNotContain("<html").doesNotContain("Exception");
    }
    // Counts that are not counts: refused, not read as 0 (lastSeq=abc would replay everything).
    for (String path :
        new String[] {
          "/poll?session=" + sid + "&after=abc&wait=0", "/poll?wait=-1", "/sse?lastSeq=-5"
        }) {
      HttpResponse<String> r = get(path, token);
      assertThat(r.statusCode()).as(path).isEqualTo(400);
      assertThat(r.body()).as(path).contains("bad_request").contains("whole number");
    }
    assertThat(
            dev.duet.signaling.testing.Recorder.upgradeStatus(
                server.wsUri(token, "resume=x&lastSeq=abc"), java.util.Map.of()))
        .isEqualTo(400);
    HttpResponse<String> missing = get("/no/such/thing", token);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("not_found").doesNotContain("<html");
    a.assertExhausted();
  }

  @Test
  void nobodyCanPostOrPollIntoAnotherUsersSession() throws Exception {
    Client victim = server.connect("victim", Transport.LONGPOLL, port(), null, 0);
    String sid = victim.welcome().get("sessionId").getAsString();
    String mallory = server.token("mallory");
    HttpResponse<String> posted =
        post(
            "/send?session=" + sid,
            mallory,
            "{\"type\":\"chat.send\",\"to\":\"x\",\"text\":\"t\",\"clientMsgId\":\"1\"}");
    assertThat(posted.statusCode()).isEqualTo(404);
    HttpResponse<String> polled = get("/poll?session=" + sid + "&after=0&wait=0", mallory);
    assertThat(polled.statusCode()).isEqualTo(404);
    victim.assertExhausted();
  }

  @Test
  void sseStreamHasProxyFriendlyHeadersHeartbeatsAndSeqIds() throws Exception {
    try (TestServer quick = TestServer.start("DUET_HEARTBEAT", "1s")) {
      sseStreamHasProxyFriendlyHeadersHeartbeatsAndSeqIds(quick);
    }
  }

  private static void sseStreamHasProxyFriendlyHeadersHeartbeatsAndSeqIds(TestServer server)
      throws Exception {
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.server().uri() + "/sse"))
                .header("Authorization", "Bearer " + server.token("hb"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(r.headers().firstValue("cache-control").orElse("")).contains("no-cache");
    assertThat(r.headers().firstValue("x-accel-buffering").orElse("")).isEqualTo("no");
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(in.readLine()).isEqualTo("event: welcome");
      JsonObject welcome = JsonParser.parseString(in.readLine().substring(6)).getAsJsonObject();
      assertThat(welcome.get("type").getAsString()).isEqualTo("welcome");
      String line;
      boolean heartbeat = false;
      while ((line = in.readLine()) != null && !heartbeat) {
        heartbeat = line.startsWith(":");
      }
      assertThat(heartbeat).as("a comment heartbeat within the heartbeat period").isTrue();
    }
  }

  @Test
  void aPollerThatStopsPollingDropsIntoGraceAndCanResumeOnWebSocket() {
    Client a = server.connect("quit-a", Transport.LONGPOLL, port(), null, 0);
    Client sender = server.connect("quit-s", Transport.WS, port(), null, 0);
    a.drop();
    sender.send("chat.send", "to", "quit-a", "text", "while away", "clientMsgId", "1");
    sender.expectSkipping("chat.sent", "presence");
    Client back = server.connect("quit-a", Transport.WS, port(), a.resumeToken(), a.lastSeq());
    assertThat(back.welcome().get("resumed").getAsBoolean()).isTrue();
    assertThat(back.expectSkipping("chat.message", "presence").get("text").getAsString())
        .isEqualTo("while away");
  }

  static JsonArray errors(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("errors");
  }
}
