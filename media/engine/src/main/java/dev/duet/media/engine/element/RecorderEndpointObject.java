package dev.duet.media.engine.element;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.sun.jna.Pointer;
import dev.duet.common.Threads;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import dev.duet.media.engine.gst.Natives;
import dev.duet.media.engine.gst.Probes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.GhostPad;
import org.freedesktop.gstreamer.GstObject;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.Structure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kurento's RecorderEndpoint writing VP8 + Opus to WebM without transcoding.
 *
 * <p>Everything runs inside the call's pipeline, with no Java code per frame. Each recorded kind
 * has a persistent input, {@code queue (leaky) -> errorignore -> fakesink} (errorignore: a failing
 * recording never returns an error to the source's tee, which would stop the call's media). {@code
 * record()} adds a recording bin ({@code [capssetter | opusparse] -> webmmux -> filesink}) and
 * moves each queue's output onto it between two buffers (an idle probe). A probe per kind lets
 * frames in from the first video keyframe on (a keyframe is requested), sets a pad offset so
 * timestamps start at 0, then removes itself. {@code stop()} moves each queue back to its fakesink
 * and sends EOS into the bin only, so the file is finalised (duration, cues) every time, whatever
 * the call's media is doing; then the bin goes. The capssetter keeps the muxer on the first caps
 * when the browser changes resolution (WebM cannot change caps; the VP8 bitstream carries the new
 * size).
 *
 * <p>errorignore stops pushing a kind into the bin after one frame the bin refused (any non-OK
 * return), and pushes again only once re-armed. While a recording runs, the flow watchdog's tick
 * ({@link #onWatchdogTick}) re-arms it, so a refused frame costs a gap rather than the rest of the
 * file; video resumes on a keyframe.
 *
 * <p>The muxer writes only once every recorded kind has a frame queued. A kind that goes silent (a
 * camera turned off) gets empty gap buffers from the watchdog's tick ({@link #fillSilentKinds}), so
 * the others keep reaching the file.
 *
 * <p>Threading: {@code lock} guards the recording state; no GStreamer call that waits runs under
 * it. Relinks run in idle probes; EOS, waiting and tear-down run on a shared finaliser thread.
 */
public final class RecorderEndpointObject extends MediaElement {
  private static final Logger LOG = LoggerFactory.getLogger(RecorderEndpointObject.class);
  private static final ExecutorService FINALISER = finaliser();

  /**
   * Hands gap buffers ({@link #fill}) and EOS ({@link #stop}) to recording bins: either can wait in
   * the muxer until another kind's buffer or EOS arrives, so they must never queue behind each
   * other on a bounded pool. No idle thread kept.
   */
  private static final ExecutorService FEEDER =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          2,
          TimeUnit.SECONDS,
          new java.util.concurrent.SynchronousQueue<>(),
          Threads.daemon("duet-recorder-feeder"));

  /** Up to 4 recordings finalised at once; no idle thread kept. */
  private static ExecutorService finaliser() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            4,
            4,
            2,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            Threads.daemon("duet-recorder-finaliser"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private static final long STOP_TIMEOUT_SECONDS = 5;

  private final URI uri;
  private final Path file;
  private final String profile;
  private final List<MediaKind> kinds;
  private final Map<MediaKind, Branch> branches = new EnumMap<>(MediaKind.class);
  private final Set<Object> inFlight = ConcurrentHashMap.newKeySet(); // callbacks native code holds
  // The latest recordings by bin name, so an error GStreamer reports after a bin has left the
  // pipeline (bus messages arrive late) still finds its recording. Guarded by lock.
  private final Map<String, Recording> recent =
      new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Recording> eldest) {
          return size() > 4;
        }
      };
  private int recordings; // guarded by lock

  private final Object lock = new Object();
  private String state = "STOP"; // lock
  // A recording ran and was stopped: its file is final; record() again would truncate it.
  private boolean stopped; // lock
  private Recording current; // lock
  private CompletableFuture<Void> lastStop = CompletableFuture.completedFuture(null); // lock

  /**
   * The persistent input of one kind: {@code queue (leaky) -> errorignore}, whose output ({@code
   * out}) goes to a fakesink ({@code idleSink}) or to the current recording. {@code guardIn} is
   * errorignore's sink pad, where it is re-armed.
   */
  private record Branch(Element queue, Pad guardIn, Pad out, Pad idleSink) {}

  /** One file being written: a bin in the call's pipeline with one ghost sink pad per kind. */
  private static final class Recording {
    final Bin bin;
    final Map<MediaKind, Pad> ghosts = new EnumMap<>(MediaKind.class);
    final Map<MediaKind, Pointer> internalPads = new EnumMap<>(MediaKind.class); // owned refs
    final Map<MediaKind, Pad> muxPads = new EnumMap<>(MediaKind.class);
    final List<Probes.Callback> callbacks = new ArrayList<>(); // kept alive with the bin
    final CompletableFuture<Void> eos = new CompletableFuture<>();
    Element capsSetter;
    KeyframeWait resume; // video: after a re-arm, the file goes on from a keyframe
    // guarded by the recorder's lock:
    boolean started;
    boolean failed;
    long base;
    final Set<MediaKind> refused = EnumSet.noneOf(MediaKind.class); // warned about
    final Set<MediaKind> refusedOnLastTick = EnumSet.noneOf(MediaKind.class);
    final Map<MediaKind, Integer> rearms = new EnumMap<>(MediaKind.class); // in a row
    final Set<MediaKind> silent = EnumSet.noneOf(MediaKind.class); // filled in for
    final Set<MediaKind> filling = EnumSet.noneOf(MediaKind.class); // a gap buffer on its way
    final Map<MediaKind, Long> filledUpTo = new EnumMap<>(MediaKind.class);
    // Until started: what reached the gate, to say why a recording stayed empty.
    final long createdNanos = System.nanoTime();
    int videoBefore;
    int audioBefore;
    final Map<MediaKind, Long> pauseProbes = new EnumMap<>(MediaKind.class);

    Recording(Bin bin) {
      this.bin = bin;
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

  /** Graph thread: {@code queue (leaky) -> fakesink} for {@code kind}. */
  private void createInput(MediaKind kind) {
    Element queue = ElementFactory.make("queue", null);
    queue.set("max-size-buffers", 0);
    queue.set("max-size-bytes", 0);
    queue.set("max-size-time", TimeUnit.SECONDS.toNanos(3));
    queue.set("silent", true);
    Natives.GstLib.INSTANCE.gst_util_set_object_arg(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(queue), "leaky", "downstream");
    // A failing recording (disk full, a write error) must never reach back to the source.
    Element guard = FlowGuard.create();
    Element sink = ElementFactory.make("fakesink", null);
    sink.set("sync", false);
    sink.set("async", false);
    own(queue);
    own(guard);
    own(sink);
    pipeline.gst().addMany(queue, guard, sink);
    Element.linkMany(queue, guard, sink);
    queue.syncStateWithParent();
    guard.syncStateWithParent();
    sink.syncStateWithParent();
    branches.put(
        kind,
        new Branch(
            queue,
            guard.getStaticPad("sink"),
            guard.getStaticPad("src"),
            sink.getStaticPad("sink")));
    watchFlowIn(kind, queue.getStaticPad("sink"));
    String codec = kind == MediaKind.VIDEO ? Codec.VP8.encodingName : Codec.OPUS.encodingName;
    publishInput(kind, new Input(queue.getStaticPad("sink"), codec, () -> {}));
  }

  @Override
  protected void requestKeyframe(MediaKind kind) {
    // a recorder is never a source
  }

  /** Also what is inside its recording bins: a file that cannot be written is its error. */
  @Override
  boolean owns(GstObject o) {
    return recordingBinName(o).isPresent() || super.owns(o);
  }

  private String binPrefix() {
    return "recording-" + id() + "-";
  }

  /** The name of the recording bin of this recorder that {@code o} is in, if any. */
  private Optional<String> recordingBinName(GstObject o) {
    for (GstObject a = o; a != null; a = a.getParent()) {
      String name = a.getName();
      if (name != null && name.startsWith(binPrefix())) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  /**
   * A file error is typed as KMS types it (its MediaElement maps GStreamer's resource errors): the
   * filesink's GST_RESOURCE_ERROR_OPEN_WRITE / _OPEN_READ_WRITE (6, 7), _WRITE (10) and
   * _NO_SPACE_LEFT (14).
   */
  @Override
  protected String errorType(GstObject source, int code) {
    if (source instanceof Element e
        && e.getFactory() != null
        && "filesink".equals(e.getFactory().getName())) {
      return switch (code) {
        case 6, 7 -> "RESOURCE_ERROR_OPEN";
        case 10 -> "RESOURCE_ERROR_WRITE";
        case 14 -> "RESOURCE_ERROR_NO_SPACE_LEFT";
        default -> super.errorType(source, code);
      };
    }
    return super.errorType(source, code);
  }

  /**
   * A recording that fails (its file cannot be written: disk full, I/O error) raises one Error and,
   * if it is the current one, is stopped: the inputs go back to their fakesinks, so the call's
   * media is untouched and nothing more is written to the broken file.
   */
  @Override
  void onError(GstObject source, int code, String message) {
    Optional<String> bin = recordingBinName(source);
    if (bin.isEmpty()) {
      super.onError(source, code, message);
      return;
    }
    boolean stopIt;
    synchronized (lock) {
      Recording failed = recent.get(bin.get());
      if (failed != null) {
        if (failed.failed) {
          LOG.debug("{}: again from {}: {}", id(), source.getName(), message);
          return; // reported once
        }
        failed.failed = true;
      }
      stopIt = failed != null && current == failed;
    }
    super.onError(source, code, message);
    if (stopIt) {
      FINALISER.execute(
          () -> {
            CompletableFuture<Void> unused = stop(); // "Stopped" follows
          });
    }
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
      if (stopped) {
        // KMS refuses too (and, like it, only logs): a stopped recorder never records again, so
        // a finished file is never reopened and truncated. A new recording needs a new recorder.
        LOG.info("{}: record() after stop ignored; {} stays as it is", id(), file);
        return;
      }
      if (state.equals("PAUSE") && current != null) {
        state = "START";
        for (Map.Entry<MediaKind, Long> p : current.pauseProbes.entrySet()) {
          Probes.remove(current.ghosts.get(p.getKey()), p.getValue());
        }
        current.pauseProbes.clear();
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
    Recording r =
        pipeline.onGraph(
            () -> {
              List<MediaKind> connected =
                  kinds.stream().filter(k -> currentSource(k).isPresent()).toList();
              Recording rec = startRecording(connected.isEmpty() ? kinds : connected);
              synchronized (lock) {
                current = rec;
                state = "START";
              }
              for (Map.Entry<MediaKind, Pad> g : rec.ghosts.entrySet()) {
                relink(branches.get(g.getKey()), branches.get(g.getKey()).idleSink(), g.getValue());
              }
              return rec;
            });
    askSourceForKeyframe(MediaKind.VIDEO);
    JsonObject s = new JsonObject();
    s.addProperty("state", "START");
    raise("UriEndpointStateChanged", s);
    // "Recording" follows once the first frame (a keyframe when video is recorded) is written.
    LOG.debug("{}: recording {} to {}", id(), r.ghosts.keySet(), file);
  }

  private CompletableFuture<Void> previousStop() {
    synchronized (lock) {
      return lastStop;
    }
  }

  /** Graph thread: builds the recording bin and adds it to the pipeline, still unlinked. */
  private Recording startRecording(List<MediaKind> recorded) {
    String name;
    synchronized (lock) {
      name = binPrefix() + ++recordings;
    }
    Recording r = new Recording(new Bin(name));
    synchronized (lock) {
      recent.put(name, r);
    }
    Element mux = ElementFactory.make("webmmux", null);
    mux.set("writing-app", "Duet media engine");
    Element sink = ElementFactory.make("filesink", null);
    sink.set("location", file.toString());
    sink.set("sync", false);
    sink.set("async", false);
    r.bin.addMany(mux, sink);
    mux.link(sink);
    for (MediaKind k : recorded) {
      Element first;
      if (k == MediaKind.AUDIO) {
        first = ElementFactory.make("opusparse", null);
      } else {
        first = ElementFactory.make("capssetter", null);
        first.set("replace", true);
        first.setCaps(Caps.fromString("video/x-vp8,width=640,height=480,framerate=0/1"));
        r.capsSetter = first;
      }
      r.bin.add(first);
      Pad muxPad = mux.getRequestPad(k == MediaKind.AUDIO ? "audio_%u" : "video_%u");
      first.getStaticPad("src").link(muxPad);
      r.muxPads.put(k, muxPad);
      GhostPad ghost = new GhostPad(k.sdpName(), first.getStaticPad("sink"));
      r.bin.addPad(ghost);
      r.ghosts.put(k, ghost);
      r.internalPads.put(
          k,
          Natives.GstLib.INSTANCE.gst_proxy_pad_get_internal(
              org.freedesktop.gstreamer.glib.Natives.getRawPointer(ghost)));
      Probes.Callback gate = (pad, info, data) -> gate(r, k, pad, Probes.data(info));
      r.callbacks.add(gate);
      Probes.add(ghost, Probes.BUFFER, gate);
      if (k == MediaKind.VIDEO) {
        r.resume = new KeyframeWait(ghost, () -> askSourceForKeyframe(MediaKind.VIDEO));
      }
    }
    Probes.Callback onEos =
        (pad, info, data) -> {
          if (Probes.isEos(Probes.data(info))) {
            r.eos.complete(null);
          }
          return Probes.OK;
        };
    r.callbacks.add(onEos);
    Probes.add(sink.getStaticPad("sink"), Probes.EVENT_DOWNSTREAM, onEos);
    pipeline.gst().add(r.bin);
    if (!r.bin.syncStateWithParent()) { // e.g. the file cannot be opened
      dispose(r);
      throw new EngineException(KmsError.URI_PATH_FILE_NOT_FOUND, "Cannot record to " + file);
    }
    return r;
  }

  /**
   * Streaming thread, until the recording has started: drops what comes before the first video
   * keyframe (or, audio only, the first audio frame), sets the offset that rebases timestamps to 0,
   * then lets frames through and removes itself.
   */
  private int gate(Recording r, MediaKind kind, Pointer pad, Pointer buffer) {
    long pts = Probes.pts(buffer);
    boolean keyframe = !Probes.isDeltaUnit(buffer);
    boolean first = false;
    synchronized (lock) {
      if (!r.started) {
        boolean waitsForVideo = r.ghosts.containsKey(MediaKind.VIDEO);
        if (pts < 0 || (waitsForVideo && (kind == MediaKind.AUDIO || !keyframe))) {
          if (kind == MediaKind.AUDIO) {
            r.audioBefore++;
          } else {
            r.videoBefore++;
          }
          if (kind == MediaKind.VIDEO) {
            askSourceForKeyframe(MediaKind.VIDEO);
          }
          return Probes.DROP;
        }
        r.started = true;
        r.base = pts;
        first = true;
        for (Pointer internal : r.internalPads.values()) {
          Natives.GstLib.INSTANCE.gst_pad_set_offset(internal, -pts);
        }
      }
      if (pts < r.base) {
        return Probes.DROP;
      }
    }
    if (first && kind == MediaKind.VIDEO) {
      r.capsSetter.setCaps(recordingCaps(pad, buffer));
    }
    if (first) {
      raise("Recording", new JsonObject());
    }
    return Probes.REMOVE;
  }

  /** Re-arms of one kind in a row (no accepted push between them) before the recorder gives up. */
  private static final int MAX_REARMS = 5;

  /**
   * Watchdog thread, every 500 ms: re-arms the errorignore of each kind whose last push into the
   * running recording was refused. errorignore latches: after one non-OK return from the bin it
   * drops that kind's frames, still answering OK to the source, until its sink pad is marked for
   * reconfiguration. One native read per kind and tick; nothing per frame.
   *
   * <p>Any return that latched errorignore counts ({@link FlowGuard#latched}); a push still blocked
   * in the muxer has not returned yet, and a re-arm no frame has used yet (a quiet source) is not
   * counted again. A refusal must be seen on two ticks in a row, so a file error (raised on the
   * bus, and so a little later) has made the recording failed first: a failed recording is stopping
   * and is left alone. A kind refused again after {@link #MAX_REARMS} re-arms in a row is given up,
   * with a warning.
   */
  @Override
  protected void onWatchdogTick(long now) {
    Recording r;
    synchronized (lock) {
      r = current;
      if (r == null || !r.started || r.failed) {
        return;
      }
    }
    rearmRefused(r);
    fillSilentKinds(r, now);
  }

  private void rearmRefused(Recording r) {
    for (MediaKind k : r.ghosts.keySet()) {
      if (FlowGuard.rearmPending(branches.get(k).guardIn())) {
        continue; // no frame since the last re-arm
      }
      int flow = lastFlow(branches.get(k));
      boolean refusedTwice;
      synchronized (lock) {
        if (!FlowGuard.latched(flow)) {
          r.refusedOnLastTick.remove(k);
          if (flow == 0) {
            r.rearms.remove(k); // pushes are accepted again
          }
          continue;
        }
        refusedTwice = !r.refusedOnLastTick.add(k);
      }
      if (refusedTwice) {
        rearm(r, k, flow);
      }
    }
  }

  /** A kind this long without a frame has its place in the muxer filled in. */
  private static final long FILL_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** How far behind the newest sampled frame of the flowing kinds the filled-in time ends. */
  private static final long FILL_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /**
   * Watchdog thread: lets the flowing kinds of a recording go on while another is silent. The WebM
   * muxer writes a frame only once every kind has one queued, so a party that stops sending video
   * (camera off, {@code replaceTrack(null)}) would stop its audio reaching the file too, and after
   * 3 s the leaky input queue drops it. Each tick, a kind silent for {@link #FILL_AFTER_NANOS} gets
   * an empty GAP buffer straight into its muxer pad, timed {@link #FILL_MARGIN_NANOS} before the
   * latest frame sampled on the flowing kinds (sampled at most one tick ago): the muxer writes what
   * it holds up to then. It also writes the gap buffer, as an empty block of the silent kind (about
   * two a second), which ffmpeg-based readers skip. When the kind comes back, its frames are later
   * than every gap buffer and go into the file as before. Kinds are watched on buffers: a source
   * pushing buffer lists would look silent (depayloaders push buffers).
   */
  private void fillSilentKinds(Recording r, long now) {
    if (r.muxPads.size() < 2) {
      return;
    }
    long flowingPts = -1;
    for (MediaKind k : r.muxPads.keySet()) {
      if (inputSilentNanos(k, now) == 0) {
        flowingPts = Math.max(flowingPts, sampledInputPts(k));
      }
    }
    for (MediaKind k : r.muxPads.keySet()) {
      boolean silent = inputSilentNanos(k, now) >= FILL_AFTER_NANOS;
      long until = flowingPts - FILL_MARGIN_NANOS;
      boolean first;
      synchronized (lock) {
        if (!silent) {
          if (r.silent.remove(k)) {
            LOG.debug("{}: {} reaches the recording {} again", id(), k.sdpName(), file);
          }
          continue;
        }
        if (current != r
            || !state.equals("START")
            || flowingPts < 0
            || until <= r.filledUpTo.getOrDefault(k, -1L)
            || !r.filling.add(k)) {
          continue; // nothing flows, nothing new to fill, or the last gap is still on its way
        }
        r.filledUpTo.put(k, until);
        first = r.silent.add(k);
      }
      if (first) {
        LOG.info(
            "{}: no {} has reached the recording {} for {} ms; the other kinds go on without it",
            id(),
            k.sdpName(),
            file,
            TimeUnit.NANOSECONDS.toMillis(inputSilentNanos(k, now)));
      }
      FEEDER.execute(() -> fill(r, k, until));
    }
  }

  /**
   * Feeder thread: hands the muxer pad of {@code kind} a gap buffer at {@code pts}. This can wait
   * (the muxer holds it until the other kinds catch up, or until the recording stops), which is why
   * it is not done on the watchdog's thread; one per recording and kind is on its way at most.
   */
  private void fill(Recording r, MediaKind kind, long pts) {
    try {
      synchronized (lock) {
        if (current != r) {
          return;
        }
      }
      Pointer pad = org.freedesktop.gstreamer.glib.Natives.getRawPointer(r.muxPads.get(kind));
      if (!Natives.GstLib.INSTANCE.gst_pad_has_current_caps(pad)) {
        return; // never reached the muxer: it cannot write a header with this kind anyway
      }
      int flow = Natives.GstLib.INSTANCE.gst_pad_chain(pad, Probes.newGapBuffer(pts));
      if (flow != 0) {
        LOG.debug("{}: gap for {} answered {}", id(), kind.sdpName(), flow);
      }
    } finally {
      synchronized (lock) {
        r.filling.remove(kind);
      }
    }
  }

  /** What errorignore's last push into the recording (or the fakesink) returned. */
  private static int lastFlow(Branch b) {
    return FlowGuard.lastFlow(b.out());
  }

  /**
   * Lets errorignore push {@code kind} into {@code r} again. Video first gets a probe that drops
   * delta frames until a keyframe (asked for now): the frames errorignore dropped are gone, and a
   * delta frame after the gap would not decode.
   */
  private void rearm(Recording r, MediaKind kind, int flow) {
    boolean first;
    int rearms;
    synchronized (lock) {
      if (current != r || r.failed) {
        return;
      }
      rearms = r.rearms.merge(kind, 1, Integer::sum);
      if (rearms > MAX_REARMS) {
        return; // given up: said once, below
      }
      r.refusedOnLastTick.remove(kind);
      first = r.refused.add(kind);
    }
    String name = Natives.GstLib.INSTANCE.gst_flow_get_name(flow);
    if (rearms == MAX_REARMS) {
      LOG.warn(
          "{}: the recording {} keeps refusing {} frames ({}); not re-armed again: the rest of"
              + " this recording has no {}",
          id(),
          file,
          kind.sdpName(),
          name,
          kind.sdpName());
    } else if (first) {
      LOG.warn(
          "{}: the recording {} answered {} to a {} frame, and the ones after it were dropped;"
              + " {} (later refusals are logged at DEBUG)",
          id(),
          file,
          name,
          kind.sdpName(),
          kind == MediaKind.VIDEO ? "resuming at the next keyframe" : "resuming");
    } else {
      LOG.debug(
          "{}: the recording {} answered {} to a {} frame again", id(), file, name, kind.sdpName());
    }
    boolean waits = kind == MediaKind.VIDEO && r.resume.start();
    // Re-armed before the keyframe is asked for, so the keyframe finds errorignore pushing.
    FlowGuard.rearm(branches.get(kind).guardIn());
    if (waits) {
      askSourceForKeyframe(kind);
    }
  }

  /**
   * Moves {@code branch}'s queue output from {@code from} to {@code to} between two buffers; the
   * returned future completes once it has.
   */
  private CompletableFuture<Void> relink(Branch branch, Pad from, Pad to) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Pointer src = org.freedesktop.gstreamer.glib.Natives.getRawPointer(branch.out());
    Pointer fromPtr = org.freedesktop.gstreamer.glib.Natives.getRawPointer(from);
    Pointer toPtr = org.freedesktop.gstreamer.glib.Natives.getRawPointer(to);
    Pad[] held = {from, to}; // the pads stay referenced until the probe has run
    Probes.Callback[] self = new Probes.Callback[1];
    self[0] =
        (pad, info, data) -> {
          Natives.GstLib.INSTANCE.gst_pad_unlink(src, fromPtr);
          int ret = Natives.GstLib.INSTANCE.gst_pad_link(src, toPtr);
          if (ret != 0) {
            LOG.warn("{}: relink failed ({})", id(), ret);
          }
          inFlight.remove(self[0]);
          held[0] = null;
          done.complete(null);
          return Probes.REMOVE;
        };
    inFlight.add(self[0]);
    Probes.add(branch.out(), Probes.IDLE, self[0]);
    return done;
  }

  /** The caps the muxer needs: VP8 with width and height (read from the keyframe if absent). */
  private static Caps recordingCaps(Pointer pad, Pointer keyframe) {
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
      if (current != null) {
        for (Map.Entry<MediaKind, Pad> g : current.ghosts.entrySet()) {
          Probes.Callback drop = (pad, info, data) -> Probes.DROP;
          current.callbacks.add(drop);
          current.pauseProbes.put(g.getKey(), Probes.add(g.getValue(), Probes.BUFFER, drop));
        }
      }
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
      stopped = true;
      long lasted = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - r.createdNanos);
      if (!r.started && (lasted >= 2000 || r.videoBefore + r.audioBefore > 0)) {
        // Stopped at once with nothing received is an ordinary short call; the rest is not.
        LOG.warn(
            "{}: recording {} stopped {} ms after it began, before its first frame: {} video"
                + " buffers (none a usable keyframe) and {} audio buffers reached it",
            id(),
            file,
            lasted,
            r.videoBefore,
            r.audioBefore);
      }
      done = new CompletableFuture<>();
      lastStop = done;
    }
    warnIfRefused(r);
    // Each kind: back to its fakesink between two buffers, then EOS into the bin for that kind
    // (EOS on one kind also frees the muxer if it was waiting on that kind for the other).
    List<CompletableFuture<Void>> detached = new ArrayList<>();
    for (Map.Entry<MediaKind, Pad> g : r.ghosts.entrySet()) {
      Branch b = branches.get(g.getKey());
      detached.add(
          relink(b, g.getValue(), b.idleSink())
              .thenRunAsync(
                  () ->
                      Natives.GstLib.INSTANCE.gst_pad_send_event(
                          org.freedesktop.gstreamer.glib.Natives.getRawPointer(g.getValue()),
                          Natives.GstLib.INSTANCE.gst_event_new_eos()),
                  FEEDER));
    }
    CompletableFuture<Void> allDetached =
        CompletableFuture.allOf(detached.toArray(CompletableFuture[]::new));
    // The EOS events were sent on the feeder's threads and went through the muxer into the
    // filesink on them, so once they are all back the file has its final bytes. The bin goes only
    // then, once no input is linked to it (a linked bin set to NULL would answer FLUSHING to the
    // queue feeding it); NULL closes the file. If an input never detaches, the bin stays.
    CompletableFuture<Boolean> closed =
        allDetached
            .thenCompose(
                x ->
                    r.eos
                        .thenApply(eos -> true)
                        .completeOnTimeout(false, STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            .thenApplyAsync(
                eos -> {
                  dispose(r);
                  return eos;
                },
                FINALISER);
    // The caller learns within STOP_TIMEOUT_SECONDS (+1) either way.
    closed
        .orTimeout(STOP_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS)
        .whenCompleteAsync(
            (eos, failure) -> {
              if (failure != null || !eos) {
                LOG.warn("recording {} did not finish in time", file);
              }
              raiseState("STOP", "Stopped");
              done.complete(null);
            },
            FINALISER);
    return done;
  }

  /**
   * A recording that refuses a kind's frames (caps the muxer cannot take, say) loses them silently:
   * the errorignore in front of the bin answers OK to the source. errorignore's src pad still knows
   * what its last push into the bin returned, whatever refused it inside (parser, muxer, file); say
   * so if it was not OK (a file error has already been raised as an Error). Called before the
   * inputs go back to their fakesinks.
   */
  private void warnIfRefused(Recording r) {
    synchronized (lock) {
      if (r.failed) {
        return;
      }
    }
    for (MediaKind k : r.ghosts.keySet()) {
      int flow = lastFlow(branches.get(k));
      if (FlowGuard.latched(flow)) {
        LOG.warn(
            "{}: the recording {} answered {} to its last {} frame",
            id(),
            file,
            Natives.GstLib.INSTANCE.gst_flow_get_name(flow),
            k.sdpName());
      }
    }
  }

  /** Takes a recording's bin out of the pipeline for good (closing its file) and frees it. */
  private void dispose(Recording r) {
    pipeline.retire(r.bin);
    for (Pointer internal : r.internalPads.values()) {
      Natives.GstLib.INSTANCE.gst_object_unref(internal);
    }
    r.bin.dispose();
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
