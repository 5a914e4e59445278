package dev.duet.media.engine.element;

import com.google.gson.JsonObject;

/**
 * Where media objects raise events. Implementations must not block: they are called from GStreamer
 * streaming threads and from each pipeline's graph thread.
 */
public interface EventSink {
  /**
   * @param source the raising object
   * @param type the event type as kurento-client subscribes to it, e.g. {@code IceCandidateFound}
   * @param data the complete {@code data} member, with {@code source}, {@code type}, {@code tags},
   *     {@code timestampMillis}
   */
  void raise(MediaObject source, String type, JsonObject data);
}
