package dev.duet.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A moderator's flag on a recording.
 *
 * @param flagId the flag's id, growing in the order flags were raised
 * @param recordingId the flagged recording
 * @param moderator the moderator's user id
 * @param reason a short reason (a code or a few words)
 * @param note the moderator's note, possibly empty
 * @param at when the flag was raised
 */
public record RecordingFlag(
    long flagId, String recordingId, String moderator, String reason, String note, Instant at) {

  public RecordingFlag {
    Objects.requireNonNull(recordingId, "recordingId");
    Objects.requireNonNull(moderator, "moderator");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(at, "at");
  }
}
