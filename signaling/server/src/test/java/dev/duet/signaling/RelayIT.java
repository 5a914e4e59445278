package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Signaling of a call on the relay path, with the embedded engine started by the server. */
class RelayIT {

  @Test
  void recordedCallIsOnTheRelayAndAnUnusableOfferIsRefusedWithoutEndingIt() throws Exception {
    java.nio.file.Path recordings = java.nio.file.Files.createTempDirectory("duet-recordings");
    try (TestServer server =
        TestServer.start(
            "DUET_MEDIA_ENGINE",
            "true",
            "DUET_RECORDINGS_DIR",
            recordings.toString(),
            "DUET_RATE_LIMIT",
            "1000")) { // the candidate bound below, not the message rate
      Recorder a = server.connect("relay-a");
      Recorder b = server.connect("relay-b");
      String id = UUID.randomUUID().toString();
      a.send("call.invite", "callId", id, "to", "relay-b", "record", true);
      assertThat(b.expect("call.incoming").get("record").getAsBoolean()).isTrue();
      b.send("call.accept", "callId", id);
      a.expect("call.accepted");
      b.expect("call.accepted");
      assertThat(a.expect("call.media").get("path").getAsString()).isEqualTo("relay");
      assertThat(b.expect("call.media").get("path").getAsString()).isEqualTo("relay");

      // On the relay path the relay answers: a party's sdp.answer is refused.
      b.send("sdp.answer", "callId", id, "sdp", "v=0\r\n");
      assertThat(b.expect("error").get("code").getAsString()).isEqualTo("invalid_state");

      // An offer the relay cannot use is the sender's mistake: an error, and the call goes on.
      String offerId = a.send("sdp.offer", "callId", id, "sdp", "v=0\r\ns=no media to relay\r\n");
      JsonObject err = a.expect("error");
      assertThat(err.get("code").getAsString()).isEqualTo("bad_request");
      assertThat(err.get("re").getAsString()).isEqualTo(offerId);
      b.assertExhausted();

      // The relay holds a party's candidates until its offer: at most 200 per party and call.
      for (int i = 0; i < Switchboard.MAX_RELAY_CANDIDATES; i++) {
        a.send("ice.candidate", "callId", id, "candidate", CallFlowIT.candidate(i));
      }
      String extra = a.send("ice.candidate", "callId", id, "candidate", CallFlowIT.candidate(999));
      JsonObject tooMany = a.expect("error");
      assertThat(tooMany.get("code").getAsString()).isEqualTo("rate_limited");
      assertThat(tooMany.get("re").getAsString()).isEqualTo(extra);
      assertThat(tooMany.get("message").getAsString()).contains("200 candidates");

      // A party whose media failed even through the relay says so: both read media_failed.
      a.send("call.hangup", "callId", id, "reason", "media_failed");
      assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("media_failed");
      assertThat(b.expect("call.ended").get("reason").getAsString()).isEqualTo("media_failed");

      // Neither party's media reached the relay: still one catalogue entry each, failed, so a
      // moderator sees that the recorded call has no recording rather than nothing at all.
      assertThat(awaitStatuses(server, id, 2)).containsExactly("relay-a:failed", "relay-b:failed");
    }
  }

  @Test
  void aRecordingThatCannotBeWrittenLeavesTheCallGoingAndIsListedFailed() throws Exception {
    java.nio.file.Path recordings = java.nio.file.Files.createTempDirectory("duet-recordings");
    String id = UUID.randomUUID().toString();
    // The call's folder cannot be made: a file has its name (as a full disk or a folder that is
    // not writable would, for a test that runs as root).
    java.nio.file.Files.writeString(recordings.resolve(id), "in the way");
    try (TestServer server =
        TestServer.start(
            "DUET_MEDIA_ENGINE", "true", "DUET_RECORDINGS_DIR", recordings.toString())) {
      Recorder a = server.connect("unwritable-a");
      Recorder b = server.connect("unwritable-b");
      a.send("call.invite", "callId", id, "to", "unwritable-b", "record", true);
      b.expect("call.incoming");
      b.send("call.accept", "callId", id);
      a.expect("call.accepted");
      b.expect("call.accepted");
      assertThat(a.expect("call.media").get("path").getAsString()).isEqualTo("relay");
      b.expect("call.media");

      // Her offer is answered by the relay: her recorder failed, her call did not.
      a.send("sdp.offer", "callId", id, "sdp", OFFER);
      JsonObject answer = a.expectSkipping("sdp.answer", "ice.candidate");
      assertThat(answer.get("sdp").getAsString()).contains("m=audio").contains("m=video");
      a.send("call.hangup", "callId", id);
      assertThat(b.expectSkipping("call.ended", "ice.candidate").get("reason").getAsString())
          .isEqualTo("hangup");
      assertThat(awaitStatuses(server, id, 2))
          .containsExactly("unwritable-a:failed", "unwritable-b:failed");
    }
  }

  /** The catalogue's {@code party:status} entries of call {@code id}, once there are {@code n}. */
  static List<String> awaitStatuses(TestServer server, String id, int n) throws Exception {
    String mod = server.token("mod", "moderator");
    List<String> statuses = List.of();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (statuses.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(100); // cataloguing follows the call's end on the store thread
      String body =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(server.http("/api/recordings?limit=50"))
                      .header("Authorization", "Bearer " + mod)
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      statuses =
          com.google.gson.JsonParser.parseString(body)
              .getAsJsonObject()
              .getAsJsonArray("recordings")
              .asList()
              .stream()
              .map(e -> e.getAsJsonObject())
              .filter(r -> r.get("callId").getAsString().equals(id))
              .map(r -> r.get("party").getAsString() + ":" + r.get("status").getAsString())
              .sorted()
              .toList();
    }
    return statuses;
  }

  /** A browser-shaped offer: Opus and VP8, bundled, DTLS; its media never comes. */
  static final String OFFER =
      String.join(
          "\r\n",
          java.util.stream.Stream.of(
                  List.of(
                      "v=0",
                      "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
                      "s=-",
                      "t=0 0",
                      "a=group:BUNDLE 0 1",
                      "a=msid-semantic: WMS s1"),
                  media(
                      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                      "0",
                      "a=msid:s1 a1",
                      "a=rtpmap:111 opus/48000/2",
                      "a=fmtp:111 minptime=10;useinbandfec=1",
                      "a=ssrc:1001 cname:relayit"),
                  media(
                      "m=video 9 UDP/TLS/RTP/SAVPF 96",
                      "1",
                      "a=msid:s1 v1",
                      "a=rtcp-rsize",
                      "a=rtpmap:96 VP8/90000",
                      "a=rtcp-fb:96 nack",
                      "a=rtcp-fb:96 nack pli",
                      "a=rtcp-fb:96 ccm fir",
                      "a=ssrc:2002 cname:relayit"),
                  List.of(""))
              .flatMap(List::stream)
              .toList());

  /** One m-section: the line, the transport every section shares, then its own lines. */
  private static List<String> media(String mLine, String mid, String... own) {
    List<String> lines =
        new java.util.ArrayList<>(
            List.of(
                mLine,
                "c=IN IP4 0.0.0.0",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:Zx9q",
                "a=ice-pwd:Q1w2E3r4T5y6U7i8O9p0aSdF",
                "a=ice-options:trickle",
                "a=fingerprint:sha-256 " + fingerprint(),
                "a=setup:actpass",
                "a=mid:" + mid,
                "a=sendrecv",
                "a=rtcp-mux"));
    lines.addAll(List.of(own));
    return lines;
  }

  private static String fingerprint() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 32; i++) {
      b.append(i == 0 ? "" : ":").append(String.format("%02X", (i * 37 + 11) & 0xff));
    }
    return b.toString();
  }
}
