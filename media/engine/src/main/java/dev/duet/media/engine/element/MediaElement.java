package dev.duet.media.engine.element;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.duet.common.Periodic;
import dev.duet.common.Threads;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import dev.duet.media.engine.gst.Natives;
import dev.duet.media.engine.gst.Probes;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.GstObject;
import org.freedesktop.gstreamer.Pad;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kurento's MediaElement: something that can be a source of media ({@link #tap}) for other elements
 * and a sink ({@link #input}) of one source per media kind.
 */
public abstract class MediaElement extends MediaObject {
  private static final Logger LOG = LoggerFactory.getLogger(MediaElement.class);

  /**
   * Where a source's media fans out: a tee carrying depayloaded frames of {@code codec}.
   *
   * @param tee the tee; request a {@code src_%u} pad per sink
   * @param codec the encoding name, e.g. {@code VP8}
   */
  public record Tap(Element tee, String codec) {}

  /**
   * Where a sink takes depayloaded frames in.
   *
   * @param pad the sink pad of the input chain's first element
   * @param codec the encoding name it accepts
   * @param linked run on the graph thread each time a source is linked to {@code pad}
   */
  public record Input(Pad pad, String codec, Runnable linked) {}

  protected final MediaPipelineObject pipeline;
  private final Map<MediaKind, Tap> taps = new EnumMap<>(MediaKind.class); // graph thread
  private final Map<MediaKind, Input> inputs = new EnumMap<>(MediaKind.class); // graph thread
  private final List<Element> owned = new ArrayList<>(); // graph thread
  private final Map<MediaKind, Flow> flowIn = new EnumMap<>(MediaKind.class);
  private final Map<MediaKind, Flow> flowOut = new EnumMap<>(MediaKind.class);
  // Settings kurento-client sets and reads back that the engine stores without applying them.
  private final Map<String, JsonElement> settings = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean released;

  protected MediaElement(MediaPipelineObject pipeline, String type) {
    super(Optional.of(pipeline), type, pipeline.context().events());
    this.pipeline = pipeline;
    for (MediaKind k : MediaKind.values()) {
      flowIn.put(k, new Flow());
      flowOut.put(k, new Flow());
    }
  }

  /**
   * Puts a fully built element under the flow watchdog; its pipeline does, when it adopts it at the
   * end of the element's constructor (one that throws is never watched, and a tick never sees a
   * half-built element).
   */
  static void watch(MediaElement element) {
    WATCHED.add(element);
    if (element.released) {
      WATCHED.remove(element); // released meanwhile (release sets the flag, then removes)
    }
  }

  /** The elements under the flow watchdog now (for tests). */
  static List<MediaElement> watched() {
    return List.copyOf(WATCHED);
  }

  @Override
  public final MediaPipelineObject pipeline() {
    return pipeline;
  }

  final boolean isReleased() {
    return released;
  }

  Optional<Tap> tap(MediaKind kind) {
    return Optional.ofNullable(taps.get(kind));
  }

  Optional<Input> input(MediaKind kind) {
    return Optional.ofNullable(inputs.get(kind));
  }

  /** Graph thread: publishes a tap and links waiting connections. */
  protected final void publishTap(MediaKind kind, Tap tap) {
    taps.put(kind, tap);
    pipeline.reconcile();
  }

  /** Graph thread: publishes an input and links waiting connections. */
  protected final void publishInput(MediaKind kind, Input input) {
    inputs.put(kind, input);
    pipeline.reconcile();
  }

  /** Graph thread (or before publication): remembers an element to tear down on release. */
  protected final void own(Element e) {
    synchronized (owned) {
      owned.add(e);
    }
  }

  /**
   * Whether GStreamer object {@code o} belongs to this element (an element it built, or anything
   * inside one), so that an error it posts is raised on this element. Any thread.
   */
  boolean owns(GstObject o) {
    synchronized (owned) {
      for (GstObject a = o; a != null; a = a.getParent()) {
        for (Element e : owned) {
          if (sameObject(a, e)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** An error posted by a GStreamer object this element {@link #owns}: raised as its Error. */
  void onError(GstObject source, int code, String message) {
    LOG.warn("{}: error from {}: {}", id(), source.getName(), message);
    raiseError(message, code, errorType(source, code));
  }

  /** The KMS error type of an error from {@code source} ({@code code} is GStreamer's). */
  protected String errorType(GstObject source, int code) {
    return "UNEXPECTED_ELEMENT_ERROR";
  }

  /** Whether two wrappers wrap the same native object. */
  static boolean sameObject(GstObject a, GstObject b) {
    return org.freedesktop.gstreamer.glib.Natives.getRawPointer(a)
        .equals(org.freedesktop.gstreamer.glib.Natives.getRawPointer(b));
  }

  /** Asks whoever sends this element's media of {@code kind} for a keyframe (throttled). */
  protected abstract void requestKeyframe(MediaKind kind);

  /** Asks, from the graph thread, the source feeding this element's {@code kind} for a keyframe. */
  protected final void askSourceForKeyframe(MediaKind kind) {
    pipeline.post(() -> currentSource(kind).ifPresent(s -> s.requestKeyframe(kind)));
  }

  /** The source currently feeding this element's input of {@code kind}. */
  protected final Optional<MediaElement> currentSource(MediaKind kind) {
    return pipeline.sourceOf(this, kind);
  }

  /** Watches media of {@code kind} flowing into this element through {@code pad}'s buffers. */
  protected final void watchFlowIn(MediaKind kind, Pad pad) {
    flowIn.get(kind).watch(this, "MediaFlowInStateChanged", kind, pad, Probes.BUFFER);
  }

  /** Watches media of {@code kind} flowing out of this element through {@code pad}. */
  protected final void watchFlowOut(MediaKind kind, Pad pad) {
    // payloaders push RTP packets in lists
    flowOut
        .get(kind)
        .watch(this, "MediaFlowOutStateChanged", kind, pad, Probes.BUFFER | Probes.BUFFER_LIST);
  }

  /**
   * FLOWING / NOT_FLOWING of one kind in one direction, sampled rather than seen per buffer: a
   * one-shot probe notes a buffer and removes itself, and {@link #FLOW_WATCHDOG} re-arms it at its
   * next tick. FLOWING on the first buffer; NOT_FLOWING once a probe has waited {@link
   * #FLOW_TIMEOUT_NANOS} without a buffer (exactly "2 s without a buffer", to the watchdog's 500 ms
   * tick). A couple of calls into Java per second per flow, whatever the packet rate.
   */
  private static final class Flow {
    private final java.util.concurrent.atomic.AtomicBoolean flowing =
        new java.util.concurrent.atomic.AtomicBoolean();
    // The timestamp of the latest sampled buffer (flows watched on buffers only), -1 before one.
    private volatile long sampledPts = -1;
    // guarded by this:
    private Pad pad;
    private int mask;
    private Probes.Callback once;
    private long probeId;
    private boolean armed;
    private long armedAtNanos;
    private int generation;
    // every callback ever handed to native code, so none is collected while a probe may call it
    private final List<Probes.Callback> installed = new ArrayList<>();

    synchronized void watch(MediaElement element, String event, MediaKind kind, Pad p, int m) {
      if (armed && pad != null) {
        Probes.remove(pad, probeId); // a new stream of this kind: stop watching the old pad
      }
      armed = false;
      int gen = ++generation;
      pad = p;
      mask = m;
      boolean buffersOnly = m == Probes.BUFFER;
      once =
          (raw, info, data) -> {
            if (buffersOnly) {
              sampledPts = Probes.pts(Probes.data(info));
            }
            fired(gen);
            if (flowing.compareAndSet(false, true)) {
              element.raise(event, flowState(kind, "FLOWING"));
            }
            return Probes.REMOVE;
          };
      installed.add(once);
      arm();
    }

    private synchronized void fired(int gen) {
      if (gen == generation) {
        armed = false;
      }
    }

    /** Adds the one-shot probe unless one is waiting; never after {@link #unwatch}. */
    synchronized void arm() {
      if (pad != null && !armed) {
        armed = true;
        armedAtNanos = System.nanoTime();
        probeId = Probes.add(pad, mask, once);
      }
    }

    synchronized void unwatch() {
      pad = null; // a probe still armed stays harmless: its callback stays referenced here
    }

    void check(MediaElement element, String event, MediaKind kind, long now) {
      boolean silent;
      synchronized (this) {
        if (!armed) {
          arm();
        }
        silent = armed && now - armedAtNanos > FLOW_TIMEOUT_NANOS;
      }
      if (silent && flowing.compareAndSet(true, false)) {
        element.raise(event, flowState(kind, "NOT_FLOWING"));
      }
    }

    boolean isFlowing() {
      return flowing.get();
    }

    /** How long the probe has waited for a buffer: 0 if one came since the last tick. */
    synchronized long silentNanos(long now) {
      return pad != null && armed ? Math.max(0, now - armedAtNanos) : 0; // armed after now: 0
    }

    long sampledPts() {
      return sampledPts;
    }
  }

  /**
   * How long no buffer of {@code kind} has reached this element's input, to the watchdog's 500 ms
   * tick: 0 if one came since the last tick (or the input is not watched). For {@link
   * #onWatchdogTick}, whose {@code now} it takes.
   */
  protected final long inputSilentNanos(MediaKind kind, long now) {
    return flowIn.get(kind).silentNanos(now);
  }

  /**
   * The timestamp of a recent buffer of {@code kind} into this element, sampled by the flow
   * watchdog (at most one tick old while media flows); -1 before the first.
   */
  protected final long sampledInputPts(MediaKind kind) {
    return flowIn.get(kind).sampledPts();
  }

  private static final long FLOW_TIMEOUT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
  private static final java.util.Set<MediaElement> WATCHED = ConcurrentHashMap.newKeySet();

  /** One daemon thread that turns silent flows into NOT_FLOWING, for every element. */
  private static final java.util.concurrent.ScheduledExecutorService FLOW_WATCHDOG =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          Threads.daemon("duet-flow-watchdog"));

  static {
    var unused =
        Periodic.every(
            FLOW_WATCHDOG,
            500,
            500,
            java.util.concurrent.TimeUnit.MILLISECONDS,
            "flow state check",
            () -> {
              long now = System.nanoTime();
              for (MediaElement e : WATCHED) {
                for (MediaKind k : MediaKind.values()) {
                  e.flowIn.get(k).check(e, "MediaFlowInStateChanged", k, now);
                  e.flowOut.get(k).check(e, "MediaFlowOutStateChanged", k, now);
                }
                try {
                  e.onWatchdogTick(now);
                } catch (RuntimeException | Error failed) { // an Error would end the schedule
                  // one element's failing check must not skip the others' this tick
                  LOG.warn("{}: watchdog check failed", e.id(), failed);
                }
              }
            });
  }

  /**
   * Run by {@link #FLOW_WATCHDOG} every 500 ms until the element is released, for checks that must
   * not cost anything per frame. It runs on the watchdog's one thread, shared by every element: it
   * must be cheap and must never wait. {@code now} is the tick's {@link System#nanoTime}.
   */
  protected void onWatchdogTick(long now) {}

  private static JsonObject flowState(MediaKind kind, String state) {
    JsonObject o = new JsonObject();
    o.addProperty("state", state);
    o.addProperty("padName", "default");
    o.addProperty("mediaType", kind.name());
    return o;
  }

  @Override
  public List<String> hierarchy() {
    return List.of("kurento.MediaElement", "kurento.MediaObject");
  }

  @Override
  protected final Optional<JsonElement> invokeOwn(String operation, Params params) {
    Optional<JsonElement> own = invokeElement(operation, params);
    if (own.isPresent()) {
      return own;
    }
    return switch (operation) {
      case "connect" -> Optional.of(connect(params));
      case "disconnect" -> Optional.of(disconnect(params));
      case "getSourceConnections" -> Optional.of(connections(params, false));
      case "getSinkConnections" -> Optional.of(connections(params, true));
      case "isMediaFlowingIn" ->
          Optional.of(new JsonPrimitive(flowing(flowIn, params.string("mediaType"))));
      case "isMediaFlowingOut" ->
          Optional.of(new JsonPrimitive(flowing(flowOut, params.string("mediaType"))));
      case "isMediaTranscoding" -> Optional.of(new JsonPrimitive(false));
      // The whole pipeline's graph: an element's parts live directly in it.
      case "getGstreamerDot" -> Optional.of(new JsonPrimitive(Natives.dot(pipeline.gst())));
      case "setAudioFormat", "setVideoFormat", "setOutputBitrate" -> Optional.of(JsonNull.INSTANCE);
      case "getMinOuputBitrate",
          "getMaxOuputBitrate",
          "getMinOutputBitrate",
          "getMaxOutputBitrate" ->
          Optional.of(new JsonPrimitive(0));
      case "setMinOuputBitrate",
          "setMaxOuputBitrate",
          "setMinOutputBitrate",
          "setMaxOutputBitrate" ->
          Optional.of(JsonNull.INSTANCE);
      // kurento-client 7's names (the engine never encodes, so stored and read back only)
      case "getEncoderBitrate", "getMinEncoderBitrate", "getMaxEncoderBitrate" ->
          Optional.of(
              setting(
                  operation,
                  new JsonPrimitive(operation.equals("getEncoderBitrate") ? 300000 : 0)));
      case "setEncoderBitrate", "setMinEncoderBitrate", "setMaxEncoderBitrate" ->
          Optional.of(storeSetting(operation, params, true));
      case "getStats" -> Optional.of(new JsonObject());
      default -> Optional.empty();
    };
  }

  /**
   * {@code set<Name>(<name>)}: stores the value for {@code get<Name>} (required; an integer when
   * {@code integer}).
   */
  protected final JsonElement storeSetting(String operation, Params params, boolean integer) {
    String property = operation.substring(3);
    String param = Character.toLowerCase(property.charAt(0)) + property.substring(1);
    JsonElement value =
        integer
            ? new JsonPrimitive(params.requiredInteger(param))
            : params.raw(param).filter(v -> !v.isJsonNull()).orElseThrow(() -> missing(param));
    settings.put(property, value);
    return JsonNull.INSTANCE;
  }

  /** {@code get<Name>}: what {@code set<Name>} stored, or {@code fallback}. */
  protected final JsonElement setting(String operation, JsonElement fallback) {
    return settings.getOrDefault(operation.substring(3), fallback);
  }

  protected static EngineException missing(String name) {
    return new EngineException(
        KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "Parameter '" + name + "' is required");
  }

  private static boolean flowing(Map<MediaKind, Flow> map, Optional<String> mediaType) {
    return MediaKind.selected(mediaType).stream().anyMatch(k -> map.get(k).isFlowing());
  }

  /** This element type's own operations. */
  protected abstract Optional<JsonElement> invokeElement(String operation, Params params);

  private MediaElement sinkParam(Params params) {
    String sinkId = params.requiredString("sink");
    return pipeline.children().stream()
        .filter(c -> c.id().equals(sinkId))
        .findFirst()
        .orElseThrow(
            () ->
                new EngineException(
                    KmsError.MEDIA_OBJECT_NOT_FOUND,
                    "Object '" + sinkId + "' not found in pipeline " + pipeline.id()));
  }

  private JsonElement connect(Params params) {
    MediaElement sink = sinkParam(params);
    List<MediaKind> kinds = MediaKind.selected(params.string("mediaType"));
    Map<MediaKind, MediaElement> replaced =
        pipeline.onGraph(
            () -> {
              Map<MediaKind, MediaElement> r = new EnumMap<>(MediaKind.class);
              for (MediaKind k : kinds) {
                pipeline.connect(this, sink, k).ifPresent(old -> r.put(k, old));
              }
              return r;
            });
    // As on KMS, a sink's previous source is disconnected first (and says so).
    replaced.forEach(
        (k, old) -> old.raise("ElementDisconnected", connectionEvent(sink, k, params)));
    for (MediaKind k : kinds) {
      raise("ElementConnected", connectionEvent(sink, k, params));
    }
    return JsonNull.INSTANCE;
  }

  private JsonElement disconnect(Params params) {
    MediaElement sink = sinkParam(params);
    List<MediaKind> kinds = MediaKind.selected(params.string("mediaType"));
    List<MediaKind> removed =
        pipeline.onGraph(
            () -> {
              List<MediaKind> r = new ArrayList<>();
              for (MediaKind k : kinds) {
                if (pipeline.disconnect(this, sink, k)) {
                  r.add(k);
                }
              }
              return r;
            });
    for (MediaKind k : removed) {
      raise("ElementDisconnected", connectionEvent(sink, k, params));
    }
    return JsonNull.INSTANCE;
  }

  private static JsonObject connectionEvent(MediaElement sink, MediaKind kind, Params params) {
    JsonObject o = new JsonObject();
    o.addProperty("sink", sink.id());
    o.addProperty("mediaType", kind.name());
    o.addProperty(
        "sourceMediaDescription", params.string("sourceMediaDescription").orElse("default"));
    o.addProperty("sinkMediaDescription", params.string("sinkMediaDescription").orElse("default"));
    return o;
  }

  private JsonElement connections(Params params, boolean asSource) {
    List<MediaKind> kinds = MediaKind.selected(params.string("mediaType"));
    return pipeline.onGraph(
        () -> {
          JsonArray a = new JsonArray();
          for (MediaKind k : kinds) {
            for (MediaElement[] pair : pipeline.connectionsOf(this, asSource, k)) {
              JsonObject c = Structs.of("ElementConnectionData");
              c.addProperty("source", pair[0].id());
              c.addProperty("sink", pair[1].id());
              c.addProperty("type", k.name());
              c.addProperty("sourceDescription", "default");
              c.addProperty("sinkDescription", "default");
              a.add(c);
            }
          }
          return a;
        });
  }

  /** Releases this element: its connections, then its GStreamer elements. */
  @Override
  public void release() {
    if (released) {
      return;
    }
    released = true;
    WATCHED.remove(this);
    for (MediaKind k : MediaKind.values()) {
      flowIn.get(k).unwatch();
      flowOut.get(k).unwatch();
    }
    beforeRelease();
    try {
      pipeline.onGraph(
          () -> {
            pipeline.forget(this);
            taps.clear();
            inputs.clear();
            List<Element> elements;
            synchronized (owned) {
              elements = List.copyOf(owned);
              owned.clear();
            }
            for (Element e : elements) {
              pipeline.retire(e);
            }
            for (Element e : elements) {
              e.dispose();
            }
            return null;
          });
    } catch (EngineException e) {
      // the pipeline is being released too; its NULL state frees the elements
    }
    afterRelease();
    pipeline.removeChild(this);
  }

  /** Hook run before the GStreamer elements go (e.g. finish a recording). */
  protected void beforeRelease() {}

  /** Hook run after the GStreamer elements went (e.g. drop native handles). */
  protected void afterRelease() {}
}
