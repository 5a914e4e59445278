package dev.duet.media.engine.element;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.WebmProbe;
import dev.duet.media.engine.gst.Natives;
import dev.duet.media.engine.gst.Probes;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.Pad;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RecorderEndpoint in a real pipeline, fed by a live GStreamer encoder instead of a browser, so a
 * test can reach inside its recording bin.
 */
class RecorderEndpointObjectIT {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @TempDir Path recordings;
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private MediaPipelineObject pipeline;
  private RefuseOneFrame refuse;

  @AfterEach
  void release() {
    if (pipeline != null) {
      pipeline.release();
    }
  }

  @Test
  void videoGoesOnFromAKeyframeAfterTheRecordingRefusedOneFrame() throws Exception {
    pipeline = newPipeline();
    LiveSource source = new LiveSource(pipeline);
    Path file = recordings.resolve("refused.webm");
    RecorderEndpointObject recorder = recording(source, file, "WEBM_VIDEO_ONLY");

    Element capsSetter = capsSetterOfTheRecording();
    refuse = new RefuseOneFrame(); // a field: native code calls it until the pipeline goes
    Probes.add(capsSetter.getStaticPad("src"), Probes.BUFFER, refuse);
    boolean goesOn = refuse.fiveSecondsLater.await(20, TimeUnit.SECONDS);
    // Where the refused frame would have been in the file: the ghost pad's internal pad (the
    // capssetter's peer) carries the offset that rebased the recording's first frame to 0.
    long offset =
        Gst.INSTANCE.gst_pad_get_offset(
            org.freedesktop.gstreamer.glib.Natives.getRawPointer(
                capsSetter.getStaticPad("sink").getPeer()));
    recorder.invoke("stopAndWait", params());

    assertThat(refuse.refusedPts)
        .as("a frame refused (%d frames reached the muxer input)", refuse.frames.get())
        .isNotNegative();
    assertThat(goesOn).as("frames reach the muxer input 5 s after the refusal").isTrue();
    List<WebmProbe.Packet> video = WebmProbe.videoPackets(file);
    assertThat(video).as("video packets").isNotEmpty();
    double refusedAt = video.get(0).seconds() + (refuse.refusedPts + offset) / (double) SECOND;
    // Half a frame early: the container keeps milliseconds, and the frame before is 33 ms earlier.
    List<WebmProbe.Packet> after =
        video.stream().filter(p -> p.seconds() > refusedAt - 0.016).toList();
    assertThat(after.size())
        .as("video packets in the file after %.3f s (the refused frame)", refusedAt)
        .isGreaterThan(75); // of 150 in 5 s: a gap of up to 2.5 s (two ticks, a keyframe) passes
    assertThat(after.get(0).keyframe()).as("the first frame after the gap is a keyframe").isTrue();
    WebmProbe probe = WebmProbe.of(file);
    assertThat(probe.codecs()).containsExactly("vp8");
    assertThat(probe.decodeExit()).as(probe.decodeErrors()).isZero();
    assertThat(probe.decodeErrors()).isBlank();
  }

  @Test
  void audioGoesOnWhileVideoIsSilentAndVideoComesBack() throws Exception {
    pipeline = newPipeline();
    LiveSource source = new LiveSource(pipeline, true);
    Path file = recordings.resolve("silent-video.webm");
    RecorderEndpointObject recorder = recording(source, file, "WEBM");

    // The camera goes off for 200 audio frames (4 s: twice what the recorder's input queue holds),
    // then comes back for 60 video frames. Raw frames are held back, so the encoder simply sees a
    // pause, as a browser's does.
    silence = new VideoSilence();
    Probes.add(source.vp8In, Probes.BUFFER, silence.raw);
    Probes.add(source.opusOut, Probes.BUFFER, silence.audio);
    Probes.add(source.vp8Out, Probes.BUFFER, silence.encoded);
    boolean cameBack = silence.videoAfter.await(30, TimeUnit.SECONDS);
    recorder.invoke("stopAndWait", params());

    assertThat(cameBack).as("60 video frames after the silence").isTrue();
    List<Double> audio = WebmProbe.audioPacketTimes(file);
    assertThat(audio).as("audio packets").isNotEmpty();
    double longestAudioGap = 0;
    double gapAt = 0;
    for (int i = 1; i < audio.size(); i++) {
      if (audio.get(i) - audio.get(i - 1) > longestAudioGap) {
        longestAudioGap = audio.get(i) - audio.get(i - 1);
        gapAt = audio.get(i - 1);
      }
    }
    assertThat(longestAudioGap)
        .as(
            "the longest gap between audio packets (s), at %.3f s, of %d packets from %.3f to %.3f s",
            gapAt, audio.size(), audio.get(0), audio.get(audio.size() - 1))
        .isLessThan(0.3);
    assertThat(audio).as("audio packets").hasSizeGreaterThan(250);
    List<WebmProbe.Packet> video = WebmProbe.videoPackets(file);
    double longestVideoGap = 0;
    int gapEnd = 0;
    for (int i = 1; i < video.size(); i++) {
      double gap = video.get(i).seconds() - video.get(i - 1).seconds();
      if (gap > longestVideoGap) {
        longestVideoGap = gap;
        gapEnd = i;
      }
    }
    assertThat(longestVideoGap).as("the video's silence (s)").isGreaterThan(3);
    assertThat(video.size() - gapEnd).as("video packets after the silence").isGreaterThan(40);
    WebmProbe probe = WebmProbe.of(file);
    assertThat(probe.codecs()).containsExactlyInAnyOrder("vp8", "opus");
    assertThat(probe.decodeExit()).as(probe.decodeErrors()).isZero();
    assertThat(probe.decodeErrors()).isBlank();
  }

  private VideoSilence silence;

  /**
   * Drops raw video once a second of audio has gone by, until 200 more audio frames have, then
   * counts 60 encoded video frames. Per-frame Java is fine here.
   */
  private static final class VideoSilence {
    private final AtomicInteger audioFrames = new AtomicInteger();
    private final AtomicInteger videoFramesAfter = new AtomicInteger();
    final CountDownLatch videoAfter = new CountDownLatch(1);

    private boolean silent() {
      int a = audioFrames.get();
      return a >= 50 && a < 250;
    }

    final Probes.Callback audio =
        (pad, info, data) -> {
          audioFrames.incrementAndGet();
          return Probes.OK;
        };
    final Probes.Callback raw = (pad, info, data) -> silent() ? Probes.DROP : Probes.OK;
    final Probes.Callback encoded =
        (pad, info, data) -> {
          if (audioFrames.get() >= 250 && videoFramesAfter.incrementAndGet() == 60) {
            videoAfter.countDown();
          }
          return Probes.OK;
        };
  }

  private MediaPipelineObject newPipeline() {
    return new MediaPipelineObject(
        new EngineContext(
            EngineConfig.defaults().withRecordingsRoot(recordings),
            (source, type, data) -> events.add(source.type() + " " + type)));
  }

  /** A recorder of {@code source} to {@code file}, recording (its first frame is in). */
  private RecorderEndpointObject recording(LiveSource source, Path file, String profile)
      throws InterruptedException {
    RecorderEndpointObject recorder =
        new RecorderEndpointObject(
            pipeline, params("uri", file.toUri().toString(), "mediaProfile", profile));
    source.invoke("connect", params("sink", recorder.id()));
    awaitEvent("RecorderEndpoint MediaFlowInStateChanged", 10);
    recorder.invoke("record", params());
    awaitEvent("RecorderEndpoint Recording", 10);
    return recorder;
  }

  private void awaitEvent(String event, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * SECOND;
    while (System.nanoTime() < deadline) {
      String e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (event.equals(e)) {
        return;
      }
    }
    throw new AssertionError("no " + event + " within " + seconds + " s");
  }

  private Element capsSetterOfTheRecording() {
    return pipeline.onGraph(
        () -> {
          for (Element e : pipeline.gst().getElements()) {
            if (e instanceof Bin bin && e.getName().startsWith("recording-")) {
              for (Element inner : bin.getElements()) {
                if ("capssetter".equals(inner.getFactory().getName())) {
                  return inner;
                }
              }
            }
          }
          throw new AssertionError("no recording bin with a capssetter");
        });
  }

  private static Params params(String... nameThenValue) {
    JsonObject o = new JsonObject();
    for (int i = 0; i < nameThenValue.length; i += 2) {
      o.addProperty(nameThenValue[i], nameThenValue[i + 1]);
    }
    return Params.of(o);
  }

  /** The GStreamer calls only this test needs. */
  private interface Gst extends Library {
    Gst INSTANCE = Native.load("gstreamer-1.0", Gst.class);

    long gst_pad_get_offset(Pointer pad);
  }

  /**
   * A source like a WebRtcEndpoint's video tap, from a live test encoder: VP8 that makes keyframes
   * only when asked (the first aside). Video only, recorded WEBM_VIDEO_ONLY: the test is about one
   * kind's path into the file.
   */
  private static final class LiveSource extends MediaElement {
    private volatile Pad vp8Out;
    private volatile Pad vp8In;
    private volatile Pad opusOut;

    LiveSource(MediaPipelineObject pipeline) {
      this(pipeline, false);
    }

    /** With {@code audio}, also Opus from a live tone, 20 ms a frame. */
    LiveSource(MediaPipelineObject pipeline, boolean audio) {
      super(pipeline, "LiveSource");
      pipeline.onGraph(
          () -> {
            Element vp8 = ElementFactory.make("vp8enc", null);
            vp8.set("deadline", 1L);
            vp8.set("keyframe-max-dist", 100000);
            vp8Out = vp8.getStaticPad("src");
            vp8In = vp8.getStaticPad("sink");
            publishTap(
                MediaKind.VIDEO,
                new Tap(
                    chain(
                        live("videotestsrc"),
                        filter("video/x-raw,width=320,height=240,framerate=30/1"),
                        vp8),
                    Codec.VP8.encodingName));
            if (audio) {
              Element opus = ElementFactory.make("opusenc", null);
              opusOut = opus.getStaticPad("src");
              publishTap(
                  MediaKind.AUDIO,
                  new Tap(
                      chain(
                          live("audiotestsrc"), filter("audio/x-raw,rate=48000,channels=1"), opus),
                      Codec.OPUS.encodingName));
            }
            return null;
          });
      pipeline.adopt(this);
    }

    private static Element live(String factory) {
      Element e = ElementFactory.make(factory, null);
      e.set("is-live", true);
      return e;
    }

    private static Element filter(String caps) {
      Element e = ElementFactory.make("capsfilter", null);
      e.setCaps(Caps.fromString(caps));
      return e;
    }

    /** Graph thread: {@code elements -> tee} in the pipeline, playing; returns the tee. */
    private Element chain(Element... elements) {
      Element tee = ElementFactory.make("tee", null);
      tee.set("allow-not-linked", true);
      List<Element> all = new java.util.ArrayList<>(List.of(elements));
      all.add(tee);
      for (Element e : all) {
        own(e);
        pipeline.gst().add(e);
      }
      Element.linkMany(all.toArray(Element[]::new));
      // Downstream first: a live source started before the elements after it pushes into inactive
      // pads, gets FLUSHING back and stops for good (1 run in 10 recorded nothing).
      for (int i = all.size() - 1; i >= 0; i--) {
        all.get(i).syncStateWithParent();
      }
      return tee;
    }

    @Override
    protected void requestKeyframe(MediaKind kind) {
      Pad out = vp8Out;
      if (kind != MediaKind.VIDEO || out == null || isReleased()) {
        return;
      }
      Natives.GstLib.INSTANCE.gst_pad_send_event(
          org.freedesktop.gstreamer.glib.Natives.getRawPointer(out),
          Natives.GstVideoLib.INSTANCE.gst_video_event_new_upstream_force_key_unit(-1L, true, 0));
    }

    @Override
    protected Optional<com.google.gson.JsonElement> invokeElement(String operation, Params params) {
      return Optional.empty();
    }
  }
}
