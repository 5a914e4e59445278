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

  /** Request bodies up to this size are read to their end before an answer that ignored them. */
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
   * Reads what is left of a small request body an answer did not need (a 405, a 401 before the
   * body, ...). Jetty closes a connection whose request body is left unread once the answer is
   * sent, and a client that reuses it sees no answer at all for its next request; a body read to
   * its end keeps the connection usable. A large or unsized one is not worth reading: the answer
   * says Connection: close instead.
   */
  private static void finishReading(Response response) {
    Request request = response.getRequest();
    long length = request.getLength();
    if (length == 0) {
      return;
    }
    if (length < 0 || length > MAX_UNREAD_BODY) {
      Content.Chunk chunk = request.read();
      if (chunk != null && chunk.isLast() && !chunk.hasRemaining()) {
        chunk.release();
        return; // already read to the end
      }
      if (chunk != null) {
        chunk.release();
      }
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      return;
    }
    try {
      Content.Source.consumeAll(request);
    } catch (java.io.IOException e) {
      // the client went away; the answer will not reach it either
    }
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
}
