package dev.duet.media.engine.element;

import static dev.duet.media.engine.testing.BrowserPeer.awaitAtLeast;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.MediaEngine;
import dev.duet.media.engine.gst.Probes;
import dev.duet.media.engine.testing.BrowserPeer;
import dev.duet.media.engine.testing.EndpointEvents;
import dev.duet.media.engine.testing.PageServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.freedesktop.gstreamer.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kurento.client.KurentoClient;
import org.kurento.client.MediaPipeline;
import org.kurento.client.WebRtcEndpoint;

/**
 * A WebRtcEndpoint's input (a source's media on its way out to this endpoint's browser) that
 * refuses a frame, as a payloader that refused the source's caps does: real browsers, the engine
 * in-process, and a probe that makes the refusal.
 */
class WebRtcEndpointInputIT {
  private static PageServer page;
  private static MediaEngine engine;
  private static KurentoClient kurento;
  @TempDir static Path recordings;

  private BrowserPeer alice;
  private BrowserPeer bob;
  private MediaPipeline pipeline;
  private RefuseOneFrame refuse; // a field: native code calls it until the pipeline goes

  @BeforeAll
  static void startEngine() throws Exception {
    System.setProperty("kurento.client.requestTimeout", "15000");
    page = new PageServer();
    engine = MediaEngine.start(EngineConfig.defaults().withPort(0).withRecordingsRoot(recordings));
    kurento = KurentoClient.create(engine.uri().toString());
  }

  @AfterAll
  static void stopEngine() throws Exception {
    kurento.destroy();
    engine.close();
    page.close();
  }

  @AfterEach
  void closeBrowsers() throws Exception {
    try (BrowserPeer a = alice;
        BrowserPeer b = bob) {
      if (pipeline != null) {
        pipeline.release();
      }
    }
  }

  @Test
  void aSinkThatRefusesAFrameStopsNeitherTheSourceNorItsOwnVideo() throws Exception {
    alice = new BrowserPeer(page.url());
    bob = new BrowserPeer(page.url());
    pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint a = new WebRtcEndpoint.Builder(pipeline).build();
    WebRtcEndpoint b = new WebRtcEndpoint.Builder(pipeline).build();
    EndpointEvents aEvents = new EndpointEvents(a);
    EndpointEvents bEvents = new EndpointEvents(b);
    a.connect(b);
    b.connect(a);
    alice.negotiate(a, aEvents);
    bob.negotiate(b, bEvents);
    awaitAtLeast("alice decodes bob", alice::framesDecoded, 51, 30);

    // Bob's video on its way out to alice: her endpoint's VP8 payloader refuses one frame.
    WebRtcEndpointObject toAlice = (WebRtcEndpointObject) engine.object(a.getId()).orElseThrow();
    Element payloader =
        toAlice.pipeline.onGraph(
            () ->
                toAlice.pipeline.gst().getElements().stream()
                    .filter(e -> "rtpvp8pay".equals(e.getFactory().getName()))
                    .filter(toAlice::owns)
                    .findFirst()
                    .orElseThrow());
    refuse = new RefuseOneFrame();
    Probes.add(payloader.getStaticPad("sink"), Probes.BUFFER, refuse);
    assertThat(refuse.refused.await(10, TimeUnit.SECONDS))
        .as("a frame refused (%d frames seen, pts %d)", refuse.frames.get(), refuse.refusedPts)
        .isTrue();
    long heard = alice.audioPacketsReceived();
    long seen = alice.framesDecoded();

    // Bob's endpoint reads his audio and video from one socket: a refusal that reached back to it
    // would have stopped both (it did, before the guard). And alice's video comes back.
    awaitAtLeast("alice hears bob after the refusal", alice::audioPacketsReceived, heard + 100, 10);
    awaitAtLeast("alice sees bob again", alice::framesDecoded, seen + 40, 10);
    awaitAtLeast("bob still decodes alice", bob::framesDecoded, bob.framesDecoded() + 40, 10);
  }
}
