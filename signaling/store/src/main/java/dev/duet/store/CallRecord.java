package dev.duet.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What is kept of a call: its parties, its times, how it ended, the media path and its recordings.
 *
 * @param callId the client-made call id
 * @param caller the inviting user
 * @param callee the invited user
 * @param createdAt when the invite arrived
 * @param answeredAt when the callee accepted, if they did
 * @param endedAt when the call ended, if it has
 * @param endReason the protocol end reason ({@code hangup}, {@code busy}, ...), once ended
 * @param mediaPath the media path in use or last used: {@code p2p} or {@code relay}
 * @param pathSwitchedAt when the call switched to the media relay, if it did
 * @param recorded whether the call records
 * @param recordingIds the ids of the call's recordings in the recordings catalogue, in order
 */
public record CallRecord(
    String callId,
    String caller,
    String callee,
    Instant createdAt,
    Optional<Instant> answeredAt,
    Optional<Instant> endedAt,
    Optional<String> endReason,
    String mediaPath,
    Optional<Instant> pathSwitchedAt,
    boolean recorded,
    List<String> recordingIds) {

  /** The media path of a call that has not left peer to peer. */
  public static final String P2P = "p2p";

  /** The media path through the media relay. */
  public static final String RELAY = "relay";

  public CallRecord {
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(callee, "callee");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(answeredAt, "answeredAt");
    Objects.requireNonNull(endedAt, "endedAt");
    Objects.requireNonNull(endReason, "endReason");
    Objects.requireNonNull(mediaPath, "mediaPath");
    Objects.requireNonNull(pathSwitchedAt, "pathSwitchedAt");
    recordingIds = List.copyOf(recordingIds);
  }

  /** A call just invited: not answered, not ended, peer to peer, no recordings yet. */
  public static CallRecord invited(
      String callId, String caller, String callee, Instant createdAt, boolean recorded) {
    return new CallRecord(
        callId,
        caller,
        callee,
        createdAt,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        P2P,
        Optional.empty(),
        recorded,
        List.of());
  }

  /** Duration from answer to end, zero when never answered (or not yet ended). */
  public Duration duration() {
    if (answeredAt.isEmpty() || endedAt.isEmpty()) {
      return Duration.ZERO;
    }
    Duration duration = Duration.between(answeredAt.get(), endedAt.get());
    return duration.isNegative() ? Duration.ZERO : duration;
  }

  /** Whether the call has ended. */
  public boolean ended() {
    return endedAt.isPresent();
  }

  /** This record, answered at {@code at}. */
  public CallRecord withAnswered(Instant at) {
    return new CallRecord(
        callId,
        caller,
        callee,
        createdAt,
        Optional.of(at),
        endedAt,
        endReason,
        mediaPath,
        pathSwitchedAt,
        recorded,
        recordingIds);
  }

  /** This record, ended at {@code at} for {@code reason}. */
  public CallRecord withEnded(Instant at, String reason) {
    return new CallRecord(
        callId,
        caller,
        callee,
        createdAt,
        answeredAt,
        Optional.of(at),
        Optional.of(reason),
        mediaPath,
        pathSwitchedAt,
        recorded,
        recordingIds);
  }

  /** This record, switched to {@code path} at {@code at}. */
  public CallRecord withMediaPath(String path, Instant at) {
    return new CallRecord(
        callId,
        caller,
        callee,
        createdAt,
        answeredAt,
        endedAt,
        endReason,
        path,
        Optional.of(at),
        recorded,
        recordingIds);
  }

  /** This record with one more recording id (appended last). */
  public CallRecord withRecording(String recordingId) {
    List<String> ids = new ArrayList<>(recordingIds);
    ids.add(Objects.requireNonNull(recordingId, "recordingId"));
    return new CallRecord(
        callId,
        caller,
        callee,
        createdAt,
        answeredAt,
        endedAt,
        endReason,
        mediaPath,
        pathSwitchedAt,
        recorded,
        ids);
  }
}
