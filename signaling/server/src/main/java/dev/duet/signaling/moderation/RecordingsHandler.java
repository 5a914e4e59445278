package dev.duet.signaling.moderation;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.duet.protocol.ErrorCode;
import dev.duet.signaling.auth.AuthException;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.auth.Tickets;
import dev.duet.signaling.http.Authenticator;
import dev.duet.signaling.http.Json;
import dev.duet.signaling.http.Query;
import dev.duet.signaling.moderation.ModerationException.Kind;
import dev.duet.store.AuditEntry;
import dev.duet.store.Recording;
import dev.duet.store.RecordingFlag;
import dev.duet.store.RecordingQuery;
import dev.duet.store.RecordingStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
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
 * The moderators' REST API (docs/moderation.md): {@code /api/recordings...} and {@code /api/audit}.
 * Only moderators (a {@code moderator} role in the token) get past the door: no token gives 401,
 * any other user 403. Media is served with range requests so a player can seek. Recording ids are
 * matched against a strict pattern before anything else, and files are reached only through {@link
 * RecordingFiles}, so no request reaches a file outside the recordings folder.
 *
 * <p>Place it before {@code ApiHandler} in the handler sequence (which answers 404 to every other
 * {@code /api/} path). It answers only its own paths and declines the rest.
 */
public final class RecordingsHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingsHandler.class);

  /** Recording ids: what {@link RecordingCatalog} makes (UUIDs), and nothing that can be a path. */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

  private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,128}");
  private static final String PREFIX = "/api/recordings";
  private static final String AUDIT = "/api/audit";
  private static final int MAX_BODY = 16 * 1024;
  private static final int MAX_LIMIT = 200;
  private static final int DEFAULT_LIMIT = 50;

  private final Authenticator auth;
  private final Moderation moderation;
  private final PlayTickets tickets;
  // (moderator, recording) -> when its play was last audited (System.nanoTime), so a player that
  // never asks for byte 0 is audited too, without one entry per range request.
  private final Map<String, Long> playAudited = new java.util.concurrent.ConcurrentHashMap<>();
  private static final long PLAY_AUDIT_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final int MAX_PLAY_AUDIT_ENTRIES = 10_000;

  public RecordingsHandler(Authenticator auth, Moderation moderation, PlayTickets tickets) {
    this.auth = auth;
    this.moderation = moderation;
    this.tickets = tickets;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    if (!path.equals(AUDIT) && !path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
      return false;
    }
    try {
      if (!auth.originAllowed(request)) {
        Json.error(response, callback, 403, ErrorCode.FORBIDDEN, "origin not allowed");
        return true;
      }
      String ticket = Request.extractQueryParameters(request).getValue("ticket");
      if (ticket != null) {
        // A <video> element's request: the ticket names the recording and the moderator.
        String id = mediaId(path);
        String moderator =
            tickets
                .moderatorFor(ticket, id)
                .orElseThrow(() -> new AuthException("invalid or expired play ticket"));
        route(path, moderator, request, response, callback);
        return true;
      }
      // Header only: a moderator's token in a URL would reach history and logs with all its rights.
      Principal who = auth.authenticateHeader(request);
      if (!who.isModerator()) {
        Json.error(response, callback, 403, ErrorCode.FORBIDDEN, "moderators only");
        return true;
      }
      route(path, who.user(), request, response, callback);
    } catch (AuthException e) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      Json.error(response, callback, 401, ErrorCode.UNAUTHORIZED, e.getMessage());
    } catch (ModerationException e) {
      switch (e.kind()) {
        case BAD_REQUEST ->
            Json.error(response, callback, 400, ErrorCode.BAD_REQUEST, e.getMessage());
        case NOT_FOUND -> Json.error(response, callback, 404, ErrorCode.NOT_FOUND, e.getMessage());
        case GONE -> Json.error(response, callback, 410, ErrorCode.NOT_FOUND, e.getMessage());
        case METHOD_NOT_ALLOWED ->
            Json.error(response, callback, 405, ErrorCode.BAD_REQUEST, e.getMessage());
        case CONFLICT ->
            Json.error(response, callback, 409, ErrorCode.INVALID_STATE, e.getMessage());
        case INTERNAL -> {
          LOG.error("request {} failed", path, e);
          Json.error(response, callback, 500, ErrorCode.INTERNAL, "internal error");
        }
      }
    } catch (RuntimeException e) {
      LOG.error("request {} failed", path, e);
      Json.error(response, callback, 500, ErrorCode.INTERNAL, "internal error");
    }
    return true;
  }

  /** The recording id of a media path; a ticket is good for nothing else. */
  private static String mediaId(String path) {
    String[] parts =
        path.startsWith(PREFIX + "/") ? path.substring(PREFIX.length() + 1).split("/", -1) : null;
    if (parts == null || parts.length != 2 || !parts[1].equals("media")) {
      throw new AuthException("a play ticket is only good for a recording's media");
    }
    return parts[0];
  }

  private void route(String path, String moderator, Request req, Response resp, Callback cb) {
    String method = req.getMethod();
    if (path.equals(AUDIT)) {
      requireMethod(method, HttpMethod.GET);
      audit(Request.extractQueryParameters(req), resp, cb);
      return;
    }
    if (path.equals(PREFIX)) {
      requireMethod(method, HttpMethod.GET);
      list(moderator, Request.extractQueryParameters(req), resp, cb);
      return;
    }
    String[] parts = path.substring(PREFIX.length() + 1).split("/", -1);
    String id = parts[0];
    if (!ID.matcher(id).matches()) {
      throw new ModerationException(Kind.BAD_REQUEST, "malformed recording id");
    }
    if (parts.length == 1) {
      if (HttpMethod.GET.is(method)) {
        Moderation.Details d = moderation.view(moderator, id);
        Json.write(resp, cb, 200, details(d));
      } else if (HttpMethod.DELETE.is(method)) {
        Json.write(resp, cb, 200, recording(moderation.delete(moderator, id)));
      } else {
        throw methodNotAllowed();
      }
      return;
    }
    if (parts.length != 2) {
      throw new ModerationException(Kind.NOT_FOUND, "no such endpoint");
    }
    switch (parts[1]) {
      case "media" -> {
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
          throw methodNotAllowed();
        }
        media(moderator, id, req, resp, cb);
      }
      case "ticket" -> {
        requireMethod(method, HttpMethod.POST);
        moderation.media(id); // 404 / 410 for a recording that cannot be played
        Tickets.Issued t = tickets.issue(moderator, id);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("media", PREFIX + "/" + id + "/media?ticket=" + t.ticket());
        body.put("expiresAt", t.expiresAt().toEpochMilli());
        Json.write(resp, cb, 201, body);
      }
      case "flags" -> {
        if (HttpMethod.POST.is(method)) {
          JsonObject body = jsonBody(req);
          String reason = string(body, "reason", 255).orElse("");
          if (reason.isBlank()) {
            throw new ModerationException(Kind.BAD_REQUEST, "'reason' is required (1-255 chars)");
          }
          String note = string(body, "note", 4000).orElse("");
          Json.write(resp, cb, 201, flag(moderation.flag(moderator, id, reason.strip(), note)));
        } else if (HttpMethod.DELETE.is(method)) {
          moderation.unflag(moderator, id);
          Json.write(resp, cb, 200, recording(moderation.view(moderator, id).recording()));
        } else {
          throw methodNotAllowed();
        }
      }
      case "hold" -> {
        boolean hold;
        if (HttpMethod.POST.is(method)) {
          hold = true;
        } else if (HttpMethod.DELETE.is(method)) {
          hold = false;
        } else {
          throw methodNotAllowed();
        }
        String note = req.getLength() != 0 ? string(jsonBody(req), "note", 1000).orElse("") : "";
        Json.write(resp, cb, 200, recording(moderation.hold(moderator, id, hold, note)));
      }
      default -> throw new ModerationException(Kind.NOT_FOUND, "no such endpoint");
    }
  }

  private void list(String moderator, Fields q, Response resp, Callback cb) {
    RecordingQuery query = RecordingQuery.all();
    List<String> described = new ArrayList<>();
    String user = Query.value(q, "user");
    if (user != null) {
      if (!USER.matcher(user).matches()) {
        throw new ModerationException(Kind.BAD_REQUEST, "'user' must name a user");
      }
      query = query.withParty(user);
      described.add("user=" + user);
    }
    Optional<Instant> from = instant(q, "from", false);
    Optional<Instant> to = instant(q, "to", true);
    if (from.isPresent() || to.isPresent()) {
      query =
          new RecordingQuery(
              query.party(),
              from,
              to,
              query.status(),
              query.flagged(),
              query.includeDeleted(),
              0,
              RecordingQuery.DEFAULT_LIMIT);
      from.ifPresent(f -> described.add("from=" + f));
      to.ifPresent(t -> described.add("to=" + t));
    }
    String status = Query.value(q, "status");
    if (status != null) {
      try {
        query = query.withStatus(RecordingStatus.fromWireName(status));
      } catch (IllegalArgumentException e) {
        throw new ModerationException(Kind.BAD_REQUEST, "'status' must be ok, partial or failed");
      }
      described.add("status=" + status);
    }
    Optional<Boolean> flagged = bool(q, "flagged");
    if (flagged.isPresent()) {
      query = query.withFlagged(flagged.get());
      described.add("flagged=" + flagged.get());
    }
    if (bool(q, "deleted").orElse(false)) {
      query = query.withDeleted(true);
      described.add("deleted=true");
    }
    int offset = (int) number(q, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = (int) number(q, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    query = query.page(offset, limit);
    described.add("offset=" + offset);
    described.add("limit=" + limit);

    Moderation.Page page = moderation.list(moderator, query, String.join(" ", described));
    List<Object> out = new ArrayList<>();
    page.recordings().forEach(r -> out.add(recording(r)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("recordings", out);
    body.put("total", page.total());
    body.put("offset", offset);
    body.put("limit", limit);
    if (offset + out.size() < page.total()) {
      body.put("nextOffset", offset + out.size());
    }
    Json.write(resp, cb, 200, body);
  }

  private void audit(Fields q, Response resp, Callback cb) {
    String recording = Query.value(q, "recording");
    if (recording != null && !ID.matcher(recording).matches()) {
      throw new ModerationException(Kind.BAD_REQUEST, "malformed recording id");
    }
    OptionalLong before =
        Query.value(q, "before") == null
            ? OptionalLong.empty()
            : OptionalLong.of(number(q, "before", 0, 1, Long.MAX_VALUE));
    int limit = (int) number(q, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    List<Object> out = new ArrayList<>();
    for (AuditEntry e : moderation.audit(Optional.ofNullable(recording), before, limit)) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("entryId", e.entryId());
      o.put("actor", e.actor());
      o.put("action", e.action());
      o.put("targetType", e.targetType());
      o.put("targetId", e.targetId());
      o.put("at", e.at().toEpochMilli());
      o.put("detail", e.detail());
      out.add(o);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("entries", out);
    if (out.size() == limit) {
      @SuppressWarnings("unchecked")
      Map<String, Object> last = (Map<String, Object>) out.get(out.size() - 1);
      body.put("nextBefore", last.get("entryId"));
    }
    Json.write(resp, cb, 200, body);
  }

  private void media(String moderator, String id, Request req, Response resp, Callback cb) {
    boolean head = HttpMethod.HEAD.is(req.getMethod());
    // Look the recording up first (no audit yet): the range decides whether this is a play.
    Moderation.Media probe = moderation.media(id);
    long size;
    try {
      size = Files.size(probe.file());
    } catch (IOException e) {
      throw new ModerationException(Kind.NOT_FOUND, "recording has no file");
    }
    String etag = probe.recording().sha256().map(s -> "\"" + s + "\"").orElse(null);
    Optional<String> rangeHeader = Optional.ofNullable(req.getHeaders().get(HttpHeader.RANGE));
    String ifRange = req.getHeaders().get(HttpHeader.IF_RANGE);
    if (ifRange != null && (etag == null || !etag.equals(ifRange.trim()))) {
      rangeHeader = Optional.empty(); // the representation changed (or cannot be told): send all
    }
    ByteRange.Ask ask = ByteRange.parse(rangeHeader, size);

    var h = resp.getHeaders();
    h.put(HttpHeader.ACCEPT_RANGES, "bytes");
    h.put(HttpHeader.CACHE_CONTROL, "private, no-store");
    h.put("X-Content-Type-Options", "nosniff");
    if (etag != null) {
      h.put(HttpHeader.ETAG, etag);
    }
    if (ask instanceof ByteRange.Unsatisfiable) {
      h.put(HttpHeader.CONTENT_RANGE, "bytes */" + size);
      Json.error(resp, cb, 416, ErrorCode.BAD_REQUEST, "range not satisfiable");
      return;
    }
    ByteRange range =
        ask instanceof ByteRange.Part part ? part.range() : new ByteRange(0, size - 1);
    if (!head && auditPlay(moderator, id, range.first() == 0)) {
      moderation.played(
          moderator,
          id,
          ask instanceof ByteRange.Part ? "bytes " + range.first() + "-" + range.last() : "");
    }
    h.put(HttpHeader.CONTENT_TYPE, "video/webm");
    h.put(HttpHeader.CONTENT_DISPOSITION, "inline; filename=\"" + id + ".webm\"");
    if (ask instanceof ByteRange.Part) {
      resp.setStatus(206);
      h.put(HttpHeader.CONTENT_RANGE, range.contentRange(size));
    } else {
      resp.setStatus(200);
    }
    long length = size == 0 ? 0 : range.length();
    h.put(HttpHeader.CONTENT_LENGTH, length);
    if (head || length == 0) {
      resp.write(true, null, cb);
      return;
    }
    Content.copy(Content.Source.from(probe.file(), range.first(), length), resp, cb);
  }

  private static Map<String, Object> details(Moderation.Details d) {
    Map<String, Object> o = recording(d.recording());
    List<Object> flags = new ArrayList<>();
    d.flags().forEach(f -> flags.add(flag(f)));
    o.put("flags", flags);
    List<Object> ofCall = new ArrayList<>();
    d.ofCall().forEach(r -> ofCall.add(recording(r)));
    o.put("callRecordings", ofCall);
    return o;
  }

  static Map<String, Object> recording(Recording r) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", r.recordingId());
    o.put("callId", r.callId());
    o.put("party", r.party());
    o.put("startedAt", r.startedAt().toEpochMilli());
    o.put("durationMs", r.duration().toMillis());
    o.put("sizeBytes", r.sizeBytes());
    o.put("codecs", r.codecs());
    o.put("status", r.status().wireName());
    r.sha256().ifPresent(s -> o.put("sha256", s));
    o.put("flagged", r.flagged());
    o.put("legalHold", r.legalHold());
    r.deletedAt().ifPresent(t -> o.put("deletedAt", t.toEpochMilli()));
    o.put("file", r.filePath());
    if (!r.deleted()) {
      o.put("media", PREFIX + "/" + r.recordingId() + "/media");
    }
    return o;
  }

  private static Map<String, Object> flag(RecordingFlag f) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("flagId", f.flagId());
    o.put("recordingId", f.recordingId());
    o.put("moderator", f.moderator());
    o.put("reason", f.reason());
    o.put("note", f.note());
    o.put("at", f.at().toEpochMilli());
    return o;
  }

  /**
   * {@code from} / {@code to}: an ISO-8601 instant ({@code 2025-03-01T10:00:00Z}), a date ({@code
   * 2025-03-01}, UTC; as {@code to} it includes the whole day) or epoch milliseconds.
   */
  private static Optional<Instant> instant(Fields q, String name, boolean endOfDay) {
    String v = Query.value(q, name);
    if (v == null) {
      return Optional.empty();
    }
    try {
      if (v.chars().allMatch(Character::isDigit) && v.length() > 8) {
        return Optional.of(Instant.ofEpochMilli(Long.parseLong(v)));
      }
      if (v.length() == 10) {
        LocalDate day = LocalDate.parse(v);
        return Optional.of(
            (endOfDay ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC));
      }
      return Optional.of(Instant.parse(v));
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new ModerationException(
          Kind.BAD_REQUEST, "'" + name + "' must be an ISO-8601 instant, a date or epoch ms");
    }
  }

  private static Optional<Boolean> bool(Fields q, String name) {
    String v = Query.value(q, name);
    if (v == null) {
      return Optional.empty();
    }
    return switch (v) {
      case "true" -> Optional.of(true);
      case "false" -> Optional.of(false);
      default ->
          throw new ModerationException(Kind.BAD_REQUEST, "'" + name + "' must be true or false");
    };
  }

  private static long number(Fields q, String name, long dflt, long min, long max) {
    String v = Query.value(q, name);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ModerationException(
          Kind.BAD_REQUEST, "'" + name + "' must be a number from " + min + " to " + max);
    }
  }

  private static Optional<String> string(JsonObject body, String field, int max) {
    JsonElement e = body.get(field);
    if (e == null || e.isJsonNull()) {
      return Optional.empty();
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new ModerationException(Kind.BAD_REQUEST, "'" + field + "' must be a string");
    }
    String s = e.getAsString();
    if (s.length() > max) {
      throw new ModerationException(
          Kind.BAD_REQUEST, "'" + field + "' must be at most " + max + " characters");
    }
    return Optional.of(s);
  }

  /**
   * Whether a GET of a recording's media is audited as a play: every one from byte 0 (a player
   * starting), and any other range when this moderator's play of it was not audited in the last ten
   * minutes (a client asking for {@code bytes=1-} gets the whole file but byte 0, which is always
   * the same).
   */
  private boolean auditPlay(String moderator, String recordingId, boolean fromStart) {
    long now = System.nanoTime();
    String key = moderator + "\n" + recordingId;
    Long last = playAudited.get(key);
    boolean audit = fromStart || last == null || now - last > PLAY_AUDIT_WINDOW_NANOS;
    if (audit) {
      if (playAudited.size() >= MAX_PLAY_AUDIT_ENTRIES) {
        playAudited.values().removeIf(t -> now - t > PLAY_AUDIT_WINDOW_NANOS);
        if (playAudited.size() >= MAX_PLAY_AUDIT_ENTRIES) {
          playAudited.clear(); // forgetting only means auditing a range play once more
        }
      }
      playAudited.put(key, now);
    }
    return audit;
  }

  private static JsonObject jsonBody(Request req) {
    try {
      String text = Json.body(req, MAX_BODY);
      return text.isBlank() ? new JsonObject() : Json.object(text);
    } catch (Json.BodyException e) {
      throw new ModerationException(
          Kind.BAD_REQUEST, e.tooLarge() ? "body too large" : e.getMessage());
    }
  }

  private static void requireMethod(String method, HttpMethod wanted) {
    if (!wanted.is(method)) {
      throw methodNotAllowed();
    }
  }

  private static ModerationException methodNotAllowed() {
    return new ModerationException(Kind.METHOD_NOT_ALLOWED, "method not allowed");
  }
}
