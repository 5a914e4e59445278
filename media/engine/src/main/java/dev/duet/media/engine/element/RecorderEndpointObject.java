package dev.duet.media.engine.element;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.sun.jna.Pointer;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import dev.duet.media.engine.gst.Natives;
import dev.duet.media.engine.gst.Probes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.Structure;
import org.freedesktop.gstreamer.elements.AppSrc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kurento's RecorderEndpoint writing VP8 + Opus to WebM without transcoding.
 *
 * <p>In the call's pipeline each recorded kind ends in {@code queue (leaky) -> appsink}. Each
 * {@code record()} starts a separate recording pipeline {@code appsrc -> [opusparse] -> queue ->
 * webmmux -> filesink}: stopping sends EOS into that pipeline only, so the file is finalised
 * (duration, cues) every time, whatever the call's media is doing. A recording starts on a video
 * keyframe (a keyframe is requested) and its timestamps are rebased to 0 with a pad offset.
 *
 * <p>Threading: {@code lock} guards the recording state; buffers are pushed and EOS sent outside
 * it. Finalisation (waiting for EOS, NULL state) runs on a shared finaliser thread.
 */
public final class RecorderEndpointObject extends MediaElement {
  private static final Logger LOG = LoggerFactory.getLogger(RecorderEndpointObject.class);
  private static final ExecutorService FINALISER =
      new ThreadPoolExecutor(
          0,
          4,
          2,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "duet-recorder-finaliser");
            t.setDaemon(true);
            return t;
          });
  private static final long STOP_TIMEOUT_SECONDS = 5;

  private final URI uri;
  private final Path file;
  private final String profile;
  private final List<MediaKind> kinds;
  private final Map<MediaKind, Probes.Callback> probes = new EnumMap<>(MediaKind.class);

  private final Object lock = new Object();
  private String state = "STOP"; // lock
  private Recording current; // lock
  private CompletableFuture<Void> lastStop = CompletableFuture.completedFuture(null); // lock

  /** One file being written: its own pipeline and one appsrc per kind. */
  private static final class Recording {
    final Pipeline pipeline;
    final Map<MediaKind, AppSrc> sources = new EnumMap<>(MediaKind.class);
    final CompletableFuture<Void> eos = new CompletableFuture<>();
    final Bus.EOS onEos;
    final Bus.ERROR onError;
    // guarded by the recorder's lock:
    boolean started;
    long base;
    final Map<MediaKind, Boolean> capsSet = new EnumMap<>(MediaKind.class);

    Recording(Pipeline pipeline) {
      this.pipeline = pipeline;
      this.onEos = source -> eos.complete(null);
      this.onError =
          (source, code, message) -> {
            LOG.warn("recording error from {}: {}", source.getName(), message);
            eos.complete(null);
          };
    }
  }

  public RecorderEndpointObject(MediaPipelineObject pipeline, Params params) {
    super(pipeline, "RecorderEndpoint");
    this.uri = parseUri(params.requiredString("uri"));
    this.file = fileUnderRoot(uri, pipeline.context().config().recordingsRoot());
    this.profile = params.string("mediaProfile").orElse("WEBM");
    this.kinds =
        switch (profile) {
          case "WEBM" -> List.of(MediaKind.AUDIO, MediaKind.VIDEO);
          case "WEBM_AUDIO_ONLY" -> List.of(MediaKind.AUDIO);
          case "WEBM_VIDEO_ONLY" -> List.of(MediaKind.VIDEO);
          default ->
              throw new EngineException(
                  KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR,
                  "mediaProfile "
                      + profile
                      + " is not supported (WEBM, WEBM_AUDIO_ONLY,"
                      + " WEBM_VIDEO_ONLY are)");
        };
    params.bool("stopOnEndOfStream", false); // sources never end: accepted, no effect
    pipeline.onGraph(
        () -> {
          for (MediaKind k : kinds) {
            createInput(k);
          }
          return null;
        });
    pipeline.adopt(this);
  }

  private static URI parseUri(String text) {
    try {
      URI u = URI.create(text);
      if (!"file".equals(u.getScheme())) {
        throw new IllegalArgumentException("only file:// URIs are supported");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new EngineException(
          KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "Bad recorder uri '" + text + "': " + e);
    }
  }

  private static Path fileUnderRoot(URI uri, Path root) {
    Path p = Path.of(uri).toAbsolutePath().normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new EngineException(
          KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR,
          "Recorder uri " + uri + " is outside the recordings directory " + root);
    }
    return p;
  }

  @Override
  public List<String> hierarchy() {
    return List.of(
        "kurento.UriEndpoint", "kurento.Endpoint", "kurento.MediaElement", "kurento.MediaObject");
  }

  /**
   * Graph thread: {@code queue (leaky) -> fakesink} for {@code kind}; a probe on the fakesink
   * forwards each frame to the current recording.
   */
  private void createInput(MediaKind kind) {
    Element queue = ElementFactory.make("queue", null);
    queue.set("max-size-buffers", 0);
    queue.set("max-size-bytes", 0);
    queue.set("max-size-time", TimeUnit.SECONDS.toNanos(2));
    Natives.GstLib.INSTANCE.gst_util_set_object_arg(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(queue), "leaky", "downstream");
    Element sink = ElementFactory.make("fakesink", null);
    sink.set("sync", false);
    sink.set("async", false);
    own(queue);
    own(sink);
    pipeline.gst().addMany(queue, sink);
    queue.link(sink);
    queue.syncStateWithParent();
    sink.syncStateWithParent();
    Probes.Callback cb =
        (pad, info, data) -> {
          markFlowingIn(kind);
          onFrame(kind, pad, Probes.data(info));
          return Probes.OK;
        };
    probes.put(kind, cb);
    Probes.add(sink.getStaticPad("sink"), Probes.BUFFER, cb);
    String codec = kind == MediaKind.VIDEO ? Codec.VP8.encodingName : Codec.OPUS.encodingName;
    publishInput(kind, new Input(queue.getStaticPad("sink"), codec, () -> {}));
  }

  @Override
  protected void requestKeyframe(MediaKind kind) {
    // a recorder is never a source
  }

  @Override
  protected Optional<JsonElement> invokeElement(String operation, Params params) {
    return Optional.ofNullable(
        switch (operation) {
          case "record" -> {
            record();
            yield JsonNull.INSTANCE;
          }
          case "pause" -> {
            pause();
            yield JsonNull.INSTANCE;
          }
          case "stop" -> {
            stop();
            yield JsonNull.INSTANCE;
          }
          case "stopAndWait" -> {
            await(stop());
            yield JsonNull.INSTANCE;
          }
          case "getUri" -> new JsonPrimitive(uri.toString());
          case "getState" -> {
            synchronized (lock) {
              yield new JsonPrimitive(state);
            }
          }
          case "getMaxOutputBitrate", "getMinOutputBitrate" -> new JsonPrimitive(0);
          default -> null;
        });
  }

  private void record() {
    synchronized (lock) {
      if (state.equals("START")) {
        return;
      }
      if (state.equals("PAUSE")) {
        state = "START";
        raiseState("START", "Recording");
        return;
      }
    }
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new EngineException(
          KmsError.URI_PATH_FILE_NOT_FOUND, "Cannot create " + file.getParent() + ": " + e);
    }
    await(previousStop());
    // Record the profile's kinds that have a source now (all of them if none has yet), so a
    // video-only connection to a WEBM recorder does not wait for audio that never comes.
    List<MediaKind> recorded =
        pipeline.onGraph(
            () -> {
              List<MediaKind> connected =
                  kinds.stream().filter(k -> currentSource(k).isPresent()).toList();
              return connected.isEmpty() ? kinds : connected;
            });
    Recording r = startRecording(recorded);
    synchronized (lock) {
      current = r;
      state = "START";
    }
    pipeline.post(
        () -> currentSource(MediaKind.VIDEO).ifPresent(s -> s.requestKeyframe(MediaKind.VIDEO)));
    JsonObject s = new JsonObject();
    s.addProperty("state", "START");
    raise("UriEndpointStateChanged", s);
    // "Recording" follows once the first frame (a keyframe when video is recorded) is written.
  }

  private CompletableFuture<Void> previousStop() {
    synchronized (lock) {
      return lastStop;
    }
  }

  private Recording startRecording(List<MediaKind> recorded) {
    Pipeline p = new Pipeline("recording-" + System.identityHashCode(this));
    Recording r = new Recording(p);
    Element mux = ElementFactory.make("webmmux", null);
    mux.set("writing-app", "Duet media engine");
    Element sink = ElementFactory.make("filesink", null);
    sink.set("location", file.toString());
    sink.set("sync", false);
    sink.set("async", false);
    p.addMany(mux, sink);
    mux.link(sink);
    for (MediaKind k : recorded) {
      AppSrc src = new AppSrc("src-" + k.sdpName());
      Natives.GstLib.INSTANCE.gst_util_set_object_arg(
          org.freedesktop.gstreamer.glib.Natives.getRawPointer(src), "format", "time");
      src.set("max-bytes", 64L * 1024 * 1024);
      Element queue = ElementFactory.make("queue", null);
      queue.set("max-size-buffers", 0);
      queue.set("max-size-bytes", 0);
      queue.set("max-size-time", 0L);
      p.addMany(src, queue);
      if (k == MediaKind.AUDIO) {
        Element parse = ElementFactory.make("opusparse", null);
        p.add(parse);
        Element.linkMany(src, parse, queue);
      } else {
        src.link(queue);
      }
      queue
          .getStaticPad("src")
          .link(mux.getRequestPad(k == MediaKind.AUDIO ? "audio_%u" : "video_%u"));
      r.sources.put(k, src);
    }
    p.getBus().connect(r.onEos);
    p.getBus().connect(r.onError);
    p.play();
    return r;
  }

  /** Streaming thread: forwards one frame into the current recording, if any. */
  private void onFrame(MediaKind kind, Pointer pad, Pointer buffer) {
    long pts = Probes.pts(buffer);
    boolean keyframe = !Probes.isDeltaUnit(buffer);
    boolean needKeyframe = false;
    boolean firstFrame = false;
    Recording r;
    long base;
    boolean setCaps;
    synchronized (lock) {
      r = current;
      if (r == null || !state.equals("START") || pts < 0) {
        r = null;
      } else if (!r.started) {
        boolean hasVideo = r.sources.containsKey(MediaKind.VIDEO);
        if (hasVideo && (kind == MediaKind.AUDIO || !keyframe)) {
          needKeyframe = kind == MediaKind.VIDEO;
          r = null;
        } else {
          r.started = true;
          r.base = pts;
          firstFrame = true;
        }
      }
      if (r != null && pts < r.base) {
        r = null;
      }
      base = r == null ? 0 : r.base;
      setCaps = r != null && r.capsSet.put(kind, true) == null;
    }
    if (needKeyframe) {
      pipeline.post(
          () -> currentSource(MediaKind.VIDEO).ifPresent(s -> s.requestKeyframe(MediaKind.VIDEO)));
    }
    if (r == null) {
      return;
    }
    if (firstFrame) {
      raise("Recording", new JsonObject());
    }
    AppSrc src = r.sources.get(kind);
    if (setCaps) {
      src.setCaps(recordingCaps(kind, pad, buffer));
      Natives.GstLib.INSTANCE.gst_pad_set_offset(
          org.freedesktop.gstreamer.glib.Natives.getRawPointer(src.getStaticPad("src")), -base);
    }
    int ret =
        Natives.GstAppLib.INSTANCE.gst_app_src_push_buffer(
            org.freedesktop.gstreamer.glib.Natives.getRawPointer(src),
            Natives.GstLib.INSTANCE.gst_mini_object_ref(buffer));
    if (ret != 0) {
      LOG.debug("recording push returned {}", ret);
    }
  }

  /** The caps the muxer needs: VP8 with width and height (read from the keyframe if absent). */
  private static Caps recordingCaps(MediaKind kind, Pointer pad, Pointer keyframe) {
    if (kind == MediaKind.AUDIO) {
      return Caps.fromString("audio/x-opus,channel-mapping-family=0");
    }
    Pointer caps = Natives.GstLib.INSTANCE.gst_pad_get_current_caps(pad);
    if (caps != null) {
      try {
        Caps c = Caps.fromString(Natives.GstLib.INSTANCE.gst_caps_to_string(caps));
        Structure s = c.size() > 0 ? c.getStructure(0) : null;
        if (s != null && s.hasField("width") && s.hasField("height")) {
          return Caps.fromString(
              "video/x-vp8,framerate=0/1,width="
                  + s.getInteger("width")
                  + ",height="
                  + s.getInteger("height"));
        }
      } finally {
        Natives.GstLib.INSTANCE.gst_caps_unref(caps);
      }
    }
    // No size in the caps: read it from the VP8 keyframe header.
    int width = 640;
    int height = 480;
    Pointer memory = Natives.GstLib.INSTANCE.gst_buffer_peek_memory(keyframe, 0);
    com.sun.jna.Memory info = new com.sun.jna.Memory(128);
    if (memory != null && Natives.GstLib.INSTANCE.gst_memory_map(memory, info, 1)) {
      try {
        Pointer bytes = info.getPointer(16); // GstMapInfo.data
        long size = info.getLong(24); // GstMapInfo.size
        if (size >= 10
            && (bytes.getByte(3) & 0xff) == 0x9d
            && (bytes.getByte(4) & 0xff) == 0x01
            && (bytes.getByte(5) & 0xff) == 0x2a) {
          width = ((bytes.getByte(6) & 0xff) | ((bytes.getByte(7) & 0xff) << 8)) & 0x3fff;
          height = ((bytes.getByte(8) & 0xff) | ((bytes.getByte(9) & 0xff) << 8)) & 0x3fff;
        }
      } finally {
        Natives.GstLib.INSTANCE.gst_memory_unmap(memory, info);
      }
    }
    return Caps.fromString("video/x-vp8,framerate=0/1,width=" + width + ",height=" + height);
  }

  private void pause() {
    synchronized (lock) {
      if (!state.equals("START")) {
        return;
      }
      state = "PAUSE";
    }
    raiseState("PAUSE", "Paused");
  }

  /** Ends the current recording; the returned future completes once the file is finalised. */
  private CompletableFuture<Void> stop() {
    Recording r;
    CompletableFuture<Void> done;
    synchronized (lock) {
      r = current;
      current = null;
      if (r == null) {
        return lastStop;
      }
      state = "STOP";
      done = new CompletableFuture<>();
      lastStop = done;
    }
    for (AppSrc src : r.sources.values()) {
      src.endOfStream();
    }
    r.eos
        .orTimeout(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .whenCompleteAsync(
            (ok, failure) -> {
              if (failure != null) {
                LOG.warn("recording {} did not finish in time; closing it anyway", file);
              }
              r.pipeline.setState(State.NULL);
              r.pipeline.getBus().disconnect(r.onEos);
              r.pipeline.getBus().disconnect(r.onError);
              r.pipeline.dispose();
              raiseState("STOP", "Stopped");
              done.complete(null);
            },
            FINALISER);
    return done;
  }

  private static void await(CompletableFuture<Void> f) {
    try {
      f.get(STOP_TIMEOUT_SECONDS + 2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new EngineException(KmsError.UNEXPECTED_ERROR, "recording did not stop: " + e);
    }
  }

  private void raiseState(String uriState, String event) {
    JsonObject s = new JsonObject();
    s.addProperty("state", uriState);
    raise("UriEndpointStateChanged", s);
    raise(event, new JsonObject());
  }

  @Override
  protected void beforeRelease() {
    try {
      await(stop());
    } catch (EngineException e) {
      LOG.warn("release: {}", e.getMessage());
    }
  }
}
