package dev.duet.signaling.moderation;

import dev.duet.store.RecordingStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of checking a finished recording file.
 *
 * @param status ok, partial (playable but cut short), or failed
 * @param duration the playable duration (zero when unknown)
 * @param sizeBytes the file's size (zero when missing)
 * @param codecs the codecs found
 * @param sha256 the file's SHA-256, when there is a file
 * @param reason why it failed, or a note (e.g. not probed); empty when all is well
 */
public record RecordingCheck(
    RecordingStatus status,
    Duration duration,
    long sizeBytes,
    List<String> codecs,
    Optional<String> sha256,
    Optional<String> reason) {

  public RecordingCheck {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(reason, "reason");
    codecs = List.copyOf(codecs);
  }

  static RecordingCheck failed(long size, Optional<String> sha256, String reason) {
    return new RecordingCheck(
        RecordingStatus.FAILED, Duration.ZERO, size, List.of(), sha256, Optional.of(reason));
  }
}
