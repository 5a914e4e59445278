package dev.duet.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which recordings to list, and which page. Start from {@link #all()} and narrow it:
 *
 * <pre>{@code
 * RecordingQuery.all().withParty("alice").withFlagged(true).page(0, 20)
 * }</pre>
 *
 * @param party only recordings of this user
 * @param startedFrom only recordings started at or after this instant
 * @param startedBefore only recordings started before this instant
 * @param status only recordings with this status
 * @param flagged only recordings whose flag is (true) or is not (false) raised
 * @param includeDeleted whether deleted recordings are listed too
 * @param offset how many matching recordings to skip (newest first)
 * @param limit the most recordings to return, at least 1
 */
public record RecordingQuery(
    Optional<String> party,
    Optional<Instant> startedFrom,
    Optional<Instant> startedBefore,
    Optional<RecordingStatus> status,
    Optional<Boolean> flagged,
    boolean includeDeleted,
    int offset,
    int limit) {

  /** The page size of {@link #all()}. */
  public static final int DEFAULT_LIMIT = 50;

  public RecordingQuery {
    Objects.requireNonNull(party, "party");
    Objects.requireNonNull(startedFrom, "startedFrom");
    Objects.requireNonNull(startedBefore, "startedBefore");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(flagged, "flagged");
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
  }

  /** Every recording not deleted, first page of {@value #DEFAULT_LIMIT}. */
  public static RecordingQuery all() {
    return new RecordingQuery(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        0,
        DEFAULT_LIMIT);
  }

  public RecordingQuery withParty(String user) {
    return new RecordingQuery(
        Optional.of(user),
        startedFrom,
        startedBefore,
        status,
        flagged,
        includeDeleted,
        offset,
        limit);
  }

  /** Only recordings started in [from, before). */
  public RecordingQuery withStartedBetween(Instant from, Instant before) {
    return new RecordingQuery(
        party,
        Optional.of(from),
        Optional.of(before),
        status,
        flagged,
        includeDeleted,
        offset,
        limit);
  }

  public RecordingQuery withStatus(RecordingStatus wanted) {
    return new RecordingQuery(
        party,
        startedFrom,
        startedBefore,
        Optional.of(wanted),
        flagged,
        includeDeleted,
        offset,
        limit);
  }

  public RecordingQuery withFlagged(boolean wanted) {
    return new RecordingQuery(
        party,
        startedFrom,
        startedBefore,
        status,
        Optional.of(wanted),
        includeDeleted,
        offset,
        limit);
  }

  public RecordingQuery withDeleted(boolean include) {
    return new RecordingQuery(
        party, startedFrom, startedBefore, status, flagged, include, offset, limit);
  }

  /** The page of at most {@code limit} recordings after skipping {@code offset}. */
  public RecordingQuery page(int offset, int limit) {
    return new RecordingQuery(
        party, startedFrom, startedBefore, status, flagged, includeDeleted, offset, limit);
  }
}
