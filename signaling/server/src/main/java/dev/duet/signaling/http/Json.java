package dev.duet.signaling.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.duet.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** JSON responses for the REST API. */
public final class Json {
  public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private Json() {}

  /**
   * Request bodies up to this size are read (if already there) before an answer that ignored them.
   */
  private static final long MAX_UNREAD_BODY = 64 * 1024;

  public static void write(Response response, Callback callback, int status, Object body) {
    finishReading(response);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
  }

  /**
   * Reads, without waiting, what is left of a request body an answer did not need (a 405, a 401
   * before the body, ...). Jetty closes a connection whose request body is left unread once the
   * answer is sent, and a client that reuses it loses its next request; when the rest of the body
   * has not arrived yet (or is large, or the client waits for 100-continue) the answer says
   * Connection: close so no client reuses the connection. Never blocks: a client that trickles a
   * body cannot hold a server thread.
   */
  private static void finishReading(Response response) {
    Request request = response.getRequest();
    long length = request.getLength();
    if (length == 0) {
      return;
    }
    boolean expects100 = request.getHeaders().contains(HttpHeader.EXPECT, "100-continue");
    long budget = MAX_UNREAD_BODY;
    while (!expects100 && length <= MAX_UNREAD_BODY) { // reading would send 100 Continue
      Content.Chunk chunk = request.read();
      if (chunk == null || Content.Chunk.isFailure(chunk)) {
        break; // nothing more yet (or a broken read): the client must not reuse this connection
      }
      boolean last = chunk.isLast();
      budget -= chunk.remaining();
      chunk.release();
      if (last) {
        return; // read to the end: the connection stays usable
      }
      if (budget < 0) {
        break;
      }
    }
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
  }

  /** Why a request body could not be read: {@link #tooLarge()} or not UTF-8 / not readable. */
  public static final class BodyException extends Exception {
    private final boolean tooLarge;

    BodyException(boolean tooLarge, String message) {
      super(message, null, false, false);
      this.tooLarge = tooLarge;
    }

    public boolean tooLarge() {
      return tooLarge;
    }
  }

  /**
   * The request body as strict UTF-8, reading at most {@code limit} bytes whatever the request
   * declares (a chunked body has no length to check first): a longer one stops the read at the
   * limit. Malformed UTF-8 is refused, not replaced.
   */
  public static String body(Request request, int limit) throws BodyException {
    if (request.getLength() > limit) {
      throw new BodyException(true, "body over " + limit + " bytes");
    }
    byte[] bytes;
    try (java.io.InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes(limit + 1);
    } catch (java.io.IOException | RuntimeException e) {
      throw new BodyException(false, "could not read the body");
    }
    if (bytes.length > limit) {
      throw new BodyException(true, "body over " + limit + " bytes");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new BodyException(false, "the body is not UTF-8");
    }
  }

  /**
   * A request body (as {@link #body} reads it) as a JSON object, parsed as strictly as protocol
   * messages: no comments, unquoted names, single quotes or data after the value.
   */
  public static com.google.gson.JsonObject object(String body) throws BodyException {
    com.google.gson.JsonElement e;
    try {
      e = dev.duet.protocol.Codec.parseStrict(body);
    } catch (dev.duet.protocol.ProtocolException malformed) {
      throw new BodyException(false, "malformed JSON");
    }
    if (!e.isJsonObject()) {
      throw new BodyException(false, "body must be a JSON object");
    }
    return e.getAsJsonObject();
  }

  /** {@code {"error":{"code":..., "message":...}}} */
  public static void error(
      Response response, Callback callback, int status, ErrorCode code, String message) {
    JsonObject err = new JsonObject();
    err.addProperty("code", code.wire());
    err.addProperty("message", message);
    JsonObject body = new JsonObject();
    body.add("error", err);
    write(response, callback, status, body);
  }

  /** HTTP 503: the server is stopping; a client should reconnect after a short, jittered delay. */
  public static void unavailable(Response response, Callback callback) {
    response.getHeaders().put("Retry-After", "5");
    error(response, callback, 503, ErrorCode.INTERNAL, "server shutting down");
  }
}
