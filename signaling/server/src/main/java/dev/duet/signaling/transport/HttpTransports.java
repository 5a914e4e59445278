package dev.duet.signaling.transport;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.common.Periodic;
import dev.duet.common.Threads;
import dev.duet.protocol.Codec;
import dev.duet.protocol.ErrorCode;
import dev.duet.protocol.ServerMessage;
import dev.duet.signaling.Config;
import dev.duet.signaling.Metrics;
import dev.duet.signaling.Switchboard;
import dev.duet.signaling.auth.AuthException;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.http.Authenticator;
import dev.duet.signaling.http.Json;
import dev.duet.signaling.session.Frame;
import dev.duet.signaling.session.Session;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The HTTP transports of the session protocol, for networks where WebSocket is blocked:
 *
 * <ul>
 *   <li>{@code GET /sse}: Server-Sent Events (see {@link SseLink});
 *   <li>{@code GET /poll?after=&wait=[&session=]}: long polling, or short polling with {@code
 *       wait=0} (see {@link PollLink});
 *   <li>{@code POST /send?session=}: client messages (one object or an array) for either.
 * </ul>
 *
 * Same envelope, sequence numbers, acks and resume as WebSocket; a session may move between
 * transports by resuming. A transport carries frames and knows no call rules.
 */
public final class HttpTransports extends Handler.Abstract implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(HttpTransports.class);

  /** Long polls are answered before common proxy timeouts. */
  static final int MAX_WAIT_SECONDS = 30;

  /** The close code of links the stopping server closes (WebSocket's 1001, going away). */
  static final int GOING_AWAY = 1001;

  private final Config config;
  private final Authenticator auth;
  private final Switchboard switchboard;
  private final Metrics metrics;
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(Threads.daemon("duet-http-transport-timers"));
  private final Set<SseLink> streams = ConcurrentHashMap.newKeySet();
  private final Set<PollLink> pollers = ConcurrentHashMap.newKeySet();

  public HttpTransports(
      Config config, Authenticator auth, Switchboard switchboard, Metrics metrics) {
    this.config = config;
    this.auth = auth;
    this.switchboard = switchboard;
    this.metrics = metrics;
    long beat = Math.max(100, config.heartbeat().toMillis() / 2);
    var unused =
        Periodic.every(
            timers, beat, beat, TimeUnit.MILLISECONDS, "SSE heartbeats", this::heartbeats);
    unused =
        Periodic.every(timers, 250, 250, TimeUnit.MILLISECONDS, "idle pollers", this::idlePollers);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    if (!path.equals("/sse") && !path.equals("/poll") && !path.equals("/send")) {
      return false;
    }
    Principal principal;
    if (!auth.originAllowed(request)) {
      Json.error(response, callback, 403, ErrorCode.FORBIDDEN, "origin not allowed");
      return true;
    }
    try {
      principal = auth.authenticate(request);
    } catch (AuthException e) {
      response.getHeaders().put("WWW-Authenticate", "Bearer");
      Json.error(response, callback, 401, ErrorCode.UNAUTHORIZED, e.getMessage());
      return true;
    }
    Fields q = Request.extractQueryParameters(request);
    try {
      return route(path, request, response, callback, principal, q);
    } catch (IllegalArgumentException e) { // a count that is not one (before anything is sent)
      Json.error(response, callback, 400, ErrorCode.BAD_REQUEST, e.getMessage());
      return true;
    }
  }

  private boolean route(
      String path,
      Request request,
      Response response,
      Callback callback,
      Principal principal,
      Fields q) {
    switch (path) {
      case "/sse" -> {
        if (!HttpMethod.GET.is(request.getMethod())) {
          return methodNotAllowed(response, callback);
        }
        sse(request, response, callback, principal, q);
      }
      case "/poll" -> {
        if (!HttpMethod.GET.is(request.getMethod())) {
          return methodNotAllowed(response, callback);
        }
        poll(response, callback, principal, q);
      }
      default -> {
        if (!HttpMethod.POST.is(request.getMethod())) {
          return methodNotAllowed(response, callback);
        }
        send(request, response, callback, principal, q);
      }
    }
    return true;
  }

  private void sse(Request request, Response response, Callback callback, Principal p, Fields q) {
    long lastSeq = WebSocketEndpoint.count("lastSeq", q.getValue("lastSeq"));
    String lastEventId = request.getHeaders().get("Last-Event-ID");
    if (q.getValue("lastSeq") == null && lastEventId != null) {
      lastSeq = WebSocketEndpoint.count("Last-Event-ID", lastEventId);
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache, no-transform");
    response.getHeaders().put("X-Accel-Buffering", "no");
    SseLink link = new SseLink(switchboard, metrics, response, callback);
    Optional<Switchboard.Connected> c = open(response, callback, p, q, lastSeq, link);
    if (c.isEmpty()) {
      return;
    }
    metrics.connectionOpened(link.transport());
    link.start(c.get()); // first: a link closed before it started would never end its session
    streams.add(link);
    closeIfClosed(link);
  }

  /**
   * Opens (or resumes) the session of a new link; while the server stops, answers 503 instead: no
   * new sessions then, while the open ones keep polling and posting until the transports close
   * them. Nothing is written before.
   */
  private Optional<Switchboard.Connected> open(
      Response response,
      Callback callback,
      Principal p,
      Fields q,
      long lastSeq,
      dev.duet.signaling.session.Link link) {
    if (switchboard.stopping()) {
      Json.unavailable(response, callback);
      return Optional.empty();
    }
    // A server that stops after this check closes the link with the others.
    return Optional.of(
        switchboard.connect(p, Optional.ofNullable(q.getValue("resume")), lastSeq, link));
  }

  /**
   * Closes a link just registered if {@link #close()} has begun: it may have gone through the links
   * before this one was added (a connection that raced the stop).
   */
  private void closeIfClosed(dev.duet.signaling.session.Link link) {
    if (timers.isShutdown()) { // close() shuts the timers before it goes through the links
      link.close(GOING_AWAY, "server shutting down");
    }
  }

  private void poll(Response response, Callback callback, Principal p, Fields q) {
    long after = WebSocketEndpoint.count("after", q.getValue("after"));
    int wait =
        (int) Math.min(MAX_WAIT_SECONDS, WebSocketEndpoint.count("wait", q.getValue("wait")));
    String sessionId = q.getValue("session");
    if (sessionId == null) {
      // Opens (or resumes) a session: answers at once, welcome first.
      long lastSeq = WebSocketEndpoint.count("lastSeq", q.getValue("lastSeq"));
      PollLink link = new PollLink();
      Optional<Switchboard.Connected> opened = open(response, callback, p, q, lastSeq, link);
      if (opened.isEmpty()) {
        return;
      }
      Switchboard.Connected c = opened.get();
      link.bind(c.session());
      metrics.connectionOpened(link.transport());
      pollers.add(link);
      closeIfClosed(link);
      long from = c.resumed() ? lastSeq : 0;
      link.poll(
          from,
          false,
          (frames, code, reason) ->
              writeFrames(response, callback, Optional.of(c.welcomeJson()), frames, code, reason));
      return;
    }
    Optional<Session> session = switchboard.sessionOf(sessionId, p.user());
    Optional<PollLink> link =
        session.flatMap(Session::link).filter(l -> l instanceof PollLink).map(l -> (PollLink) l);
    if (link.isEmpty()) {
      Json.error(
          response,
          callback,
          404,
          ErrorCode.NOT_FOUND,
          "no such polling session of yours: open one without 'session', or resume");
      return;
    }
    switchboard.ack(session.get(), after);
    AtomicBoolean answered = new AtomicBoolean();
    PollLink.Reply reply =
        (frames, code, reason) -> {
          if (answered.compareAndSet(false, true)) {
            writeFrames(response, callback, Optional.empty(), frames, code, reason);
          }
        };
    link.get().poll(after, wait > 0, reply);
    if (wait > 0 && !answered.get()) {
      try {
        timers.schedule(() -> link.get().expire(reply), wait, TimeUnit.SECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        link.get().expire(reply); // the transports have closed: answer now, not never
      }
    }
  }

  private void writeFrames(
      Response response,
      Callback callback,
      Optional<String> welcome,
      List<Frame> frames,
      int closeCode,
      String closeReason) {
    StringBuilder b = new StringBuilder("{\"messages\":[");
    boolean first = true;
    if (welcome.isPresent()) {
      b.append(welcome.get());
      first = false;
    }
    for (Frame f : frames) {
      if (!first) {
        b.append(',');
      }
      b.append(f.json());
      first = false;
      metrics.messageOut();
    }
    b.append(']');
    if (closeCode != 0) {
      JsonObject closed = new JsonObject();
      closed.addProperty("code", closeCode);
      closed.addProperty("reason", closeReason);
      b.append(",\"closed\":").append(closed);
    }
    b.append('}');
    try {
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      Content.Sink.write(response, true, b.toString(), callback);
    } catch (IllegalStateException gone) {
      // The request already ended (its client went away while the poll was held): nobody reads
      // this answer, and the frames stay in the outbox for the next poll.
      LOG.debug("poll answered after its request ended: {}", gone.toString());
    }
  }

  private void send(Request request, Response response, Callback callback, Principal p, Fields q) {
    String sessionId = q.getValue("session");
    Optional<Session> session =
        sessionId == null ? Optional.empty() : switchboard.sessionOf(sessionId, p.user());
    if (session.isEmpty()) {
      Json.error(response, callback, 404, ErrorCode.NOT_FOUND, "no such session of yours");
      return;
    }
    long limit = config.maxMessageBytes();
    if (request.getLength() > limit) {
      // Read a moderately oversized body before answering: closing on unread bytes would reset
      // the connection and the client would never see the 413. A huge one is not worth reading.
      if (request.getLength() <= 16L * limit) {
        try {
          Content.Source.consumeAll(request);
        } catch (IOException e) {
          // the client went away; answer anyway
        }
      } else {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      Json.error(response, callback, 413, ErrorCode.TOO_LARGE, "body over " + limit + " bytes");
      return;
    }
    String body;
    try {
      body = Json.body(request, (int) limit);
    } catch (Json.BodyException e) {
      if (e.tooLarge()) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close"); // the rest stays unread
        Json.error(response, callback, 413, ErrorCode.TOO_LARGE, e.getMessage());
      } else {
        Json.error(response, callback, 400, ErrorCode.BAD_REQUEST, e.getMessage());
      }
      return;
    }
    JsonArray errors = new JsonArray();
    JsonElement parsed;
    try {
      parsed = Codec.parseStrict(body);
    } catch (dev.duet.protocol.ProtocolException e) {
      parsed = null;
    }
    if (parsed != null && parsed.isJsonArray()) {
      for (JsonElement e : parsed.getAsJsonArray()) {
        if (nestedDeeperThan(e, MAX_NESTING)) {
          // No message nests this deep; re-serialising it to decode it would recurse per level.
          errors.add(
              encode(
                  ServerMessage.Error.of(
                      ErrorCode.BAD_REQUEST, "message nested deeper than " + MAX_NESTING, null)));
          continue;
        }
        switchboard
            .handleText(session.get(), e.toString())
            .ifPresent(err -> errors.add(encode(err)));
      }
    } else {
      // One message (or something malformed: the codec names the problem as on WebSocket).
      switchboard.handleText(session.get(), body).ifPresent(err -> errors.add(encode(err)));
    }
    JsonObject out = new JsonObject();
    out.add("errors", errors);
    Json.write(response, callback, 200, out);
  }

  /** Deeper than any protocol message (a candidate inside a message is 2 levels). */
  private static final int MAX_NESTING = 16;

  /** Whether {@code e} nests arrays/objects more than {@code max} levels (iterative: no stack). */
  static boolean nestedDeeperThan(JsonElement e, int max) {
    java.util.ArrayDeque<JsonElement> level = new java.util.ArrayDeque<>(List.of(e));
    for (int depth = 0; !level.isEmpty(); depth++) {
      if (depth > max) {
        return true;
      }
      java.util.ArrayDeque<JsonElement> next = new java.util.ArrayDeque<>();
      for (JsonElement x : level) {
        if (x.isJsonArray()) {
          x.getAsJsonArray().forEach(next::add);
        } else if (x.isJsonObject()) {
          next.addAll(x.getAsJsonObject().asMap().values());
        }
      }
      level = next;
    }
    return false;
  }

  private static JsonElement encode(ServerMessage.Error e) {
    return JsonParser.parseString(Codec.encode(0, e));
  }

  private static boolean methodNotAllowed(Response response, Callback callback) {
    Json.error(response, callback, 405, ErrorCode.BAD_REQUEST, "method not allowed");
    return true;
  }

  private void heartbeats() {
    for (java.util.Iterator<SseLink> it = streams.iterator(); it.hasNext(); ) {
      SseLink s = it.next();
      if (s.ended()) {
        it.remove();
      } else {
        s.heartbeat();
      }
    }
  }

  /** A poller that stops polling drops into grace, like a WebSocket that goes quiet. */
  private void idlePollers() {
    long idleLimit = config.heartbeat().multipliedBy(2).toNanos();
    for (java.util.Iterator<PollLink> it = pollers.iterator(); it.hasNext(); ) {
      PollLink l = it.next();
      Session s = l.session();
      boolean attached = s != null && s.link().filter(x -> x == l).isPresent();
      if (!attached || l.closed()) {
        it.remove();
        metrics.connectionClosed(l.transport());
        if (s != null) {
          switchboard.disconnected(s, l);
        }
      } else if (l.idleNanos() > idleLimit) {
        it.remove();
        metrics.connectionClosed(l.transport());
        switchboard.disconnected(s, l);
      }
    }
  }

  @Override
  public void close() {
    timers.shutdownNow(); // first: a link registered from now on closes itself (closeIfClosed)
    for (SseLink s : streams) {
      try {
        s.close(GOING_AWAY, "server shutting down");
      } catch (RuntimeException e) { // one link's failure must not keep the others open
        LOG.debug("closing a stream: {}", e.toString());
      }
    }
    for (PollLink p : pollers) {
      try {
        p.close(GOING_AWAY, "server shutting down");
      } catch (RuntimeException e) { // one link's failure must not keep the others open
        LOG.debug("closing a poller: {}", e.toString());
      }
    }
  }
}
