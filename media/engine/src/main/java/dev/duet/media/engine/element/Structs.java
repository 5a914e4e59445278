package dev.duet.media.engine.element;

import com.google.gson.JsonObject;

/** Kurento complex values: JSON objects tagged with {@code __module__} and {@code __type__}. */
public final class Structs {
  private Structs() {}

  public static JsonObject of(String type) {
    JsonObject o = new JsonObject();
    o.addProperty("__module__", "kurento");
    o.addProperty("__type__", type);
    return o;
  }
}
