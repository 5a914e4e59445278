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

  Optional<CallRecord> find(String callId);

  /**
   * Calls where user is caller or callee, newest createdAt first (ties: greater callId first),
   * createdAt &lt; before (if present), at most limit (at least 1). The next page is {@code before
   * = last().createdAt()}; calls created in the same millisecond as that one can fall between
   * pages.
   */
  List<CallRecord> history(String user, Optional<Instant> before, int limit);
}
