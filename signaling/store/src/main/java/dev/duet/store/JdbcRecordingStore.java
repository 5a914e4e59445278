package dev.duet.store;

import static dev.duet.store.Jdbc.params;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link RecordingStore} on the {@code recordings} and {@code recording_flags} tables. */
public final class JdbcRecordingStore implements RecordingStore {
  private static final String COLUMNS =
      "recording_id, call_id, party, file_path, started_ms, duration_ms, size_bytes, codecs,"
          + " status, sha256, flagged, legal_hold, deleted_ms";

  private static final String UPDATE =
      "UPDATE recordings SET call_id = ?, party = ?, file_path = ?, started_ms = ?,"
          + " duration_ms = ?, size_bytes = ?, codecs = ?, status = ?, sha256 = ?"
          + " WHERE recording_id = ?";

  private static final String INSERT =
      "INSERT INTO recordings (call_id, party, file_path, started_ms, duration_ms, size_bytes,"
          + " codecs, status, sha256, recording_id, flagged, legal_hold, deleted_ms)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private static final String FLAG_COLUMNS =
      "flag_id, recording_id, moderator, reason, note, flagged_ms";

  private final Jdbc jdbc;

  public JdbcRecordingStore(DataSource dataSource) {
    this.jdbc = new Jdbc(Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public void save(Recording recording) {
    Objects.requireNonNull(recording, "recording");
    Object[] catalogue = {
      recording.callId(),
      recording.party(),
      recording.filePath(),
      recording.startedAt(),
      recording.duration().toMillis(),
      recording.sizeBytes(),
      String.join(",", recording.codecs()),
      recording.status().wireName(),
      recording.sha256(),
      recording.recordingId()
    };
    Object[] moderation = {recording.flagged(), recording.legalHold(), recording.deletedAt()};
    Object[] all = Arrays.copyOf(catalogue, catalogue.length + moderation.length);
    System.arraycopy(moderation, 0, all, catalogue.length, moderation.length);
    jdbc.withConnection(
        connection -> {
          if (Jdbc.update(connection, UPDATE, params(catalogue)) > 0) {
            return null;
          }
          try {
            Jdbc.update(connection, INSERT, params(all));
          } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e)) {
              throw e;
            }
            // A concurrent save inserted it first (and committed): update that row.
            Jdbc.update(connection, UPDATE, params(catalogue));
          }
          return null;
        },
        "save recording " + recording.recordingId());
  }

  @Override
  public Optional<Recording> find(String recordingId) {
    Objects.requireNonNull(recordingId, "recordingId");
    return jdbc.first(
        "SELECT " + COLUMNS + " FROM recordings WHERE recording_id = ?",
        params(recordingId),
        JdbcRecordingStore::recording);
  }

  @Override
  public List<Recording> forCall(String callId) {
    Objects.requireNonNull(callId, "callId");
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM recordings WHERE call_id = ? ORDER BY started_ms, recording_id",
        params(callId),
        JdbcRecordingStore::recording);
  }

  @Override
  public List<Recording> list(RecordingQuery query) {
    Objects.requireNonNull(query, "query");
    List<Object> values = new ArrayList<>();
    String where = where(query, values);
    values.add(query.limit());
    values.add(query.offset());
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM recordings"
            + where
            + " ORDER BY started_ms DESC, recording_id DESC LIMIT ? OFFSET ?",
        params(values.toArray()),
        JdbcRecordingStore::recording);
  }

  @Override
  public long count(RecordingQuery query) {
    Objects.requireNonNull(query, "query");
    List<Object> values = new ArrayList<>();
    String where = where(query, values);
    return jdbc.first(
            "SELECT COUNT(*) AS n FROM recordings" + where,
            params(values.toArray()),
            row -> row.getLong("n"))
        .orElse(0L);
  }

  @Override
  public Optional<RecordingFlag> flag(
      String recordingId, String moderator, String reason, String note, Instant at) {
    Objects.requireNonNull(recordingId, "recordingId");
    Objects.requireNonNull(moderator, "moderator");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(at, "at");
    return jdbc.inTransaction(
        connection -> {
          if (Jdbc.update(
                  connection,
                  "UPDATE recordings SET flagged = TRUE WHERE recording_id = ?",
                  params(recordingId))
              == 0) {
            return Optional.<RecordingFlag>empty();
          }
          long flagId =
              Jdbc.insertReturningKey(
                  connection,
                  "INSERT INTO recording_flags (recording_id, moderator, reason, note, flagged_ms)"
                      + " VALUES (?, ?, ?, ?, ?)",
                  "flag_id",
                  params(recordingId, moderator, reason, note, at));
          return Optional.of(
              new RecordingFlag(
                  flagId,
                  recordingId,
                  moderator,
                  reason,
                  note,
                  Instant.ofEpochMilli(Jdbc.millis(at))));
        },
        "flag recording " + recordingId);
  }

  @Override
  public List<RecordingFlag> flags(String recordingId) {
    Objects.requireNonNull(recordingId, "recordingId");
    return jdbc.list(
        "SELECT " + FLAG_COLUMNS + " FROM recording_flags WHERE recording_id = ? ORDER BY flag_id",
        params(recordingId),
        row ->
            new RecordingFlag(
                row.getLong("flag_id"),
                row.getString("recording_id"),
                row.getString("moderator"),
                row.getString("reason"),
                row.getString("note"),
                Jdbc.instant(row, "flagged_ms")));
  }

  @Override
  public boolean clearFlag(String recordingId) {
    Objects.requireNonNull(recordingId, "recordingId");
    return jdbc.update(
            "UPDATE recordings SET flagged = FALSE WHERE recording_id = ? AND flagged",
            params(recordingId))
        > 0;
  }

  @Override
  public boolean setLegalHold(String recordingId, boolean hold) {
    Objects.requireNonNull(recordingId, "recordingId");
    return jdbc.update(
            "UPDATE recordings SET legal_hold = ? WHERE recording_id = ? AND legal_hold <> ?",
            params(hold, recordingId, hold))
        > 0;
  }

  @Override
  public boolean markDeleted(String recordingId, Instant at) {
    Objects.requireNonNull(recordingId, "recordingId");
    Objects.requireNonNull(at, "at");
    return jdbc.update(
            "UPDATE recordings SET deleted_ms = ?"
                + " WHERE recording_id = ? AND deleted_ms IS NULL AND NOT legal_hold",
            params(at, recordingId))
        > 0;
  }

  /** The WHERE clause of a query (with a leading space), its values appended to {@code values}. */
  private static String where(RecordingQuery query, List<Object> values) {
    List<String> conditions = new ArrayList<>();
    query.party().ifPresent(party -> add(conditions, values, "party = ?", party));
    query.startedFrom().ifPresent(from -> add(conditions, values, "started_ms >= ?", from));
    query.startedBefore().ifPresent(before -> add(conditions, values, "started_ms < ?", before));
    query.status().ifPresent(status -> add(conditions, values, "status = ?", status.wireName()));
    query.flagged().ifPresent(flagged -> add(conditions, values, "flagged = ?", flagged));
    if (!query.includeDeleted()) {
      conditions.add("deleted_ms IS NULL");
    }
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  private static void add(List<String> conditions, List<Object> values, String sql, Object value) {
    conditions.add(sql);
    values.add(value);
  }

  private static Recording recording(ResultSet row) throws SQLException {
    String codecs = row.getString("codecs");
    return new Recording(
        row.getString("recording_id"),
        row.getString("call_id"),
        row.getString("party"),
        row.getString("file_path"),
        Jdbc.instant(row, "started_ms"),
        Duration.ofMillis(row.getLong("duration_ms")),
        row.getLong("size_bytes"),
        codecs.isEmpty() ? List.of() : List.of(codecs.split(",")),
        RecordingStatus.fromWireName(row.getString("status")),
        Jdbc.optionalString(row, "sha256"),
        row.getBoolean("flagged"),
        row.getBoolean("legal_hold"),
        Jdbc.optionalInstant(row, "deleted_ms"));
  }
}
