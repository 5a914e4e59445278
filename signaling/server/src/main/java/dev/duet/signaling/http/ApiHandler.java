package dev.duet.signaling.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.duet.protocol.ErrorCode;
import dev.duet.signaling.Config;
import dev.duet.signaling.Switchboard;
import dev.duet.signaling.auth.AuthException;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.auth.Tickets;
import dev.duet.signaling.auth.TokenIssuer;
import dev.duet.signaling.turn.TurnCredentials;
import dev.duet.store.CallRecord;
import dev.duet.store.CallStore;
import dev.duet.store.Database;
import dev.duet.store.StoredMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API: health, metrics, ICE servers, history, presence, and (demo mode only) development
 * tokens. Errors are JSON {@code {"error":{"code","message"}}}; no stack trace reaches a client.
 */
public final class ApiHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** A request from a page whose Origin is not allowed. */
  private static final class OriginRefused extends RuntimeException {
    OriginRefused() {
      super("origin not allowed", null, false, false);
    }
  }

  private static final int MAX_BODY = 16 * 1024;

  private final Authenticator auth;
  private final Switchboard switchboard;
  private final TurnCredentials turn;
  private final Database db;
  private final Optional<TokenIssuer> devTokens;

  public ApiHandler(
      Config config,
      Authenticator auth,
      Switchboard switchboard,
      TurnCredentials turn,
      Database db,
      Optional<TokenIssuer> devTokens) {
    this.auth = auth;
    this.switchboard = switchboard;
    this.turn = turn;
    this.db = db;
    this.devTokens = devTokens;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    try {
      return route(path, request, response, callback);
    } catch (OriginRefused e) {
      // A page of another site: no token would help (as on /ws, /sse and /poll).
      Json.error(response, callback, 403, ErrorCode.FORBIDDEN, "origin not allowed");
      return true;
    } catch (AuthException e) {
      response.getHeaders().put("WWW-Authenticate", "Bearer");
      Json.error(response, callback, 401, ErrorCode.UNAUTHORIZED, e.getMessage());
      return true;
    } catch (BadRequest e) {
      Json.error(response, callback, 400, ErrorCode.BAD_REQUEST, e.getMessage());
      return true;
    } catch (RuntimeException e) {
      if (e instanceof org.eclipse.jetty.http.HttpException h && h.getCode() < 500) {
        // Jetty refusing the request itself, e.g. a malformed query string (?x=%zz)
        Json.error(
            response,
            callback,
            h.getCode(),
            JsonErrorHandler.codeOf(h.getCode()),
            "malformed request (" + h.getReason() + ")");
        return true;
      }
      LOG.error("request {} failed", path, e);
      Json.error(response, callback, 500, ErrorCode.INTERNAL, "internal error");
      return true;
    }
  }

  private boolean route(String path, Request req, Response resp, Callback cb) {
    String method = req.getMethod();
    switch (path) {
      case "/healthz" -> {
        boolean dbOk = db.healthy();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", dbOk ? "ok" : "degraded");
        body.put("database", dbOk ? "ok" : "down");
        Json.write(resp, cb, dbOk ? 200 : 503, body);
        return true;
      }
      case "/metrics" -> {
        resp.setStatus(200);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        Content.Sink.write(resp, true, switchboard.renderMetrics(), cb);
        return true;
      }
      case "/api/dev/token" -> {
        if (devTokens.isEmpty()) {
          return false; // not in demo mode: the path does not exist
        }
        if (!HttpMethod.POST.is(method)) {
          return methodNotAllowed(resp, cb);
        }
        devToken(req, resp, cb);
        return true;
      }
      case "/api/connect-ticket" -> {
        if (!HttpMethod.POST.is(method)) {
          return methodNotAllowed(resp, cb);
        }
        if (!auth.originAllowed(req)) {
          throw new OriginRefused();
        }
        // Header only: the point is that the token stays out of URLs.
        Tickets.Issued t = auth.connectTicket(auth.authenticateHeader(req));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ticket", t.ticket());
        body.put("expiresAt", t.expiresAt().toEpochMilli());
        Json.write(resp, cb, 201, body);
        return true;
      }
      case "/api/ice-servers" -> {
        Principal p = authenticated(req);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("iceServers", turn.iceServers(p.user()));
        body.put("ttlSeconds", turn.ttl().toSeconds());
        Json.write(resp, cb, 200, body);
        return true;
      }
      case "/api/messages" -> {
        Principal p = authenticated(req);
        messages(p, Request.extractQueryParameters(req), resp, cb);
        return true;
      }
      case "/api/calls" -> {
        Principal p = authenticated(req);
        calls(p, Request.extractQueryParameters(req), resp, cb);
        return true;
      }
      case "/api/presence" -> {
        authenticated(req);
        String users = Request.extractQueryParameters(req).getValue("users");
        List<String> list =
            users == null
                ? List.of()
                : Arrays.stream(users.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .toList();
        if (list.size() > 100) {
          throw new BadRequest("at most 100 users");
        }
        Json.write(resp, cb, 200, Map.of("presence", switchboard.presence(list)));
        return true;
      }
      default -> {
        if (path.startsWith("/api/")) {
          Json.error(resp, cb, 404, ErrorCode.NOT_FOUND, "no such endpoint");
          return true;
        }
        return false;
      }
    }
  }

  private Principal authenticated(Request req) {
    if (!auth.originAllowed(req)) {
      throw new OriginRefused();
    }
    return auth.authenticate(req);
  }

  private void devToken(Request req, Response resp, Callback cb) {
    JsonObject body = jsonBody(req);
    JsonElement user = body.get("user");
    if (user == null || !user.isJsonPrimitive() || !USER.matcher(user.getAsString()).matches()) {
      throw new BadRequest("'user' must be 1-64 of [A-Za-z0-9._@-]");
    }
    List<String> roles = new ArrayList<>();
    JsonElement r = body.get("roles");
    if (r != null && r.isJsonArray()) {
      for (JsonElement e : (JsonArray) r) {
        if (e.isJsonPrimitive()) {
          roles.add(e.getAsString());
        }
      }
    }
    String token = devTokens.orElseThrow().issue(user.getAsString(), roles, Duration.ofHours(12));
    Json.write(resp, cb, 200, Map.of("token", token));
  }

  private void messages(Principal p, Fields q, Response resp, Callback cb) {
    String with = q.getValue("with");
    if (!dev.duet.protocol.UserIds.plausible(with)) {
      throw new BadRequest("'with' must name a user (1-128 characters of text)");
    }
    String beforeValue = Query.value(q, "before");
    OptionalLong before =
        beforeValue == null ? OptionalLong.empty() : OptionalLong.of(parse(beforeValue, "before"));
    int limit = limit(q);
    List<Map<String, Object>> out = new ArrayList<>();
    for (StoredMessage m : db.messages().conversation(p.user(), with, before, limit)) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("msgId", m.msgId());
      o.put("from", m.from());
      o.put("to", m.to());
      o.put("text", m.text());
      o.put("ts", m.ts().toEpochMilli());
      m.deliveredAt().ifPresent(t -> o.put("deliveredAt", t.toEpochMilli()));
      m.readAt().ifPresent(t -> o.put("readAt", t.toEpochMilli()));
      out.add(o);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("messages", out);
    if (out.size() == limit) {
      body.put("nextBefore", out.get(out.size() - 1).get("msgId"));
    }
    Json.write(resp, cb, 200, body);
  }

  private void calls(Principal p, Fields q, Response resp, Callback cb) {
    // before (epoch ms) alone: calls created before it; with beforeCallId (from nextBeforeCallId):
    // strictly after that call in history order, so same-millisecond calls are never skipped.
    String beforeCallId = Query.value(q, "beforeCallId");
    String beforeValue = Query.value(q, "before");
    if (beforeCallId != null && beforeValue == null) {
      throw new BadRequest("beforeCallId needs before");
    }
    Optional<CallStore.Cursor> before =
        beforeValue == null
            ? Optional.empty()
            : Optional.of(
                new CallStore.Cursor(
                    Instant.ofEpochMilli(parse(beforeValue, "before")),
                    beforeCallId == null ? "" : beforeCallId));
    int limit = limit(q);
    List<Map<String, Object>> out = new ArrayList<>();
    for (CallRecord c : db.calls().history(p.user(), before, limit)) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("callId", c.callId());
      o.put("caller", c.caller());
      o.put("callee", c.callee());
      o.put("createdAt", c.createdAt().toEpochMilli());
      c.answeredAt().ifPresent(t -> o.put("answeredAt", t.toEpochMilli()));
      c.endedAt().ifPresent(t -> o.put("endedAt", t.toEpochMilli()));
      c.endReason().ifPresent(r -> o.put("endReason", r));
      o.put("durationMs", c.duration().toMillis());
      o.put("mediaPath", c.mediaPath());
      o.put("recorded", c.recorded());
      out.add(o);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("calls", out);
    if (out.size() == limit) {
      body.put("nextBefore", out.get(out.size() - 1).get("createdAt"));
      body.put("nextBeforeCallId", out.get(out.size() - 1).get("callId"));
    }
    Json.write(resp, cb, 200, body);
  }

  private static int limit(Fields q) {
    String l = Query.value(q, "limit");
    if (l == null) {
      return 50;
    }
    long n = parse(l, "limit");
    if (n < 1 || n > 200) {
      throw new BadRequest("'limit' must be 1-200");
    }
    return (int) n;
  }

  private static long parse(String v, String name) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new BadRequest("'" + name + "' must be a number");
    }
  }

  private static JsonObject jsonBody(Request req) {
    try {
      return Json.object(Json.body(req, MAX_BODY));
    } catch (Json.BodyException e) {
      throw new BadRequest(e.tooLarge() ? "body too large" : e.getMessage());
    }
  }

  private static boolean methodNotAllowed(Response resp, Callback cb) {
    Json.error(resp, cb, 405, ErrorCode.BAD_REQUEST, "method not allowed");
    return true;
  }

  /** A client mistake in a REST request: HTTP 400. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }
}
