package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.MediaEngine;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import dev.duet.testsupport.CuttingProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kurento.client.KurentoClient;
import org.kurento.client.MediaPipeline;
import org.kurento.client.WebRtcEndpoint;

/**
 * The connection between Duet's relay and its media server is reset (RST), three times. However
 * kurento-client takes it (it reconnects, or it closes itself), relayed calls work again soon
 * after: the relay replaces a client that gave up.
 */
class MediaServerResetIT {

  @Test
  void relayedCallsWorkAgainAfterTheMediaServerConnectionIsReset() throws Exception {
    Path recordings = Files.createTempDirectory("duet-recordings");
    MediaEngine engine =
        MediaEngine.start(EngineConfig.defaults().withPort(0).withRecordingsRoot(recordings));
    KurentoClient offers = KurentoClient.create(engine.uri().toString()); // real offers to relay
    try (CuttingProxy proxy = new CuttingProxy(engine.port());
        TestServer server =
            TestServer.start(
                "DUET_KURENTO_URL",
                "ws://127.0.0.1:" + proxy.port() + MediaEngine.PATH,
                "DUET_RECORDINGS_DIR",
                recordings.toString())) {
      MediaPipeline offerPipeline = offers.createMediaPipeline();
      Recorder a = server.connect("reset-a");
      Recorder b = server.connect("reset-b");
      assertThat(relayedCall(a, b, offerPipeline)).as("before any reset").isTrue();
      for (int reset = 1; reset <= 3; reset++) {
        proxy.cut();
        // Polling with a deadline: nothing tells a client that the relay is back but a call.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean relayed = false;
        while (!relayed && System.nanoTime() < deadline) {
          relayed = relayedCall(a, b, offerPipeline);
          if (!relayed) {
            Thread.sleep(500);
          }
        }
        assertThat(relayed).as("a relayed call within 30 s of reset %d", reset).isTrue();
      }
    } finally {
      offers.destroy();
      engine.close();
    }
  }

  /**
   * One recorded (so relayed) call from a to b in which a's offer reaches the relay: true when the
   * relay answered it, false when the call ended with media_failed instead.
   */
  private static boolean relayedCall(Recorder a, Recorder b, MediaPipeline offerPipeline) {
    String id = UUID.randomUUID().toString();
    a.send("call.invite", "callId", id, "to", "reset-b", "record", true);
    b.expectSkipping("call.incoming", "presence");
    b.send("call.accept", "callId", id);
    a.expectSkipping("call.accepted", "presence");
    b.expectSkipping("call.accepted", "presence");
    a.expectSkipping("call.media", "presence");
    b.expectSkipping("call.media", "presence");
    String offer = new WebRtcEndpoint.Builder(offerPipeline).build().generateOffer();
    a.send("sdp.offer", "callId", id, "sdp", offer);
    while (true) {
      JsonObject m = a.next();
      switch (m.get("type").getAsString()) {
        case "sdp.answer" -> {
          a.send("call.hangup", "callId", id);
          a.expectSkipping("call.ended", "presence", "ice.candidate");
          b.expectSkipping("call.ended", "presence", "ice.candidate");
          return true;
        }
        case "call.ended" -> {
          assertThat(m.get("reason").getAsString()).isEqualTo("media_failed");
          b.expectSkipping("call.ended", "presence", "ice.candidate");
          return false;
        }
        case "presence", "ice.candidate" -> {
          // not what this call waits for
        }
        default -> throw new AssertionError("unexpected " + m);
      }
    }
  }
}
