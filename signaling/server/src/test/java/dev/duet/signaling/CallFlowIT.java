package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Call flows between real WebSocket clients and a real server on port 0. */
class CallFlowIT {
  static TestServer server;
  String p; // per-test user prefix, so tests sharing the server never meet

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @org.junit.jupiter.api.BeforeEach
  void prefix(TestInfo info) {
    p = info.getTestMethod().orElseThrow().getName() + "-";
  }

  static String callId() {
    return UUID.randomUUID().toString();
  }

  @Test
  void aCallerWhoKeepsRingingSomeoneIsSlowedDown() {
    try (TestServer strict = TestServer.start("DUET_INVITE_RATE_LIMIT", "3")) {
      Recorder a = strict.connect("spam-a");
      Recorder b = strict.connect("spam-b");
      for (int i = 0; i < 3; i++) { // three calls at once are fine, each cancelled while ringing
        String id = callId();
        a.send("call.invite", "callId", id, "to", "spam-b");
        b.expectSkipping("call.incoming", "presence", "call.ended");
        a.send("call.hangup", "callId", id);
        assertThat(a.expectSkipping("call.ended", "presence").get("reason").getAsString())
            .isEqualTo("cancelled");
      }
      String fourth = a.send("call.invite", "callId", callId(), "to", "spam-b");
      JsonObject refused = a.expectSkipping("error", "presence");
      assertThat(refused.get("code").getAsString()).isEqualTo("rate_limited");
      assertThat(refused.get("re").getAsString()).isEqualTo(fourth);
      b.assertExhausted("presence", "call.ended"); // never rang a fourth time
    }
  }

  @Test
  void reconnectingDoesNotResetTheInviteLimit() {
    try (TestServer strict =
        TestServer.start("DUET_INVITE_RATE_LIMIT", "1", "DUET_RESUME_GRACE", "200ms")) {
      Recorder a = strict.connect("again-a");
      Recorder b = strict.connect("again-b");
      String id = callId();
      a.send("call.invite", "callId", id, "to", "again-b");
      b.expectSkipping("call.incoming", "presence");
      a.send("call.hangup", "callId", id);
      a.expectSkipping("call.ended", "presence");
      // A conversation makes b hear when a's last session ends.
      a.send("chat.send", "to", "again-b", "text", "bye", "clientMsgId", "bye");
      b.expectSkipping("chat.message", "presence", "call.ended");
      a.close();
      JsonObject offline = b.expectSkipping("presence", "call.ended");
      assertThat(offline.get("user").getAsString()).isEqualTo("again-a");
      assertThat(offline.get("online").getAsBoolean()).isFalse();

      Recorder again = strict.connect("again-a");
      String second = again.send("call.invite", "callId", callId(), "to", "again-b");
      JsonObject refused = again.expectSkipping("error", "presence");
      assertThat(refused.get("code").getAsString()).isEqualTo("rate_limited");
      assertThat(refused.get("re").getAsString()).isEqualTo(second);
      b.assertExhausted("presence", "call.ended"); // never rang a second time
    }
  }

  @Test
  void aMessageAtTheSizeLimitIsRelayedWholeThoughTheRelayedFrameIsLarger() {
    try (TestServer small = TestServer.start("DUET_MAX_MESSAGE_BYTES", "8192")) {
      Recorder a = small.connect("size-a");
      Recorder b = small.connect("size-b");
      String id = callId();
      a.send("call.invite", "callId", id, "to", "size-b");
      b.expectSkipping("call.incoming", "presence");
      b.send("call.accept", "callId", id);
      a.expectSkipping("call.accepted", "presence");
      b.expectSkipping("call.accepted", "presence");
      // The offer as sent is just under 8192 bytes; relayed, with "from" and "seq", it is over.
      String sdp = "v=0\r\n" + "a=x-pad:" + "p".repeat(8080) + "\r\n";
      a.send("sdp.offer", "callId", id, "sdp", sdp);
      JsonObject offer = b.expectSkipping("sdp.offer", "presence");
      assertThat(offer.get("sdp").getAsString()).isEqualTo(sdp);
      assertThat(offer.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
          .isGreaterThan(8192);
      b.assertExhausted("presence");
    }
  }

  @Test
  void fullCallRingsEveryDeviceRelaysSignalingAndEndsWithHangup() throws Exception {
    Recorder alice = server.connect(p + "alice");
    Recorder bob1 = server.connect(p + "bob");
    Recorder bob2 = server.connect(p + "bob");
    String callId = callId();

    alice.send("call.invite", "callId", callId, "to", p + "bob");
    JsonObject in1 = bob1.expect("call.incoming");
    JsonObject in2 = bob2.expect("call.incoming");
    assertThat(in1.get("from").getAsString()).isEqualTo(p + "alice");
    assertThat(in1.get("callId").getAsString()).isEqualTo(callId);
    assertThat(in2.get("callId").getAsString()).isEqualTo(callId);

    bob1.send("call.ringing", "callId", callId);
    bob2.send("call.ringing", "callId", callId);
    assertThat(alice.expect("call.ringing").get("callId").getAsString()).isEqualTo(callId);

    bob1.send("call.accept", "callId", callId);
    JsonObject acc = alice.expect("call.accepted");
    assertThat(acc.get("caller").getAsString()).isEqualTo(p + "alice");
    assertThat(acc.get("callee").getAsString()).isEqualTo(p + "bob");
    bob1.expect("call.accepted");
    assertThat(bob2.expect("call.ended").get("reason").getAsString())
        .isEqualTo("answered_elsewhere");

    alice.send("sdp.offer", "callId", callId, "sdp", "v=0\r\no=offer\r\n");
    JsonObject offer = bob1.expect("sdp.offer");
    assertThat(offer.get("sdp").getAsString()).isEqualTo("v=0\r\no=offer\r\n");
    assertThat(offer.get("from").getAsString()).isEqualTo(p + "alice");
    bob1.send("sdp.answer", "callId", callId, "sdp", "v=0\r\no=answer\r\n");
    assertThat(alice.expect("sdp.answer").get("from").getAsString()).isEqualTo(p + "bob");

    for (int i = 0; i < 5; i++) {
      alice.send("ice.candidate", "callId", callId, "candidate", candidate(i));
      bob1.send("ice.candidate", "callId", callId, "candidate", candidate(100 + i));
    }
    alice.send("ice.candidate", "callId", callId, "candidate", null);
    for (int i = 0; i < 5; i++) {
      assertThat(
              bob1.expect("ice.candidate")
                  .getAsJsonObject("candidate")
                  .get("candidate")
                  .getAsString())
          .isEqualTo("candidate:" + i + " 1 udp 1 192.0.2.1 " + (5000 + i) + " typ host");
      assertThat(
              alice
                  .expect("ice.candidate")
                  .getAsJsonObject("candidate")
                  .get("candidate")
                  .getAsString())
          .isEqualTo("candidate:" + (100 + i) + " 1 udp 1 192.0.2.1 " + (5100 + i) + " typ host");
    }
    JsonObject end = bob1.expect("ice.candidate");
    assertThat(end.has("candidate")).isTrue();
    assertThat(end.get("candidate").isJsonNull()).isTrue();

    bob1.send("call.hangup", "callId", callId);
    assertThat(alice.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");
    assertThat(bob1.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");

    alice.assertExhausted();
    bob1.assertExhausted();
    bob2.assertExhausted();

    JsonObject last = awaitEndedCalls(server.token(p + "alice"), 1).get(0).getAsJsonObject();
    assertThat(last.get("callId").getAsString()).isEqualTo(callId);
    assertThat(last.get("endReason").getAsString()).isEqualTo("hangup");
    assertThat(last.get("mediaPath").getAsString()).isEqualTo("p2p");
  }

  static JsonObject candidate(int i) {
    JsonObject c = new JsonObject();
    c.addProperty("candidate", "candidate:" + i + " 1 udp 1 192.0.2.1 " + (5000 + i) + " typ host");
    c.addProperty("sdpMid", "0");
    c.addProperty("sdpMLineIndex", 0);
    return c;
  }

  @Test
  void busyCalleeEndsNewCallWithBusy() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    Recorder c = server.connect(p + "c");
    String first = callId();
    a.send("call.invite", "callId", first, "to", p + "b");
    b.expect("call.incoming");
    b.send("call.accept", "callId", first);
    a.expect("call.accepted");
    b.expect("call.accepted");

    String second = callId();
    c.send("call.invite", "callId", second, "to", p + "b");
    JsonObject ended = c.expect("call.ended");
    assertThat(ended.get("callId").getAsString()).isEqualTo(second);
    assertThat(ended.get("reason").getAsString()).isEqualTo("busy");
    b.assertExhausted();
    a.assertExhausted();
  }

  @Test
  void glareKeepsTheLesserCallIdAndAcceptsItAtOnce() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String lesser = "00000000-glare-" + UUID.randomUUID();
    String greater = "ffffffff-glare-" + UUID.randomUUID();
    a.send("call.invite", "callId", greater, "to", p + "b");
    b.expect("call.incoming");
    b.send("call.invite", "callId", lesser, "to", p + "a");

    // a's call (greater) loses: both told; b's (lesser) survives and is accepted at once.
    JsonObject aEnd = a.expect("call.ended");
    assertThat(aEnd.get("callId").getAsString()).isEqualTo(greater);
    assertThat(aEnd.get("reason").getAsString()).isEqualTo("glare");
    JsonObject bEnd = b.expect("call.ended");
    assertThat(bEnd.get("callId").getAsString()).isEqualTo(greater);
    assertThat(bEnd.get("reason").getAsString()).isEqualTo("glare");
    assertThat(a.expect("call.accepted").get("callId").getAsString()).isEqualTo(lesser);
    assertThat(b.expect("call.accepted").get("callId").getAsString()).isEqualTo(lesser);

    b.send("sdp.offer", "callId", lesser, "sdp", "v=0\r\n");
    a.expect("sdp.offer");
  }

  @Test
  void rejectTellsCallerRejectedAndOtherDevicesDeclinedElsewhere() {
    Recorder a = server.connect(p + "a");
    Recorder b1 = server.connect(p + "b");
    Recorder b2 = server.connect(p + "b");
    String id = callId();
    a.send("call.invite", "callId", id, "to", p + "b");
    b1.expect("call.incoming");
    b2.expect("call.incoming");
    b2.send("call.reject", "callId", id);
    assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("rejected");
    assertThat(b2.expect("call.ended").get("reason").getAsString()).isEqualTo("rejected");
    assertThat(b1.expect("call.ended").get("reason").getAsString()).isEqualTo("declined_elsewhere");
  }

  @Test
  void callerHangingUpBeforeAnswerCancels() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String id = callId();
    a.send("call.invite", "callId", id, "to", p + "b");
    b.expect("call.incoming");
    a.send("call.hangup", "callId", id);
    assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("cancelled");
    assertThat(b.expect("call.ended").get("reason").getAsString()).isEqualTo("cancelled");
  }

  @Test
  void unansweredCallTimesOut() {
    try (TestServer quick = TestServer.start("DUET_RING_TIMEOUT", "1s")) {
      Recorder a = quick.connect("a");
      Recorder b = quick.connect("b");
      String id = callId();
      a.send("call.invite", "callId", id, "to", "b");
      b.expect("call.incoming");
      assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("timeout");
      assertThat(b.expect("call.ended").get("reason").getAsString()).isEqualTo("timeout");
    }
  }

  /** a calls b (this test's users) and b accepts: the call's id once both know. */
  private String acceptedCall(Recorder a, Recorder b) {
    String id = callId();
    a.send("call.invite", "callId", id, "to", p + "b");
    b.expect("call.incoming");
    b.send("call.accept", "callId", id);
    a.expect("call.accepted");
    b.expect("call.accepted");
    return id;
  }

  @Test
  void aHangupSaysWhyAndAnUnknownReasonEndsNothing() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String id = acceptedCall(a, b);

    String bad = b.send("call.hangup", "callId", id, "reason", "bored");
    JsonObject err = b.expect("error");
    assertThat(err.get("code").getAsString()).isEqualTo("bad_request");
    assertThat(err.get("message").getAsString()).contains("reason");
    assertThat(err.get("re").getAsString()).isEqualTo(bad);
    a.assertExhausted(); // the call goes on

    // On the peer-to-peer path media_failed is a plain hang-up (RelayIT has the relay's case).
    b.send("call.hangup", "callId", id, "reason", "media_failed");
    assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");
    assertThat(b.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");
  }

  @Test
  void thirdUserCannotInjectIntoACall() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    Recorder mallory = server.connect(p + "mallory");
    String id = acceptedCall(a, b);

    for (String type : new String[] {"sdp.offer", "sdp.answer"}) {
      String mid = mallory.send(type, "callId", id, "sdp", "v=0\r\ns=evil\r\n");
      JsonObject err = mallory.expect("error");
      assertThat(err.get("code").getAsString()).isEqualTo("not_in_call");
      assertThat(err.get("re").getAsString()).isEqualTo(mid);
    }
    mallory.send("ice.candidate", "callId", id, "candidate", candidate(1));
    assertThat(mallory.expect("error").get("code").getAsString()).isEqualTo("not_in_call");
    mallory.send("call.hangup", "callId", id);
    assertThat(mallory.expect("error").get("code").getAsString()).isEqualTo("not_in_call");
    mallory.send("call.accept", "callId", id);
    assertThat(mallory.expect("error").get("code").getAsString()).isEqualTo("not_in_call");

    a.assertExhausted();
    b.assertExhausted();
  }

  @Test
  void malformedSdpAndCandidatesAreRefusedAndNeverReachThePeer() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String id = acceptedCall(a, b);

    for (String sdp :
        new String[] {"v=0 this is not sdp \u0000 <script>", "v=0\r\n<b>hi</b>\r\n"}) {
      String mid = a.send("sdp.offer", "callId", id, "sdp", sdp);
      JsonObject err = a.expect("error");
      assertThat(err.get("code").getAsString()).isEqualTo("bad_request");
      assertThat(err.get("message").getAsString()).startsWith("invalid SDP");
      assertThat(err.get("re").getAsString()).isEqualTo(mid);
    }
    JsonObject garbage = new JsonObject();
    garbage.addProperty("candidate", "garbage");
    garbage.addProperty("sdpMLineIndex", -7);
    String cid = a.send("ice.candidate", "callId", id, "candidate", garbage);
    JsonObject err = a.expect("error");
    assertThat(err.get("code").getAsString()).isEqualTo("bad_request");
    assertThat(err.get("re").getAsString()).isEqualTo(cid);

    b.assertExhausted();
    a.send("sdp.offer", "callId", id, "sdp", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n");
    b.expect("sdp.offer"); // a well-formed one still goes through
  }

  @Test
  void badInputGetsTypedErrorsAndTheConnectionStaysOpen() {
    Recorder a = server.connect(p + "a");
    a.sendRaw("{not json");
    assertThat(a.expect("error").get("code").getAsString()).isEqualTo("bad_request");
    a.sendRaw("[1,2]");
    assertThat(a.expect("error").get("code").getAsString()).isEqualTo("bad_request");
    a.sendRaw("{\"type\":\"call.teleport\",\"id\":\"x1\"}");
    JsonObject unknown = a.expect("error");
    assertThat(unknown.get("code").getAsString()).isEqualTo("unknown_type");
    assertThat(unknown.get("re").getAsString()).isEqualTo("x1");
    a.sendRaw("{\"type\":\"call.invite\",\"id\":\"x2\",\"to\":\"b\"}");
    JsonObject missing = a.expect("error");
    assertThat(missing.get("code").getAsString()).isEqualTo("bad_request");
    assertThat(missing.get("message").getAsString()).contains("callId");
    a.send("sdp.offer", "callId", "nope", "sdp", "not an sdp");
    assertThat(a.expect("error").get("code").getAsString()).isEqualTo("bad_request");
    a.send("call.hangup", "callId", "no-such-call");
    assertThat(a.expect("error").get("code").getAsString()).isEqualTo("not_in_call");
    a.assertExhausted();
  }

  @Test
  void oversizedMessageClosesWith1009() {
    Recorder a = server.connect(p + "a");
    a.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}");
    assertThat(a.awaitClose()).isEqualTo(1009);
  }

  @Test
  void welcomeCarriesSessionResumeTokenAndLimits() {
    Recorder a = server.connect(p + "a");
    JsonObject w = a.welcome();
    assertThat(w.get("protocol").getAsInt()).isEqualTo(1);
    assertThat(w.get("resumed").getAsBoolean()).isFalse();
    assertThat(w.get("sessionId").getAsString()).isNotBlank();
    assertThat(w.get("resumeToken").getAsString()).hasSizeGreaterThanOrEqualTo(22);
    assertThat(w.get("heartbeatMs").getAsLong()).isPositive();
    assertThat(w.getAsJsonObject("limits").get("maxMessageBytes").getAsInt()).isEqualTo(65536);
    assertThat(w.has("seq")).isFalse();
  }

  @Test
  void callHistoryPagesWithTheNextCursorAndNeedsBeforeForACallId() throws Exception {
    Recorder a = server.connect(p + "ha");
    Recorder b = server.connect(p + "hb");
    List<String> made = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = callId();
      a.send("call.invite", "callId", id, "to", p + "hb");
      b.expect("call.incoming");
      a.send("call.hangup", "callId", id);
      a.expect("call.ended");
      b.expect("call.ended");
      made.add(id);
    }
    String token = server.token(p + "ha");
    awaitEndedCalls(token, 3);
    List<String> seen = new java.util.ArrayList<>();
    String query = "/api/calls?limit=1&before=&beforeCallId="; // empty values: absent

    for (int page = 0; page < 3; page++) {
      JsonObject body = getJson(query, token);
      seen.add(body.getAsJsonArray("calls").get(0).getAsJsonObject().get("callId").getAsString());
      query =
          "/api/calls?limit=1&before="
              + body.get("nextBefore").getAsLong()
              + "&beforeCallId="
              + body.get("nextBeforeCallId").getAsString();
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(made);
    assertThat(getJson(query, token).getAsJsonArray("calls")).isEmpty();

    HttpResponse<String> bad = get("/api/calls?beforeCallId=x", token);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("beforeCallId needs before");
  }

  static HttpResponse<String> get(String path, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(server.http(path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The user's latest {@code n} calls once all their records are closed: {@code call.ended} is sent
   * before the store thread saves the record's end.
   */
  static JsonArray awaitEndedCalls(String token, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      JsonArray calls = getJson("/api/calls?limit=" + n, token).getAsJsonArray("calls");
      boolean allEnded =
          calls.size() == n
              && calls.asList().stream()
                  .allMatch(
                      c ->
                          c.getAsJsonObject().has("endReason")
                              && !c.getAsJsonObject().get("endReason").isJsonNull());
      if (allEnded || System.nanoTime() > deadline) {
        assertThat(allEnded).as("%d ended calls in %s", n, calls).isTrue();
        return calls;
      }
      Thread.sleep(100); // polling the history with a deadline
    }
  }

  static JsonObject getJson(String path, String token) throws Exception {
    HttpResponse<String> r = get(path, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }
}
