package dev.duet.media.engine.element;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import java.util.Optional;

/** Typed access to {@code constructorParams} / {@code operationParams}. */
public record Params(JsonObject json) {

  public static Params of(JsonObject json) {
    return new Params(json == null ? new JsonObject() : json);
  }

  public Optional<JsonElement> raw(String name) {
    return Optional.ofNullable(json.get(name)).filter(e -> !e.isJsonNull());
  }

  public Optional<String> string(String name) {
    return raw(name)
        .map(
            e -> {
              if (!e.isJsonPrimitive()) {
                throw illegal(name, "a string");
              }
              return e.getAsString();
            });
  }

  public String requiredString(String name) {
    return string(name).orElseThrow(() -> missing(name));
  }

  public Optional<Integer> integer(String name) {
    return raw(name)
        .map(
            e -> {
              try {
                return e.getAsJsonPrimitive().getAsNumber().intValue();
              } catch (RuntimeException ex) {
                throw illegal(name, "an integer");
              }
            });
  }

  public int requiredInteger(String name) {
    return integer(name).orElseThrow(() -> missing(name));
  }

  public boolean bool(String name, boolean fallback) {
    return raw(name)
        .map(
            e -> {
              if (!e.isJsonPrimitive()) {
                throw illegal(name, "a boolean");
              }
              return e.getAsBoolean();
            })
        .orElse(fallback);
  }

  public Optional<JsonObject> object(String name) {
    return raw(name)
        .map(
            e -> {
              if (!e.isJsonObject()) {
                throw illegal(name, "an object");
              }
              return e.getAsJsonObject();
            });
  }

  private static EngineException missing(String name) {
    return new EngineException(
        KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "Parameter '" + name + "' is required");
  }

  private static EngineException illegal(String name, String what) {
    return new EngineException(
        KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "Parameter '" + name + "' must be " + what);
  }
}
