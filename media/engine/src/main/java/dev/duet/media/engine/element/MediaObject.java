package dev.duet.media.engine.element;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A Kurento media object: an id of KMS's shape, a name, tags, and the operations every object
 * answers. Subclasses add their own operations in {@link #invokeOwn}.
 */
public abstract class MediaObject {
  private final String id;
  private final String type;
  private final EventSink events;
  private final long creationTime = System.currentTimeMillis() / 1000;
  private final Map<String, String> tags = new LinkedHashMap<>();
  private volatile String name;
  private volatile boolean sendTagsInEvents;

  protected MediaObject(Optional<MediaObject> parent, String type, EventSink events) {
    this.type = type;
    this.id = parent.map(p -> p.id() + "/").orElse("") + UUID.randomUUID() + "_kurento." + type;
    this.name = id;
    this.events = events;
  }

  public final String id() {
    return id;
  }

  /** The Kurento type name, e.g. {@code WebRtcEndpoint}. */
  public final String type() {
    return type;
  }

  /** The pipeline this object belongs to; a pipeline answers itself. */
  public abstract MediaPipelineObject pipeline();

  /** The Kurento class hierarchy above {@link #type()}, nearest first (for {@code describe}). */
  public abstract List<String> hierarchy();

  /** Frees every native resource. Called once, by the registry, children before parents. */
  public abstract void release();

  /** Runs one {@code invoke} operation and returns its {@code value}. */
  public final JsonElement invoke(String operation, Params params) {
    Optional<JsonElement> own = invokeOwn(operation, params);
    if (own.isPresent()) {
      return own.get();
    }
    return switch (operation) {
      case "getName" -> new JsonPrimitive(name);
      case "setName" -> {
        name = params.requiredString("name");
        yield JsonNull.INSTANCE;
      }
      case "getId" -> new JsonPrimitive(id);
      case "getMediaPipeline" -> new JsonPrimitive(pipeline().id());
      case "getParent" -> parentId().<JsonElement>map(JsonPrimitive::new).orElse(JsonNull.INSTANCE);
      case "getChildren" -> {
        JsonArray a = new JsonArray();
        childIds().forEach(a::add);
        yield a;
      }
      case "getCreationTime" -> new JsonPrimitive(creationTime);
      case "getSendTagsInEvents" -> new JsonPrimitive(sendTagsInEvents);
      case "setSendTagsInEvents" -> {
        sendTagsInEvents = params.bool("sendTagsInEvents", false);
        yield JsonNull.INSTANCE;
      }
      case "addTag" -> {
        synchronized (tags) {
          tags.put(params.requiredString("key"), params.requiredString("value"));
        }
        yield JsonNull.INSTANCE;
      }
      case "removeTag" -> {
        synchronized (tags) {
          tags.remove(params.requiredString("key"));
        }
        yield JsonNull.INSTANCE;
      }
      case "getTag" -> {
        String key = params.requiredString("key");
        String value;
        synchronized (tags) {
          value = tags.get(key);
        }
        if (value == null) {
          throw new EngineException(
              KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "Tag '" + key + "' not found");
        }
        yield new JsonPrimitive(value);
      }
      case "getTags" -> tagArray();
      default ->
          throw new EngineException(
              KmsError.MEDIA_OBJECT_METHOD_NOT_FOUND,
              "Method '"
                  + operation
                  + "' with "
                  + params.json().size()
                  + " parameters not found on "
                  + type);
    };
  }

  /** This type's own operations; empty when {@code operation} is not one of them. */
  protected abstract Optional<JsonElement> invokeOwn(String operation, Params params);

  protected Optional<String> parentId() {
    return Optional.of(pipeline().id());
  }

  protected List<String> childIds() {
    return List.of();
  }

  private JsonArray tagArray() {
    JsonArray a = new JsonArray();
    synchronized (tags) {
      tags.forEach(
          (k, v) -> {
            JsonObject t = Structs.of("Tag");
            t.addProperty("key", k);
            t.addProperty("value", v);
            a.add(t);
          });
    }
    return a;
  }

  /**
   * Raises an event with KMS's common fields: {@code source}, {@code type}, {@code tags} and {@code
   * timestampMillis} (a JSON string, as kurento-client requires).
   */
  protected final void raise(String eventType, JsonObject extra) {
    JsonObject data = new JsonObject();
    extra.entrySet().forEach(e -> data.add(e.getKey(), e.getValue()));
    data.addProperty("source", id);
    data.add("tags", sendTagsInEvents ? tagArray() : new JsonArray());
    data.addProperty("timestampMillis", Long.toString(System.currentTimeMillis()));
    data.addProperty("type", eventType);
    events.raise(this, eventType, data);
  }

  /** Raises KMS's {@code Error} event; its {@code data.type} is the error kind. */
  protected final void raiseError(String description, int errorCode, String errorType) {
    JsonObject data = new JsonObject();
    data.addProperty("description", description);
    data.addProperty("errorCode", errorCode);
    data.addProperty("source", id);
    data.add("tags", new JsonArray());
    data.addProperty("timestampMillis", Long.toString(System.currentTimeMillis()));
    data.addProperty("type", errorType);
    events.raise(this, "Error", data);
  }
}
