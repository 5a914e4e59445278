package dev.duet.media.engine.element;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;
import com.sun.jna.Pointer;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import dev.duet.media.engine.gst.GstRuntime;
import dev.duet.media.engine.gst.Natives;
import dev.duet.media.engine.gst.Probes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kurento's MediaPipeline: one GStreamer pipeline holding the elements of one call, and the
 * connections between them.
 *
 * <p>Threading: the connection graph (which source feeds which sink, and the tee pads that realise
 * it) is confined to this pipeline's graph thread. Callers hand work to it with {@link
 * #onGraph(Callable)} (waits) or {@link #post(Runnable)} (does not); work on the graph thread never
 * waits for another thread.
 */
public final class MediaPipelineObject extends MediaObject {
  private static final Logger LOG = LoggerFactory.getLogger(MediaPipelineObject.class);

  private final EngineContext context;
  private final Pipeline gst;
  private final Bus.ERROR onError;
  private final ThreadPoolExecutor graph;
  private volatile Thread graphThread;
  private final List<MediaElement> children = new CopyOnWriteArrayList<>();
  private final List<Link> links = new ArrayList<>(); // graph thread only
  private final java.util.Set<Probes.Callback> pendingUnlinks =
      java.util.concurrent.ConcurrentHashMap.newKeySet(); // keeps idle-probe callbacks alive
  private volatile boolean latencyStats;
  private volatile boolean released;

  public MediaPipelineObject(EngineContext context) {
    super(Optional.empty(), "MediaPipeline", context.events());
    GstRuntime.ensureInitialised();
    this.context = context;
    String shortId = id().substring(0, 8);
    this.graph =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "duet-graph-" + shortId);
              t.setDaemon(true);
              graphThread = t;
              return t;
            });
    this.gst = new Pipeline("pipeline-" + shortId);
    this.onError =
        (source, code, message) -> {
          // An error of an element's own GStreamer parts (a recording's filesink that cannot
          // write) is that element's Error, as on KMS; anything else is the pipeline's.
          Optional<MediaElement> owner =
              children.stream().filter(child -> child.owns(source)).findFirst();
          if (owner.isPresent()) {
            owner.get().onError(source, code, message);
          } else {
            LOG.warn("pipeline {}: error from {}: {}", shortId, source.getName(), message);
            raiseError(message, code, "UNEXPECTED_PIPELINE_ERROR");
          }
        };
    gst.getBus().connect(onError);
    gst.play();
  }

  @Override
  public MediaPipelineObject pipeline() {
    return this;
  }

  @Override
  public List<String> hierarchy() {
    return List.of("kurento.MediaObject");
  }

  @Override
  protected Optional<String> parentId() {
    return Optional.empty();
  }

  @Override
  protected List<String> childIds() {
    return children.stream().map(MediaObject::id).toList();
  }

  public EngineContext context() {
    return context;
  }

  /** The GStreamer pipeline; add elements only from the graph thread. */
  Pipeline gst() {
    return gst;
  }

  /**
   * Takes a newly built element as this pipeline's child and puts it under the flow watchdog. One
   * adopted while the pipeline is being released is released here: whichever of the two removes it
   * from {@link #children} releases it.
   */
  void adopt(MediaElement child) {
    MediaElement.watch(child); // first: whoever releases the child also takes it off the list
    children.add(child);
    if (released && children.remove(child)) {
      child.release();
    }
  }

  public List<MediaElement> children() {
    return List.copyOf(children);
  }

  @Override
  protected Optional<JsonElement> invokeOwn(String operation, Params params) {
    return switch (operation) {
      case "getLatencyStats" -> Optional.of(new JsonPrimitive(latencyStats));
      case "setLatencyStats" -> {
        latencyStats = params.bool("latencyStats", false);
        yield Optional.of(JsonNull.INSTANCE);
      }
      case "getGstreamerDot" -> Optional.of(new JsonPrimitive(Natives.dot(gst)));
      default -> Optional.empty();
    };
  }

  /** Runs {@code task} on the graph thread and waits for it (at most 10 s). */
  public <T> T onGraph(Callable<T> task) {
    if (Thread.currentThread() == graphThread) {
      try {
        return task.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new EngineException(KmsError.UNEXPECTED_ERROR, e.toString(), e);
      }
    }
    Future<T> f;
    try {
      f = graph.submit(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw new EngineException(KmsError.MEDIA_OBJECT_NOT_FOUND, "Pipeline " + id() + " released");
    }
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException(KmsError.UNEXPECTED_ERROR, "interrupted");
    } catch (TimeoutException e) {
      throw new EngineException(KmsError.UNEXPECTED_ERROR, "graph operation timed out");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new EngineException(KmsError.UNEXPECTED_ERROR, String.valueOf(e.getCause()), e);
    }
  }

  /** Queues {@code task} for the graph thread; dropped once the pipeline is released. */
  public void post(Runnable task) {
    try {
      graph.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              LOG.warn("graph task failed", e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // released
    }
  }

  // ---- connections (graph thread) ----

  /** One requested connection {@code source -> sink} for one kind, and its tee pad once linked. */
  private static final class Link {
    final MediaElement source;
    final MediaElement sink;
    final MediaKind kind;
    Pad teePad;
    Pad inputPad;

    Link(MediaElement source, MediaElement sink, MediaKind kind) {
      this.source = source;
      this.sink = sink;
      this.kind = kind;
    }
  }

  /**
   * Connects {@code source -> sink} for {@code kind}, replacing the sink's previous source, which
   * is returned (empty if there was none, or it was {@code source} already).
   */
  Optional<MediaElement> connect(MediaElement source, MediaElement sink, MediaKind kind) {
    Optional<MediaElement> replaced = Optional.empty();
    for (Link l : List.copyOf(links)) {
      if (l.sink == sink && l.kind == kind) {
        if (l.source == source) {
          return Optional.empty();
        }
        unlink(l);
        links.remove(l);
        replaced = Optional.of(l.source);
      }
    }
    links.add(new Link(source, sink, kind));
    reconcile();
    return replaced;
  }

  /** Removes {@code source -> sink} for {@code kind}; false if there was no such connection. */
  boolean disconnect(MediaElement source, MediaElement sink, MediaKind kind) {
    for (Link l : List.copyOf(links)) {
      if (l.source == source && l.sink == sink && l.kind == kind) {
        unlink(l);
        links.remove(l);
        return true;
      }
    }
    return false;
  }

  /** The elements {@code element} feeds (as source) or is fed by (as sink), per kind. */
  List<MediaElement[]> connectionsOf(MediaElement element, boolean asSource, MediaKind kind) {
    List<MediaElement[]> out = new ArrayList<>();
    for (Link l : links) {
      if (l.kind == kind && (asSource ? l.source == element : l.sink == element)) {
        out.add(new MediaElement[] {l.source, l.sink});
      }
    }
    return out;
  }

  /** The element currently connected as {@code sink}'s source for {@code kind}. */
  Optional<MediaElement> sourceOf(MediaElement sink, MediaKind kind) {
    return links.stream()
        .filter(l -> l.sink == sink && l.kind == kind)
        .map(l -> l.source)
        .findFirst();
  }

  /** Links every connection whose two ends now exist. Call after a tap or an input appears. */
  void reconcile() {
    for (Link l : links) {
      if (l.teePad != null) {
        continue;
      }
      Optional<MediaElement.Tap> tap = l.source.tap(l.kind);
      Optional<MediaElement.Input> input = l.sink.input(l.kind);
      if (tap.isEmpty() || input.isEmpty()) {
        continue;
      }
      if (!tap.get().codec().equals(input.get().codec())) {
        LOG.warn(
            "not linking {} -> {} ({}): codec {} vs {}; the engine does not transcode",
            l.source.id(),
            l.sink.id(),
            l.kind,
            tap.get().codec(),
            input.get().codec());
        continue;
      }
      if (input.get().pad().isLinked()) {
        continue; // still draining a previous link; retried on the next reconcile
      }
      Pad teePad = tap.get().tee().getRequestPad("src_%u");
      try {
        teePad.link(input.get().pad());
      } catch (RuntimeException e) {
        LOG.warn("link {} -> {} failed: {}", l.source.id(), l.sink.id(), e.toString());
        tap.get().tee().releaseRequestPad(teePad);
        continue;
      }
      l.teePad = teePad;
      l.inputPad = input.get().pad();
      input.get().linked().run();
      l.source.requestKeyframe(l.kind);
    }
  }

  private void unlink(Link l) {
    Pad teePad = l.teePad;
    Pad inputPad = l.inputPad;
    l.teePad = null;
    l.inputPad = null;
    if (teePad == null || l.source.isReleased()) {
      return; // a released source's tee goes with it
    }
    Element tee = teePad.getParentElement();
    // The callback holds both Pad wrappers, and so a reference to both pads, until it has run.
    Pointer rawTeePad = org.freedesktop.gstreamer.glib.Natives.getRawPointer(teePad);
    Pointer rawInputPad = org.freedesktop.gstreamer.glib.Natives.getRawPointer(inputPad);
    Pad[] heldPads = {teePad, inputPad};
    // Unlink when the tee pad is idle (between buffers); release it on the graph thread.
    Probes.Callback[] self = new Probes.Callback[1];
    self[0] =
        (pad, info, data) -> {
          Natives.GstLib.INSTANCE.gst_pad_unlink(rawTeePad, rawInputPad);
          post(
              () -> {
                pendingUnlinks.remove(self[0]);
                heldPads[1] = null;
                if (tee != null && !l.source.isReleased()) {
                  try {
                    tee.releaseRequestPad(teePad);
                  } catch (IllegalStateException e) {
                    LOG.debug("tee already gone", e);
                  }
                }
                reconcile();
              });
          return Probes.REMOVE;
        };
    pendingUnlinks.add(self[0]);
    Probes.add(teePad, Probes.IDLE, self[0]);
  }

  /** Drops every connection to or from {@code element} (before it is torn down). */
  void forget(MediaElement element) {
    for (Link l : List.copyOf(links)) {
      if (l.source == element || l.sink == element) {
        unlink(l);
        links.remove(l);
      }
    }
  }

  @Override
  public void release() {
    released = true;
    for (MediaElement child : List.copyOf(children)) {
      if (!children.remove(child)) {
        continue; // released by adopt
      }
      try {
        child.release();
      } catch (RuntimeException e) {
        LOG.warn("release of {} failed", child.id(), e);
      }
    }
    try {
      onGraph(
          () -> {
            links.clear();
            return null;
          });
    } catch (RuntimeException e) {
      LOG.debug("graph already gone", e);
    }
    graph.shutdown();
    gst.setState(State.NULL);
    gst.getBus().disconnect(onError);
    gst.dispose();
  }

  /**
   * Takes {@code e} out of the running pipeline for good: its state is locked before it goes to
   * NULL, so no later state change of the pipeline (its own release, say) brings it back up. A
   * finished recording's filesink brought back to PAUSED would reopen its file and truncate it.
   */
  void retire(Element e) {
    e.setLockedState(true);
    e.setState(State.NULL);
    try {
      gst.remove(e);
    } catch (RuntimeException gone) {
      LOG.debug("{} already gone with the pipeline", e.getName(), gone);
    }
  }

  void removeChild(MediaElement child) {
    children.remove(child);
  }
}
