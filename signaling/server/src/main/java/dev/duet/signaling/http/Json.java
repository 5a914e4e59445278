package dev.duet.signaling.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.duet.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** JSON responses for the REST API. */
public final class Json {
  public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private Json() {}

  public static void write(Response response, Callback callback, int status, Object body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
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
