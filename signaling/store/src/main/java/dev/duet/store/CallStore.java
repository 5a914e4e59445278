package dev.duet.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Call records. Implementations are thread-safe. */
public interface CallStore {

  /**
   * Inserts or updates the record by callId: afterwards {@link #find} returns exactly this record
   * (instants to the millisecond), recording ids included. Concurrent saves of one callId do not
   * fail; the last one wins.
   */
  void save(CallRecord call);

  /**
   * Inserts or updates the call's own fields (parties, times, end reason, media path, recorded);
   * the recording ids already linked to it stay as they are, whatever {@code call} carries. This is
   * how the server records each change of a call, so a late change never unlinks a recording.
   */
  void saveState(CallRecord call);

  /**
   * Links {@code recordingId} to the call, after the ones already linked; linking it twice changes
   * nothing. Atomic: concurrent links and state saves of the call lose nothing. Returns false when
   * there is no such call.
   */
  boolean addRecording(String callId, String recordingId);

  Optional<CallRecord> find(String callId);

  /**
   * Calls where user is caller or callee in history order (newest createdAt first; ties: greater
   * callId first), only those after {@code after} in that order (if present), at most limit (at
   * least 1). The next page is {@code after = Cursor.of(last())}: no call is skipped or repeated,
   * also when several were created in the same millisecond.
   */
  List<CallRecord> history(String user, Optional<Cursor> after, int limit);

  /**
   * A position in history order: calls created before {@code createdAt}, or at the same millisecond
   * with a callId below {@code callId}, come after it. An empty callId means "created before
   * createdAt".
   */
  record Cursor(Instant createdAt, String callId) {
    public Cursor {
      java.util.Objects.requireNonNull(createdAt, "createdAt");
      java.util.Objects.requireNonNull(callId, "callId");
    }

    /** The position of {@code call}: the next page starts right after it. */
    public static Cursor of(CallRecord call) {
      return new Cursor(call.createdAt(), call.callId());
    }

    /** Every call created before {@code createdAt}. */
    public static Cursor before(Instant createdAt) {
      return new Cursor(createdAt, "");
    }
  }
}
