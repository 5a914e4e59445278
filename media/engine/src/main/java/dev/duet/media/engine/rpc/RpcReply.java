package dev.duet.media.engine.rpc;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.duet.media.engine.KmsError;
import java.util.Optional;

/**
 * Frames the engine sends: replies and {@code onEvent} notifications, shaped as KMS 7 shapes them.
 */
public final class RpcReply {
  private RpcReply() {}

  /** {@code {"jsonrpc":"2.0","id":N,"result":{...}}}. */
  public static JsonObject result(Optional<JsonElement> id, JsonObject result) {
    JsonObject o = new JsonObject();
    o.addProperty("jsonrpc", "2.0");
    o.add("id", id.orElse(JsonNull.INSTANCE));
    o.add("result", result);
    return o;
  }

  /**
   * {@code {"jsonrpc":"2.0","id":N,"error":{"code":C,"data":{"type":"T"},"message":"M"}}}; JSON-RPC
   * level errors (negative codes) carry no {@code data}.
   */
  public static JsonObject error(Optional<JsonElement> id, KmsError error, String message) {
    JsonObject e = new JsonObject();
    e.addProperty("code", error.code());
    if (error.hasType()) {
      JsonObject data = new JsonObject();
      data.addProperty("type", error.name());
      e.add("data", data);
    }
    e.addProperty("message", message);
    JsonObject o = new JsonObject();
    o.addProperty("jsonrpc", "2.0");
    o.add("id", id.orElse(JsonNull.INSTANCE));
    o.add("error", e);
    return o;
  }

  /**
   * {@code {"jsonrpc":"2.0","method":"onEvent","params":{"value":{"data":...,"object":...,
   * "type":...}}}}.
   */
  public static JsonObject event(String objectId, String type, JsonObject data) {
    JsonObject value = new JsonObject();
    value.add("data", data);
    value.addProperty("object", objectId);
    value.addProperty("type", type);
    JsonObject params = new JsonObject();
    params.add("value", value);
    JsonObject o = new JsonObject();
    o.addProperty("jsonrpc", "2.0");
    o.addProperty("method", "onEvent");
    o.add("params", params);
    return o;
  }
}
