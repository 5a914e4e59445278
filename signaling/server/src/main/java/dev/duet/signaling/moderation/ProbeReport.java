package dev.duet.signaling.moderation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a media check found in a recording file: from ffprobe, or the media engine's own report when
 * ffprobe is absent.
 *
 * @param duration the playable duration, when known
 * @param codecs the codecs of the file's streams, in stream order, e.g. {@code [vp8, opus]}
 * @param problem why the file is not playable, when it is not
 */
public record ProbeReport(
    Optional<Duration> duration, List<String> codecs, Optional<String> problem) {

  public ProbeReport {
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(problem, "problem");
    codecs = List.copyOf(codecs);
  }

  /** A playable file. */
  public static ProbeReport playable(Duration duration, List<String> codecs) {
    return new ProbeReport(Optional.of(duration), codecs, Optional.empty());
  }

  /** A file that cannot be played, and why. */
  public static ProbeReport unplayable(String problem) {
    return new ProbeReport(Optional.empty(), List.of(), Optional.of(problem));
  }
}
