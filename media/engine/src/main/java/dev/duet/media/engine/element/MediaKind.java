package dev.duet.media.engine.element;

import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import java.util.List;
import java.util.Optional;

/** Kurento's MediaType restricted to what the engine forwards. */
public enum MediaKind {
  AUDIO,
  VIDEO;

  /** The kinds a {@code mediaType} parameter selects: one, or both when absent. */
  public static List<MediaKind> selected(Optional<String> mediaType) {
    if (mediaType.isEmpty()) {
      return List.of(AUDIO, VIDEO);
    }
    return switch (mediaType.get()) {
      case "AUDIO" -> List.of(AUDIO);
      case "VIDEO" -> List.of(VIDEO);
      case "DATA" -> List.of();
      default ->
          throw new EngineException(
              KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "Unknown mediaType " + mediaType.get());
    };
  }

  public String sdpName() {
    return this == AUDIO ? "audio" : "video";
  }
}
