package dev.duet.store;

import static dev.duet.store.Jdbc.params;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link CallStore} on the {@code calls} and {@code call_recordings} tables. */
public final class JdbcCallStore implements CallStore {
  private static final String COLUMNS =
      "call_id, caller, callee, created_ms, answered_ms, ended_ms, end_reason, media_path,"
          + " path_switched_ms, recorded";

  /**
   * Updates the row of this very call: same id, same parties, same creation time. A client picks
   * call ids; one reusing the id of another call (after a restart emptied the server's memory of
   * ended calls) must not rewrite that call's record nor inherit its recordings.
   */
  private static final String UPDATE =
      "UPDATE calls SET answered_ms = ?, ended_ms = ?, end_reason = ?, media_path = ?,"
          + " path_switched_ms = ?, recorded = ?"
          + " WHERE call_id = ? AND caller = ? AND callee = ? AND created_ms = ?";

  /** The same parameters as {@link #UPDATE}, in the same order. */
  private static final String INSERT =
      "INSERT INTO calls (answered_ms, ended_ms, end_reason, media_path, path_switched_ms,"
          + " recorded, call_id, caller, callee, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /** How often save retries after losing an insert race to a concurrent save of the same call. */
  private static final int SAVE_ATTEMPTS = 3;

  private final Jdbc jdbc;

  public JdbcCallStore(DataSource dataSource) {
    this.jdbc = new Jdbc(Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public void save(CallRecord call) {
    Objects.requireNonNull(call, "call");
    retrying(
        connection -> {
          saveRow(connection, call);
          Jdbc.update(
              connection, "DELETE FROM call_recordings WHERE call_id = ?", params(call.callId()));
          insertRecordingIds(connection, call);
          return null;
        },
        "save call " + call.callId());
  }

  @Override
  public void saveState(CallRecord call) {
    Objects.requireNonNull(call, "call");
    retrying(
        connection -> {
          saveRow(connection, call);
          return null;
        },
        "save state of call " + call.callId());
  }

  @Override
  public boolean addRecording(String callId, String recordingId) {
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(recordingId, "recordingId");
    return retrying(
        connection -> {
          // Lock the call's row first: links of one call are added one at a time.
          boolean exists =
              !Jdbc.list(
                      connection,
                      "SELECT call_id FROM calls WHERE call_id = ? FOR UPDATE",
                      params(callId),
                      row -> row.getString(1))
                  .isEmpty();
          if (!exists) {
            return false;
          }
          boolean linked =
              !Jdbc.list(
                      connection,
                      "SELECT seq_no FROM call_recordings WHERE call_id = ? AND recording_id = ?",
                      params(callId, recordingId),
                      row -> row.getInt(1))
                  .isEmpty();
          if (!linked) {
            Jdbc.update(
                connection,
                "INSERT INTO call_recordings (call_id, seq_no, recording_id)"
                    + " SELECT ?, COALESCE(MAX(seq_no) + 1, 0), ? FROM call_recordings"
                    + " WHERE call_id = ?",
                params(callId, recordingId, callId));
          }
          return true;
        },
        "link recording " + recordingId + " to call " + callId);
  }

  /**
   * Runs {@code work} in a transaction, again when it lost an insert race to a concurrent save of
   * the same call (both found no row, one insert lost) or the database broke a lock cycle.
   */
  private <T> T retrying(Jdbc.Work<T> work, String what) {
    for (int attempt = 1; ; attempt++) {
      try {
        return jdbc.inTransaction(work, what);
      } catch (StoreException e) {
        boolean retry = e.getCause() instanceof SQLException sql && Jdbc.isRetryable(sql);
        if (!retry || attempt == SAVE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  @Override
  public Optional<CallRecord> find(String callId) {
    Objects.requireNonNull(callId, "callId");
    return jdbc.withConnection(
        connection -> {
          List<CallRecord> rows =
              withRecordingIds(
                  connection,
                  Jdbc.list(
                      connection,
                      "SELECT " + COLUMNS + " FROM calls WHERE call_id = ?",
                      params(callId),
                      JdbcCallStore::call));
          return rows.isEmpty() ? Optional.<CallRecord>empty() : Optional.of(rows.get(0));
        },
        "find call " + callId);
  }

  @Override
  public List<CallRecord> history(String user, Optional<Cursor> after, int limit) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(after, "after");
    Jdbc.requirePositive(limit);
    long ms = after.map(c -> Jdbc.millis(c.createdAt())).orElse(Long.MAX_VALUE);
    String id = after.map(Cursor::callId).orElse("");
    // Keyset: strictly after the cursor in (created_ms DESC, call_id DESC) order.
    String afterCursor = " AND (created_ms < ? OR (created_ms = ? AND call_id < ?))";
    // One index range per role, each already ordered and cut to the limit, then merged: cheaper
    // than an OR over two columns. A call to oneself is taken from the caller side only.
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM ("
            + " (SELECT "
            + COLUMNS
            + " FROM calls WHERE caller = ?"
            + afterCursor
            + " ORDER BY created_ms DESC, call_id DESC LIMIT ?)"
            + " UNION ALL"
            + " (SELECT "
            + COLUMNS
            + " FROM calls WHERE callee = ? AND caller <> ?"
            + afterCursor
            + " ORDER BY created_ms DESC, call_id DESC LIMIT ?)"
            + ") both_roles ORDER BY created_ms DESC, call_id DESC LIMIT ?";
    return jdbc.withConnection(
        connection ->
            withRecordingIds(
                connection,
                Jdbc.list(
                    connection,
                    sql,
                    params(user, ms, ms, id, limit, user, user, ms, ms, id, limit, limit),
                    JdbcCallStore::call)),
        "call history of " + user);
  }

  private static void saveRow(Connection connection, CallRecord call) throws SQLException {
    Jdbc.Binder row =
        params(
            call.answeredAt(),
            call.endedAt(),
            call.endReason(),
            call.mediaPath(),
            call.pathSwitchedAt(),
            call.recorded(),
            call.callId(),
            call.caller(),
            call.callee(),
            call.createdAt());
    if (Jdbc.update(connection, UPDATE, row) > 0) {
      return;
    }
    boolean taken =
        !Jdbc.list(
                connection,
                "SELECT call_id FROM calls WHERE call_id = ?",
                params(call.callId()),
                r -> r.getString(1))
            .isEmpty();
    if (taken) {
      if (Jdbc.update(connection, UPDATE, row) > 0) {
        return; // this very call, inserted meanwhile by a concurrent first save
      }
      throw new StoreException(
          "call id " + call.callId() + " belongs to an earlier call: this one is not recorded");
    }
    Jdbc.update(connection, INSERT, row);
  }

  private static void insertRecordingIds(Connection connection, CallRecord call)
      throws SQLException {
    if (call.recordingIds().isEmpty()) {
      return;
    }
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO call_recordings (call_id, seq_no, recording_id) VALUES (?, ?, ?)")) {
      int seqNo = 0;
      for (String recordingId : call.recordingIds()) {
        insert.setString(1, call.callId());
        insert.setInt(2, seqNo++);
        insert.setString(3, recordingId);
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** The records with their recording ids filled in, in one query for all of them. */
  private static List<CallRecord> withRecordingIds(Connection connection, List<CallRecord> calls)
      throws SQLException {
    if (calls.isEmpty()) {
      return calls;
    }
    String placeholders = String.join(", ", Collections.nCopies(calls.size(), "?"));
    Map<String, List<String>> idsByCall = new HashMap<>();
    Jdbc.list(
            connection,
            "SELECT call_id, recording_id FROM call_recordings WHERE call_id IN ("
                + placeholders
                + ") ORDER BY call_id, seq_no",
            params(calls.stream().map(CallRecord::callId).toArray()),
            row -> Map.entry(row.getString("call_id"), row.getString("recording_id")))
        .forEach(
            entry ->
                idsByCall
                    .computeIfAbsent(entry.getKey(), k -> new ArrayList<>())
                    .add(entry.getValue()));
    List<CallRecord> result = new ArrayList<>(calls.size());
    for (CallRecord call : calls) {
      List<String> ids = idsByCall.get(call.callId());
      result.add(ids == null ? call : withIds(call, ids));
    }
    return result;
  }

  private static CallRecord withIds(CallRecord call, List<String> ids) {
    return new CallRecord(
        call.callId(),
        call.caller(),
        call.callee(),
        call.createdAt(),
        call.answeredAt(),
        call.endedAt(),
        call.endReason(),
        call.mediaPath(),
        call.pathSwitchedAt(),
        call.recorded(),
        ids);
  }

  private static CallRecord call(ResultSet row) throws SQLException {
    return new CallRecord(
        row.getString("call_id"),
        row.getString("caller"),
        row.getString("callee"),
        Jdbc.instant(row, "created_ms"),
        Jdbc.optionalInstant(row, "answered_ms"),
        Jdbc.optionalInstant(row, "ended_ms"),
        Jdbc.optionalString(row, "end_reason"),
        row.getString("media_path"),
        Jdbc.optionalInstant(row, "path_switched_ms"),
        row.getBoolean("recorded"),
        List.of());
  }
}
