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
   * The WebM profile for what {@code sdp} sends: an m-line that is not rejected (a non-zero port,
   * or port 0 with {@code a=bundle-only}, as Firefox offers under max-bundle) whose direction is
   * {@code sendrecv} or {@code sendonly} (its own attribute, else the session's, else sendrecv).
   * Empty when it sends neither kind.
   */
  static Optional<MediaProfileSpecType> profile(String sdp) {
    boolean audio = false;
    boolean video = false;
    boolean sessionSends = true;
    Section section = null;
    for (String raw : sdp.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("m=")) {
        if (section != null) {
          audio |= section.sends(sessionSends, "audio");
          video |= section.sends(sessionSends, "video");
        }
        String[] f = line.substring(2).split(" ");
        section = new Section(f[0], f.length > 1 && !f[1].equals("0"));
      } else if (line.equals("a=bundle-only") && section != null) {
        section.open = true;
      } else if (isDirection(line)) {
        boolean sends = line.equals("a=sendrecv") || line.equals("a=sendonly");
        if (section == null) {
          sessionSends = sends;
        } else {
          section.direction = sends;
        }
      }
    }
    if (section != null) {
      audio |= section.sends(sessionSends, "audio");
      video |= section.sends(sessionSends, "video");
    }
    if (audio && video) {
      return Optional.of(MediaProfileSpecType.WEBM);
    }
    if (audio) {
      return Optional.of(MediaProfileSpecType.WEBM_AUDIO_ONLY);
    }
    return video ? Optional.of(MediaProfileSpecType.WEBM_VIDEO_ONLY) : Optional.empty();
  }

  private static boolean isDirection(String line) {
    return line.equals("a=sendrecv")
        || line.equals("a=sendonly")
        || line.equals("a=recvonly")
        || line.equals("a=inactive");
  }

  /** One m-section: its kind, whether it is open, and its own direction if it has one. */
  private static final class Section {
    final String kind;
    boolean open;
    Boolean direction; // null: the session's

    Section(String kind, boolean open) {
      this.kind = kind;
      this.open = open;
    }

    boolean sends(boolean sessionSends, String wanted) {
      return kind.equals(wanted) && open && (direction == null ? sessionSends : direction);
    }
  }
}
