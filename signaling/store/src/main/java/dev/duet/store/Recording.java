package dev.duet.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A recording in the catalogue: one recorded file, usually of one party of a recorded call.
 *
 * @param recordingId the recording's id
 * @param callId the call it recorded
 * @param party the user whose media it holds
 * @param filePath the file, relative to the recordings folder; never absolute, never with {@code
 *     ..}, separated by {@code /}
 * @param startedAt when recording started
 * @param duration the playable duration (stored to the millisecond)
 * @param sizeBytes the file's size
 * @param codecs the codecs in the file, e.g. {@code [vp8, opus]}
 * @param status how the recording turned out
 * @param sha256 the file's SHA-256 as 64 lower-case hex digits, when there is a file
 * @param flagged whether a moderator's flag is raised on it
 * @param legalHold whether it is under legal hold (it must not be deleted)
 * @param deletedAt when it was deleted, if it was; the row stays for the record
 */
public record Recording(
    String recordingId,
    String callId,
    String party,
    String filePath,
    Instant startedAt,
    Duration duration,
    long sizeBytes,
    List<String> codecs,
    RecordingStatus status,
    Optional<String> sha256,
    boolean flagged,
    boolean legalHold,
    Optional<Instant> deletedAt) {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public Recording {
    Objects.requireNonNull(recordingId, "recordingId");
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(party, "party");
    Objects.requireNonNull(filePath, "filePath");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(deletedAt, "deletedAt");
    codecs = List.copyOf(codecs);
    requireRelative(filePath);
    if (duration.isNegative()) {
      throw new IllegalArgumentException("negative duration: " + duration);
    }
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("negative size: " + sizeBytes);
    }
    for (String codec : codecs) {
      if (codec.isEmpty() || codec.contains(",")) {
        throw new IllegalArgumentException("bad codec name: '" + codec + "'");
      }
    }
    if (sha256.isPresent() && !SHA256.matcher(sha256.get()).matches()) {
      throw new IllegalArgumentException("not a lower-case hex SHA-256: " + sha256.get());
    }
  }

  /** A newly finalised recording: not flagged, not on hold, not deleted. */
  public static Recording catalogued(
      String recordingId,
      String callId,
      String party,
      String filePath,
      Instant startedAt,
      Duration duration,
      long sizeBytes,
      List<String> codecs,
      RecordingStatus status,
      Optional<String> sha256) {
    return new Recording(
        recordingId,
        callId,
        party,
        filePath,
        startedAt,
        duration,
        sizeBytes,
        codecs,
        status,
        sha256,
        false,
        false,
        Optional.empty());
  }

  /** Whether the recording was deleted. */
  public boolean deleted() {
    return deletedAt.isPresent();
  }

  private static void requireRelative(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains(":")) {
      throw new IllegalArgumentException("not a relative path: " + path);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("not a plain relative path: " + path);
      }
    }
  }
}
