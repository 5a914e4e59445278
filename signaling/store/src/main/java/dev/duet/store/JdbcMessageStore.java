package dev.duet.store;

import static dev.duet.store.Jdbc.params;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.sql.DataSource;

/** {@link MessageStore} on the {@code messages} table. */
public final class JdbcMessageStore implements MessageStore {
  private static final String COLUMNS =
      "msg_id, sender, recipient, body, client_msg_id, sent_ms, delivered_ms, read_ms";

  private static final String INSERT =
      "INSERT INTO messages (sender, recipient, peer_lo, peer_hi, body, client_msg_id, sent_ms)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?)";

  private static final String BY_CLIENT_ID =
      "SELECT " + COLUMNS + " FROM messages WHERE sender = ? AND client_msg_id = ?";

  private final Jdbc jdbc;

  public JdbcMessageStore(DataSource dataSource) {
    this.jdbc = new Jdbc(Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public Appended append(String from, String to, String text, String clientMsgId, Instant ts) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(clientMsgId, "clientMsgId");
    Objects.requireNonNull(ts, "ts");
    return jdbc.withConnection(
        connection -> {
          // A re-send is the common duplicate: answer it without provoking a constraint error.
          Optional<StoredMessage> earlier = byClientId(connection, from, clientMsgId);
          if (earlier.isPresent()) {
            return new Appended(earlier.get(), false);
          }
          boolean fromFirst = from.compareTo(to) <= 0;
          try {
            long msgId =
                Jdbc.insertReturningKey(
                    connection,
                    INSERT,
                    "msg_id",
                    params(
                        from,
                        to,
                        fromFirst ? from : to,
                        fromFirst ? to : from,
                        text,
                        clientMsgId,
                        ts));
            StoredMessage stored =
                new StoredMessage(
                    msgId,
                    from,
                    to,
                    text,
                    clientMsgId,
                    Instant.ofEpochMilli(Jdbc.millis(ts)),
                    Optional.empty(),
                    Optional.empty());
            return new Appended(stored, true);
          } catch (SQLException e) {
            if (!Jdbc.isUniqueViolation(e)) {
              throw e;
            }
            // Lost the race to a concurrent append of the same message: the winner's row is
            // committed (auto-commit), so it is visible now.
            return new Appended(
                byClientId(connection, from, clientMsgId)
                    .orElseThrow(
                        () -> new StoreException("duplicate message vanished: " + clientMsgId, e)),
                false);
          }
        },
        "append message");
  }

  @Override
  public List<StoredMessage> undelivered(String recipient, int limit) {
    Objects.requireNonNull(recipient, "recipient");
    Jdbc.requirePositive(limit);
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM messages WHERE recipient = ? AND delivered_ms IS NULL"
            + " ORDER BY msg_id LIMIT ?",
        params(recipient, limit),
        JdbcMessageStore::message);
  }

  @Override
  public boolean markDelivered(long msgId, Instant at) {
    Objects.requireNonNull(at, "at");
    return jdbc.update(
            "UPDATE messages SET delivered_ms = ? WHERE msg_id = ? AND delivered_ms IS NULL",
            params(at, msgId))
        > 0;
  }

  @Override
  public boolean markRead(long msgId, String reader, Instant at) {
    Objects.requireNonNull(reader, "reader");
    Objects.requireNonNull(at, "at");
    return jdbc.update(
            "UPDATE messages SET read_ms = ?, delivered_ms = COALESCE(delivered_ms, ?)"
                + " WHERE msg_id = ? AND recipient = ? AND read_ms IS NULL",
            params(at, at, msgId, reader))
        > 0;
  }

  @Override
  public Optional<StoredMessage> find(long msgId) {
    return jdbc.first(
        "SELECT " + COLUMNS + " FROM messages WHERE msg_id = ?",
        params(msgId),
        JdbcMessageStore::message);
  }

  @Override
  public List<StoredMessage> conversation(
      String user, String with, OptionalLong before, int limit) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(with, "with");
    Objects.requireNonNull(before, "before");
    Jdbc.requirePositive(limit);
    boolean userFirst = user.compareTo(with) <= 0;
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM messages WHERE peer_lo = ? AND peer_hi = ? AND msg_id < ?"
            + " ORDER BY msg_id DESC LIMIT ?",
        params(
            userFirst ? user : with, userFirst ? with : user, before.orElse(Long.MAX_VALUE), limit),
        JdbcMessageStore::message);
  }

  @Override
  public List<String> correspondents(String user, int limit) {
    Objects.requireNonNull(user, "user");
    Jdbc.requirePositive(limit);
    return jdbc.list(
        "SELECT peer, MAX(msg_id) AS last_id FROM ("
            + " SELECT recipient AS peer, msg_id FROM messages WHERE sender = ?"
            + " UNION ALL"
            + " SELECT sender AS peer, msg_id FROM messages WHERE recipient = ?"
            + ") exchanged GROUP BY peer ORDER BY last_id DESC LIMIT ?",
        params(user, user, limit),
        row -> row.getString("peer"));
  }

  private static Optional<StoredMessage> byClientId(
      Connection connection, String from, String clientMsgId) throws SQLException {
    List<StoredMessage> rows =
        Jdbc.list(connection, BY_CLIENT_ID, params(from, clientMsgId), JdbcMessageStore::message);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private static StoredMessage message(ResultSet row) throws SQLException {
    return new StoredMessage(
        row.getLong("msg_id"),
        row.getString("sender"),
        row.getString("recipient"),
        row.getString("body"),
        row.getString("client_msg_id"),
        Jdbc.instant(row, "sent_ms"),
        Jdbc.optionalInstant(row, "delivered_ms"),
        Jdbc.optionalInstant(row, "read_ms"));
  }
}
