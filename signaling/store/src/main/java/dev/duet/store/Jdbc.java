package dev.duet.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The few JDBC moves the stores share: statements with bound values, rows to records. */
final class Jdbc {
  /** SQLSTATE of a unique or primary key violation, on PostgreSQL and on H2. */
  static final String UNIQUE_VIOLATION = "23505";

  private final DataSource dataSource;

  Jdbc(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Binds the statement's parameters. */
  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  /** Reads the current row. */
  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
  }

  /** Work done on one connection, in one transaction when the caller asks for one. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  static Binder params(Object... values) {
    return statement -> {
      for (int i = 0; i < values.length; i++) {
        bindValue(statement, i + 1, values[i]);
      }
    };
  }

  <T> List<T> list(String sql, Binder binder, RowMapper<T> mapper) {
    return withConnection(connection -> list(connection, sql, binder, mapper), sql);
  }

  <T> Optional<T> first(String sql, Binder binder, RowMapper<T> mapper) {
    List<T> rows = list(sql, binder, mapper);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  int update(String sql, Binder binder) {
    return withConnection(connection -> update(connection, sql, binder), sql);
  }

  static <T> List<T> list(Connection connection, String sql, Binder binder, RowMapper<T> mapper)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      binder.bind(statement);
      try (ResultSet rows = statement.executeQuery()) {
        List<T> result = new ArrayList<>();
        while (rows.next()) {
          result.add(mapper.map(rows));
        }
        return result;
      }
    }
  }

  static int update(Connection connection, String sql, Binder binder) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      binder.bind(statement);
      return statement.executeUpdate();
    }
  }

  /**
   * Runs an INSERT and returns the value the database generated for {@code keyColumn}.
   *
   * @throws SQLException as thrown, so callers can recognise {@link #UNIQUE_VIOLATION}
   */
  static long insertReturningKey(Connection connection, String sql, String keyColumn, Binder binder)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql, new String[] {keyColumn})) {
      binder.bind(statement);
      statement.executeUpdate();
      try (ResultSet keys = statement.getGeneratedKeys()) {
        if (!keys.next()) {
          throw new SQLException("no generated key for " + keyColumn);
        }
        return keys.getLong(1);
      }
    }
  }

  /** Runs {@code work} on a pooled connection in auto-commit mode. */
  <T> T withConnection(Work<T> work, String what) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
   */
  <T> T inTransaction(Work<T> work, String what) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  static StoreException failure(String what, SQLException e) {
    return new StoreException(
        "database operation failed (SQLSTATE " + e.getSQLState() + "): " + what, e);
  }

  static boolean isUniqueViolation(SQLException e) {
    for (SQLException next = e; next != null; next = next.getNextException()) {
      if (UNIQUE_VIOLATION.equals(next.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a transaction that failed this way may simply be run again: a unique violation from a
   * concurrent insert, a serialization failure or a deadlock ({@code 40001}, PostgreSQL's {@code
   * 40P01}).
   */
  static boolean isRetryable(SQLException e) {
    for (SQLException next = e; next != null; next = next.getNextException()) {
      String state = next.getSQLState();
      if (UNIQUE_VIOLATION.equals(state) || "40001".equals(state) || "40P01".equals(state)) {
        return true;
      }
    }
    return false;
  }

  static long millis(Instant instant) {
    return instant.toEpochMilli();
  }

  static Instant instant(ResultSet row, String column) throws SQLException {
    return Instant.ofEpochMilli(row.getLong(column));
  }

  static Optional<Instant> optionalInstant(ResultSet row, String column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
  }

  static Optional<String> optionalString(ResultSet row, String column) throws SQLException {
    return Optional.ofNullable(row.getString(column));
  }

  static void requirePositive(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
  }

  private static void bindValue(PreparedStatement statement, int index, Object value)
      throws SQLException {
    if (value instanceof Optional<?> optional) {
      bindValue(statement, index, optional.orElse(null));
    } else if (value == null) {
      statement.setNull(index, Types.NULL);
    } else if (value instanceof Instant instant) {
      statement.setLong(index, millis(instant));
    } else if (value instanceof String text) {
      statement.setString(index, text);
    } else if (value instanceof Long number) {
      statement.setLong(index, number);
    } else if (value instanceof Integer number) {
      statement.setInt(index, number);
    } else if (value instanceof Boolean flag) {
      statement.setBoolean(index, flag);
    } else {
      throw new IllegalArgumentException("cannot bind " + value.getClass().getName());
    }
  }
}
