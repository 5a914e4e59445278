package dev.duet.media.engine.rpc;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import java.util.Optional;

/**
 * One JSON-RPC 2.0 request as kurento-client sends it: {@code {"id":1,"method":"create",
 * "params":{...},"jsonrpc":"2.0"}}. A request without {@code id} is a notification.
 *
 * @param id the request id, echoed in the reply; empty for a notification
 * @param method the method name
 * @param params the parameters; an empty object when absent
 */
public record RpcRequest(Optional<JsonElement> id, String method, JsonObject params) {

  /**
   * Parses one text frame. Throws {@link EngineException} with {@link KmsError#PARSE_ERROR} or
   * {@link KmsError#INVALID_REQUEST}; {@link #idOf(String)} recovers the id for the error reply.
   */
  public static RpcRequest parse(String text) {
    JsonElement root;
    try {
      root = JsonParser.parseString(text);
    } catch (JsonSyntaxException | IllegalStateException e) {
      throw new EngineException(KmsError.PARSE_ERROR, "Parse error: " + e.getMessage());
    }
    if (!root.isJsonObject()) {
      throw new EngineException(KmsError.INVALID_REQUEST, "Invalid request: not a JSON object");
    }
    JsonObject o = root.getAsJsonObject();
    Optional<JsonElement> id = Optional.ofNullable(o.get("id")).filter(e -> !e.isJsonNull());
    if (id.isPresent()
        && !(id.get().isJsonPrimitive()
            && (id.get().getAsJsonPrimitive().isNumber()
                || id.get().getAsJsonPrimitive().isString()))) {
      throw new EngineException(KmsError.INVALID_REQUEST, "Invalid request: bad id");
    }
    JsonElement version = o.get("jsonrpc");
    if (version == null || !version.isJsonPrimitive() || !"2.0".equals(version.getAsString())) {
      throw new EngineException(KmsError.INVALID_REQUEST, "Invalid request: jsonrpc must be 2.0");
    }
    JsonElement method = o.get("method");
    if (method == null
        || !method.isJsonPrimitive()
        || !method.getAsJsonPrimitive().isString()
        || method.getAsString().isEmpty()) {
      throw new EngineException(KmsError.INVALID_REQUEST, "Invalid request: method missing");
    }
    JsonElement params = o.get("params");
    JsonObject p;
    if (params == null || params.isJsonNull()) {
      p = new JsonObject();
    } else if (params.isJsonObject()) {
      p = params.getAsJsonObject();
    } else {
      throw new EngineException(KmsError.INVALID_PARAMS, "Invalid params: must be an object");
    }
    return new RpcRequest(id, method.getAsString(), p);
  }

  /** The id of a frame that failed {@link #parse(String)}, if one can be read at all. */
  public static Optional<JsonElement> idOf(String text) {
    try {
      JsonElement root = JsonParser.parseString(text);
      if (root.isJsonObject()) {
        JsonElement id = root.getAsJsonObject().get("id");
        if (id instanceof JsonPrimitive) {
          return Optional.of(id);
        }
      }
    } catch (RuntimeException e) {
      // unreadable: no id
    }
    return Optional.empty();
  }

  /**
   * The pipeline this request works on: the {@code <pipelineId>} of its {@code object} (invoke,
   * release, subscribe, unsubscribe) or of its {@code constructorParams.mediaPipeline} (create of
   * an element). Empty for session-level requests (ping, connect, create of a pipeline) and for
   * unreadable parameters, which their handler answers with an error.
   */
  public Optional<String> pipelineId() {
    JsonElement ref =
        switch (method) {
          case "invoke", "release", "subscribe", "unsubscribe" -> params.get("object");
          case "create" ->
              params.get("constructorParams") instanceof JsonObject cp
                  ? cp.get("mediaPipeline")
                  : null;
          default -> null;
        };
    if (!(ref instanceof JsonPrimitive p) || !p.isString()) {
      return Optional.empty();
    }
    String id = p.getAsString();
    int slash = id.indexOf('/');
    return Optional.of(slash < 0 ? id : id.substring(0, slash));
  }

  /** The string parameter {@code name}, or empty. */
  public Optional<String> string(String name) {
    JsonElement e = params.get(name);
    if (e == null || e.isJsonNull()) {
      return Optional.empty();
    }
    if (!e.isJsonPrimitive()) {
      throw new EngineException(
          KmsError.INVALID_PARAMS, "Invalid params: '" + name + "' must be a string");
    }
    return Optional.of(e.getAsString());
  }

  /** The string parameter {@code name}; an {@link KmsError#INVALID_PARAMS} error when absent. */
  public String requiredString(String name) {
    return string(name)
        .orElseThrow(
            () ->
                new EngineException(
                    KmsError.INVALID_PARAMS, "Invalid params: '" + name + "' is required"));
  }

  /** The object parameter {@code name}, or an empty object. */
  public JsonObject object(String name) {
    JsonElement e = params.get(name);
    if (e == null || e.isJsonNull()) {
      return new JsonObject();
    }
    if (!e.isJsonObject()) {
      throw new EngineException(
          KmsError.INVALID_PARAMS, "Invalid params: '" + name + "' must be an object");
    }
    return e.getAsJsonObject();
  }
}
