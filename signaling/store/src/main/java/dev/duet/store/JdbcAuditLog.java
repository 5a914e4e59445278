package dev.duet.store;

import static dev.duet.store.Jdbc.params;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import javax.sql.DataSource;

/** {@link AuditLog} on the {@code audit_log} table. */
public final class JdbcAuditLog implements AuditLog {
  private static final String COLUMNS =
      "entry_id, actor, action, target_type, target_id, at_ms, detail";

  private final Jdbc jdbc;

  public JdbcAuditLog(DataSource dataSource) {
    this.jdbc = new Jdbc(Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public AuditEntry append(
      String actor, String action, String targetType, String targetId, Instant at, String detail) {
    AuditEntry unsaved = new AuditEntry(0, actor, action, targetType, targetId, at, detail);
    long entryId =
        jdbc.withConnection(
            connection ->
                Jdbc.insertReturningKey(
                    connection,
                    "INSERT INTO audit_log (actor, action, target_type, target_id, at_ms, detail)"
                        + " VALUES (?, ?, ?, ?, ?, ?)",
                    "entry_id",
                    params(actor, action, targetType, targetId, at, detail)),
            "append audit entry " + action);
    return new AuditEntry(
        entryId,
        unsaved.actor(),
        unsaved.action(),
        unsaved.targetType(),
        unsaved.targetId(),
        Instant.ofEpochMilli(Jdbc.millis(at)),
        unsaved.detail());
  }

  @Override
  public List<AuditEntry> list(OptionalLong before, int limit) {
    Objects.requireNonNull(before, "before");
    Jdbc.requirePositive(limit);
    return jdbc.list(
        "SELECT " + COLUMNS + " FROM audit_log WHERE entry_id < ? ORDER BY entry_id DESC LIMIT ?",
        params(before.orElse(Long.MAX_VALUE), limit),
        JdbcAuditLog::entry);
  }

  @Override
  public List<AuditEntry> forTarget(
      String targetType, String targetId, OptionalLong before, int limit) {
    Objects.requireNonNull(targetType, "targetType");
    Objects.requireNonNull(targetId, "targetId");
    Objects.requireNonNull(before, "before");
    Jdbc.requirePositive(limit);
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM audit_log WHERE target_type = ? AND target_id = ? AND entry_id < ?"
            + " ORDER BY entry_id DESC LIMIT ?",
        params(targetType, targetId, before.orElse(Long.MAX_VALUE), limit),
        JdbcAuditLog::entry);
  }

  private static AuditEntry entry(ResultSet row) throws SQLException {
    return new AuditEntry(
        row.getLong("entry_id"),
        row.getString("actor"),
        row.getString("action"),
        row.getString("target_type"),
        row.getString("target_id"),
        Jdbc.instant(row, "at_ms"),
        row.getString("detail"));
  }
}
