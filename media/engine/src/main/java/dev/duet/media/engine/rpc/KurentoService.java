package dev.duet.media.engine.rpc;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.duet.common.Lanes;
import dev.duet.common.Periodic;
import dev.duet.common.Threads;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import dev.duet.media.engine.element.EngineContext;
import dev.duet.media.engine.element.EventSink;
import dev.duet.media.engine.element.MediaElement;
import dev.duet.media.engine.element.MediaObject;
import dev.duet.media.engine.element.MediaPipelineObject;
import dev.duet.media.engine.element.Params;
import dev.duet.media.engine.element.RecorderEndpointObject;
import dev.duet.media.engine.element.Structs;
import dev.duet.media.engine.element.WebRtcEndpointObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kurento JSON-RPC methods over the engine's sessions, objects and subscriptions. Transport
 * independent: {@link #handle} takes one request from one {@link Connection} and returns the reply
 * frame; events go to whichever connection currently owns a subscribing session.
 *
 * <p>Threading: every map here is concurrent; no lock is held while a media operation runs or a
 * frame is sent.
 */
public final class KurentoService implements EventSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KurentoService.class);

  /** Requests one connection may have queued or running: beyond, new ones are refused. */
  static final int MAX_PENDING_REQUESTS = 1000;

  /** KMS's version string, reported by {@code ServerManager.getInfo}. */
  static final String VERSION = "7.2.0";

  private final String serverId = UUID.randomUUID().toString();
  private final EngineContext context;
  private final Map<String, EngineSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, MediaObject> objects = new ConcurrentHashMap<>();
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final ThreadPoolExecutor requests;
  private final Duration grace;

  private record Subscription(String id, String objectId, String type, String sessionId) {}

  public KurentoService(dev.duet.media.engine.EngineConfig config) {
    this.context = new EngineContext(config, this);
    this.grace = config.sessionGrace();
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(Threads.daemon("duet-engine-sweeper"));
    // Requests run here, one lane per pipeline and connection (see Lanes); no idle thread kept.
    this.requests =
        new ThreadPoolExecutor(
            32,
            32,
            5,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            Threads.daemon("duet-engine-rpc"));
    requests.allowCoreThreadTimeOut(true);
    long period = Math.max(100, Math.min(grace.toMillis() / 2, 10_000));
    var unused =
        Periodic.every(
            sweeper, period, period, TimeUnit.MILLISECONDS, "session expiry", this::sweep);
  }

  /** Number of live media objects (pipelines and elements), for tests and health checks. */
  public int objectCount() {
    return objects.size();
  }

  /** The live media object {@code id}, if any (for tests that look inside an element). */
  public Optional<MediaObject> find(String id) {
    return Optional.ofNullable(objects.get(id));
  }

  /** Number of known sessions. */
  public int sessionCount() {
    return sessions.size();
  }

  // ---- transport callbacks ----

  /** A socket closed: its session keeps its objects for the grace period. */
  public void connectionClosed(Connection c) {
    c.closed();
    c.session().ifPresent(s -> s.detach(c, System.nanoTime()));
  }

  /** A new set of request lanes for one connection. */
  Lanes newLanes() {
    return new Lanes(requests, MAX_PENDING_REQUESTS, "request");
  }

  /**
   * Takes one text frame of {@code c}: the request runs on its pipeline's lane of {@code lanes}
   * (after that pipeline's earlier requests, beside other pipelines' ones) and its reply, if it has
   * one, is sent when it has run. A frame that is not a request is answered at once.
   */
  void submit(Connection c, Lanes lanes, String text) {
    RpcRequest request;
    try {
      request = RpcRequest.parse(text);
    } catch (EngineException e) {
      c.send(RpcReply.error(RpcRequest.idOf(text), e.error(), e.getMessage()));
      return;
    }
    if (!lanes.submit(
        request.pipelineId().orElse(""), () -> handle(c, request).ifPresent(c::send))) {
      c.send(
          RpcReply.error(
              request.id(),
              KmsError.NOT_ENOUGH_RESOURCES,
              "Too many requests in flight on this connection (" + MAX_PENDING_REQUESTS + ")"));
    }
  }

  /** Runs one request; returns the reply to send (none for notifications). */
  Optional<JsonObject> handle(Connection c, RpcRequest request) {
    try {
      JsonObject result = dispatch(c, request);
      reference(c, request);
      return request.id().map(id -> RpcReply.result(request.id(), result));
    } catch (EngineException e) {
      LOG.debug("{} failed: {}", request.method(), e.getMessage());
      return Optional.of(RpcReply.error(request.id(), e.error(), e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("{} failed unexpectedly", request.method(), e);
      return Optional.of(
          RpcReply.error(request.id(), KmsError.UNEXPECTED_ERROR, "Unexpected error: " + e));
    }
  }

  private JsonObject dispatch(Connection c, RpcRequest r) {
    return switch (r.method()) {
      case "ping" -> ping(c, r);
      case "connect" -> connect(c, r);
      case "create" -> withSession(c, r, create(c, r));
      case "invoke" -> invoke(c, r);
      case "subscribe" -> subscribe(c, r);
      case "unsubscribe" -> unsubscribe(c, r);
      case "release" -> release(c, r);
      case "closeSession" -> closeSession(c, r);
      case "describe" -> describe(c, r);
      case "transaction" ->
          throw new EngineException(
              KmsError.NOT_IMPLEMENTED,
              "transaction is not supported by the Duet media engine; send the operations"
                  + " one by one");
      default ->
          throw new EngineException(
              KmsError.METHOD_NOT_FOUND, "Method not found: '" + r.method() + "'");
    };
  }

  // ---- sessions ----

  /**
   * The session of a request: its {@code sessionId} (created when unknown, as KMS does), else the
   * connection's, else a new one bound to the connection.
   */
  private EngineSession sessionOf(Connection c, RpcRequest r) {
    Optional<String> id = r.string("sessionId");
    EngineSession s;
    if (id.isPresent()) {
      s = sessions.computeIfAbsent(id.get(), EngineSession::new);
    } else if (c.session().isPresent() && sessions.containsKey(c.session().get().id())) {
      s = c.session().get();
    } else {
      String fresh = UUID.randomUUID().toString();
      s = sessions.computeIfAbsent(fresh, EngineSession::new);
    }
    if (s.connection().isEmpty() || s.connection().get() != c) {
      c.session().ifPresent(old -> old.detach(c, System.nanoTime()));
      s.attach(c);
      c.bind(s);
    }
    return s;
  }

  private JsonObject withSession(Connection c, RpcRequest r, JsonObject result) {
    result.addProperty("sessionId", sessionOf(c, r).id());
    return result;
  }

  private static JsonObject value(JsonElement v) {
    JsonObject o = new JsonObject();
    o.add("value", v);
    return o;
  }

  private JsonObject ping(Connection c, RpcRequest r) {
    JsonObject result = value(new JsonPrimitive("pong"));
    Optional<String> id = r.string("sessionId");
    if (id.isPresent()) {
      EngineSession s = sessions.get(id.get());
      if (s != null) {
        s.attach(c);
        c.bind(s);
      }
      result.addProperty("sessionId", id.get());
    }
    return result;
  }

  private JsonObject connect(Connection c, RpcRequest r) {
    Optional<String> id = r.string("sessionId");
    EngineSession s;
    if (id.isPresent()) {
      s = sessions.get(id.get());
      if (s == null) {
        throw new EngineException(KmsError.INVALID_SESSION, "Invalid session");
      }
    } else {
      s = sessions.computeIfAbsent(UUID.randomUUID().toString(), EngineSession::new);
    }
    c.session().filter(old -> old != s).ifPresent(old -> old.detach(c, System.nanoTime()));
    s.attach(c);
    c.bind(s);
    JsonObject result = new JsonObject();
    result.addProperty("sessionId", s.id());
    result.addProperty("serverId", serverId);
    return result;
  }

  private JsonObject closeSession(Connection c, RpcRequest r) {
    EngineSession s = sessionOf(c, r);
    sessions.remove(s.id());
    c.unbind();
    releaseSessionObjects(s);
    JsonObject result = new JsonObject();
    result.addProperty("sessionId", s.id());
    return result;
  }

  /**
   * As KMS does, a session that works with a pipeline (creates in it, invokes or subscribes on one
   * of its objects) holds a reference to it, whoever created it: a second application (or a second
   * instance of one) that picked a pipeline up by id keeps it alive when the first one's session
   * closes.
   */
  private void reference(Connection c, RpcRequest r) {
    switch (r.method()) {
      case "create", "invoke", "subscribe" -> {
        Optional<String> pipeline = r.pipelineId();
        if (pipeline.isPresent() && objects.containsKey(pipeline.get())) {
          sessionOf(c, r).pipelines().add(pipeline.get());
        }
      }
      default -> {}
    }
  }

  /**
   * A closed or expired session lets go of its pipelines: each is released unless another live
   * session still references it.
   */
  private void releaseSessionObjects(EngineSession s) {
    for (String pipelineId : List.copyOf(s.pipelines())) {
      MediaObject p = objects.get(pipelineId);
      boolean shared =
          sessions.values().stream()
              .anyMatch(other -> other != s && other.pipelines().contains(pipelineId));
      if (p != null && !shared) {
        releaseObject(p);
      }
    }
    s.pipelines().clear();
  }

  private void sweep() {
    long now = System.nanoTime();
    for (EngineSession s : List.copyOf(sessions.values())) {
      if (s.connection().isEmpty() && now - s.detachedAtNanos() > grace.toNanos()) {
        if (sessions.remove(s.id(), s)) {
          LOG.info("session {} expired; releasing {} pipelines", s.id(), s.pipelines().size());
          try {
            releaseSessionObjects(s);
          } catch (RuntimeException e) {
            LOG.warn("releasing expired session {} failed", s.id(), e);
          }
        }
      }
    }
  }

  // ---- objects ----

  private MediaObject object(String id) {
    MediaObject o = objects.get(id);
    if (o == null) {
      throw new EngineException(KmsError.MEDIA_OBJECT_NOT_FOUND, "Object '" + id + "' not found");
    }
    return o;
  }

  private JsonObject create(Connection c, RpcRequest r) {
    String type = r.requiredString("type");
    Params params = Params.of(r.object("constructorParams"));
    EngineSession session = sessionOf(c, r);
    MediaObject created =
        switch (type) {
          case "MediaPipeline" -> {
            MediaPipelineObject p = new MediaPipelineObject(context);
            session.pipelines().add(p.id());
            yield p;
          }
          case "WebRtcEndpoint" -> new WebRtcEndpointObject(pipelineParam(params), params);
          case "RecorderEndpoint" -> new RecorderEndpointObject(pipelineParam(params), params);
          default ->
              throw new EngineException(
                  KmsError.MEDIA_OBJECT_TYPE_NOT_FOUND,
                  "Type '" + type + "' not supported by the Duet media engine");
        };
    objects.put(created.id(), created);
    return value(new JsonPrimitive(created.id()));
  }

  private MediaPipelineObject pipelineParam(Params params) {
    String id = params.requiredString("mediaPipeline");
    if (object(id) instanceof MediaPipelineObject p) {
      return p;
    }
    throw new EngineException(
        KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "'" + id + "' is not a MediaPipeline");
  }

  private JsonObject invoke(Connection c, RpcRequest r) {
    String objectId = r.requiredString("object");
    String operation = r.requiredString("operation");
    EngineSession s = sessionOf(c, r);
    JsonElement v;
    if ("manager_ServerManager".equals(objectId)) {
      v = serverManager(operation, Params.of(r.object("operationParams")));
    } else {
      v = object(objectId).invoke(operation, Params.of(r.object("operationParams")));
    }
    JsonObject result = value(v == null ? JsonNull.INSTANCE : v);
    result.addProperty("sessionId", s.id());
    return result;
  }

  private JsonElement serverManager(String operation, Params params) {
    return switch (operation) {
      case "getName" -> new JsonPrimitive("manager_ServerManager");
      case "getMetadata" -> new JsonPrimitive("");
      case "getUsedCpu" -> new JsonPrimitive(usedCpu(params.integer("interval").orElse(1000)));
      case "getInfo" -> {
        JsonObject info = Structs.of("ServerInfo");
        info.addProperty("version", VERSION);
        info.addProperty("type", "KMS");
        info.add("capabilities", new JsonArray());
        JsonArray modules = new JsonArray();
        JsonObject core = Structs.of("ModuleInfo");
        core.addProperty("version", VERSION);
        core.addProperty("name", "core");
        core.addProperty("generationTime", "duet");
        JsonArray factories = new JsonArray();
        factories.add("MediaPipeline");
        factories.add("WebRtcEndpoint");
        factories.add("RecorderEndpoint");
        core.add("factories", factories);
        modules.add(core);
        info.add("modules", modules);
        yield info;
      }
      case "getPipelines" -> {
        JsonArray a = new JsonArray();
        objects.values().stream()
            .filter(o -> o instanceof MediaPipelineObject)
            .forEach(o -> a.add(o.id()));
        yield a;
      }
      case "getSessions" -> {
        JsonArray a = new JsonArray();
        sessions.keySet().forEach(a::add);
        yield a;
      }
      case "getKmd" -> new JsonPrimitive("{}");
      case "getCpuCount" -> new JsonPrimitive(Runtime.getRuntime().availableProcessors());
      case "getUsedMemory" ->
          new JsonPrimitive(
              (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1024);
      default ->
          throw new EngineException(
              KmsError.MEDIA_OBJECT_METHOD_NOT_FOUND,
              "Method '" + operation + "' not found on ServerManager");
    };
  }

  /**
   * The engine's CPU use over the next {@code intervalMillis} (at most 10 s), in percent of the
   * whole machine, as KMS's getUsedCpu (which a client balancing calls over several media servers
   * asks).
   */
  private static float usedCpu(int intervalMillis) {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof com.sun.management.OperatingSystemMXBean sun)) {
      return 0f;
    }
    long wait = Math.max(10, Math.min(intervalMillis, 10_000));
    long cpu0 = sun.getProcessCpuTime();
    long t0 = System.nanoTime();
    try {
      Thread.sleep(wait); // the measuring interval the client asked for
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long cpu = sun.getProcessCpuTime() - cpu0;
    long elapsed = System.nanoTime() - t0;
    return (float) (100.0 * cpu / elapsed / Runtime.getRuntime().availableProcessors());
  }

  private JsonObject describe(Connection c, RpcRequest r) {
    MediaObject o = object(r.requiredString("object"));
    JsonObject result = new JsonObject();
    result.addProperty("type", o.type());
    result.addProperty("qualifiedType", "kurento." + o.type());
    JsonArray h = new JsonArray();
    o.hierarchy().forEach(h::add);
    result.add("hierarchy", h);
    result.addProperty("sessionId", sessionOf(c, r).id());
    return result;
  }

  /**
   * Releases an object (a pipeline with its elements). Like KMS, releasing an object that is
   * already gone (released twice, or unknown) succeeds: applications release in several places.
   */
  private JsonObject release(Connection c, RpcRequest r) {
    EngineSession s = sessionOf(c, r);
    String id = r.requiredString("object");
    MediaObject o = objects.get(id);
    if (o != null) {
      releaseObject(o);
    }
    s.pipelines().remove(id);
    JsonObject result = new JsonObject();
    result.addProperty("sessionId", s.id());
    return result;
  }

  private void releaseObject(MediaObject o) {
    List<MediaObject> gone = new ArrayList<>();
    if (o instanceof MediaPipelineObject p) {
      gone.addAll(p.children());
    }
    gone.add(o);
    for (MediaObject g : gone) {
      objects.remove(g.id());
      subscriptions.values().removeIf(sub -> sub.objectId().equals(g.id()));
    }
    o.release();
    if (o instanceof MediaElement) {
      return;
    }
    for (EngineSession s : sessions.values()) {
      s.pipelines().remove(o.id());
    }
  }

  // ---- events ----

  private JsonObject subscribe(Connection c, RpcRequest r) {
    EngineSession s = sessionOf(c, r);
    String objectId = r.requiredString("object");
    // The ServerManager's events (ObjectCreated, ObjectDestroyed, ...) are accepted, not raised.
    String id = "manager_ServerManager".equals(objectId) ? objectId : object(objectId).id();
    String type = r.requiredString("type");
    Subscription sub = new Subscription(UUID.randomUUID().toString(), id, type, s.id());
    subscriptions.put(sub.id(), sub);
    JsonObject result = value(new JsonPrimitive(sub.id()));
    result.addProperty("sessionId", s.id());
    return result;
  }

  private JsonObject unsubscribe(Connection c, RpcRequest r) {
    EngineSession s = sessionOf(c, r);
    String id = r.requiredString("subscription");
    subscriptions.remove(id);
    JsonObject result = new JsonObject();
    result.addProperty("sessionId", s.id());
    return result;
  }

  @Override
  public void raise(MediaObject source, String type, JsonObject data) {
    LOG.debug("{} from {}: {}", type, source.id(), data);
    JsonObject frame = null;
    java.util.Set<String> delivered = new java.util.HashSet<>();
    for (Subscription sub : subscriptions.values()) {
      if (!sub.objectId().equals(source.id()) || !sub.type().equals(type)) {
        continue;
      }
      if (!delivered.add(sub.sessionId())) {
        continue; // one event per session: the client fans out to its own listeners
      }
      EngineSession s = sessions.get(sub.sessionId());
      if (s == null || s.connection().isEmpty()) {
        continue;
      }
      if (frame == null) {
        frame = RpcReply.event(source.id(), type, data);
      }
      s.connection().get().send(frame);
    }
  }

  /** Releases every object (engine shutdown). */
  @Override
  public void close() {
    sweeper.shutdownNow();
    requests.shutdown(); // requests already running finish; later ones are dropped
    for (MediaObject o : List.copyOf(objects.values())) {
      if (o instanceof MediaPipelineObject && objects.containsKey(o.id())) {
        try {
          releaseObject(o);
        } catch (RuntimeException e) {
          LOG.warn("release of {} failed at shutdown", o.id(), e);
        }
      }
    }
    sessions.clear();
  }
}
