package dev.duet.media;

import java.util.Optional;
import org.kurento.client.MediaProfileSpecType;

/**
 * What a party's SDP offer says it will send: audio, video or both. A recording waits for every
 * kind its profile names (the WebM muxer writes nothing until each track has data), so a party that
 * sends one kind only must be recorded with the one-kind profile, or its file stays empty.
 */
final class SentKinds {
  private SentKinds() {}

  /**
   * The WebM profile for what {@code sdp} sends: an m-line with a non-zero port whose direction is
   * {@code sendrecv} (the default) or {@code sendonly}. Empty when it sends neither kind.
   */
  static Optional<MediaProfileSpecType> profile(String sdp) {
    boolean audio = false;
    boolean video = false;
    String kind = null;
    boolean sends = false;
    for (String line : sdp.split("\r?\n")) {
      if (line.startsWith("m=")) {
        if ("audio".equals(kind)) {
          audio |= sends;
        } else if ("video".equals(kind)) {
          video |= sends;
        }
        String[] f = line.substring(2).split(" ");
        kind = f[0];
        sends = f.length > 1 && !f[1].equals("0");
      } else if (kind != null && (line.equals("a=recvonly") || line.equals("a=inactive"))) {
        sends = false;
      }
    }
    if ("audio".equals(kind)) {
      audio |= sends;
    } else if ("video".equals(kind)) {
      video |= sends;
    }
    if (audio && video) {
      return Optional.of(MediaProfileSpecType.WEBM);
    }
    if (audio) {
      return Optional.of(MediaProfileSpecType.WEBM_AUDIO_ONLY);
    }
    return video ? Optional.of(MediaProfileSpecType.WEBM_VIDEO_ONLY) : Optional.empty();
  }
}
