package dev.duet.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The recordings catalogue, for the media relay (which adds finalised recordings) and the
 * moderators' console (which lists, flags, holds and deletes them). Implementations are
 * thread-safe.
 */
public interface RecordingStore {

  /**
   * Inserts the recording, or updates what the recorder knows of it (callId, party, filePath,
   * startedAt, duration, size, codecs, status, sha256). On update the moderation state (flagged,
   * legalHold, deletedAt) is kept as stored: only the methods below change it.
   */
  void save(Recording recording);

  Optional<Recording> find(String recordingId);

  /** The recordings of a call, oldest started first. */
  List<Recording> forCall(String callId);

  /**
   * The recordings that match the query, newest started first (ties: greater recordingId first),
   * the page the query asks for.
   */
  List<Recording> list(RecordingQuery query);

  /** How many recordings match the query, paging ignored. */
  long count(RecordingQuery query);

  /**
   * Raises a flag on the recording: records who, why and when, and marks it flagged.
   *
   * @return the flag, or empty when there is no such recording
   */
  Optional<RecordingFlag> flag(
      String recordingId, String moderator, String reason, String note, Instant at);

  /** The flags ever raised on the recording, oldest first (clearing keeps them). */
  List<RecordingFlag> flags(String recordingId);

  /** Lowers the recording's flag; true when it was raised. */
  boolean clearFlag(String recordingId);

  /** Places or lifts legal hold; true when this changed it. */
  boolean setLegalHold(String recordingId, boolean hold);

  /**
   * Marks the recording deleted at {@code at}; true when this changed it. A recording under legal
   * hold is never marked deleted (false). The caller deletes the file after a true answer.
   */
  boolean markDeleted(String recordingId, Instant at);
}
