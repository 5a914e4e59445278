package dev.duet.store;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * The append-only log of moderators' actions. Implementations are thread-safe. Every {@code limit}
 * must be at least 1; the next page of a listing is {@code before = last().entryId()}.
 */
public interface AuditLog {

  /** Appends an entry and returns it with its id ({@code at} to the millisecond). */
  AuditEntry append(
      String actor, String action, String targetType, String targetId, Instant at, String detail);

  /** All entries, newest first, entryId &lt; before (if present), at most limit. */
  List<AuditEntry> list(OptionalLong before, int limit);

  /**
   * The entries about one target, newest first, entryId &lt; before (if present), at most limit.
   */
  List<AuditEntry> forTarget(String targetType, String targetId, OptionalLong before, int limit);
}
