package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Signaling of a call on the relay path, with the embedded engine started by the server. */
class RelayIT {

  @Test
  void recordedCallIsOnTheRelayAndAnUnusableOfferIsRefusedWithoutEndingIt() throws Exception {
    java.nio.file.Path recordings = java.nio.file.Files.createTempDirectory("duet-recordings");
    try (TestServer server =
        TestServer.start(
            "DUET_MEDIA_ENGINE", "true", "DUET_RECORDINGS_DIR", recordings.toString())) {
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

      // A party whose media failed even through the relay says so: both read media_failed.
      a.send("call.hangup", "callId", id, "reason", "media_failed");
      assertThat(a.expect("call.ended").get("reason").getAsString()).isEqualTo("media_failed");
      assertThat(b.expect("call.ended").get("reason").getAsString()).isEqualTo("media_failed");

      // Neither party's media reached the relay: still one catalogue entry each, failed, so a
      // moderator sees that the recorded call has no recording rather than nothing at all.
      String mod = server.token("mod", "moderator");
      java.util.List<String> statuses = java.util.List.of();
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (statuses.size() < 2 && System.nanoTime() < deadline) {
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
      assertThat(statuses).containsExactly("relay-a:failed", "relay-b:failed");
    }
  }
}
