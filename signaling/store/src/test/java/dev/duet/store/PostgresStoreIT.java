package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.store.testing.PostgresServer;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The store contracts on a real PostgreSQL server, started for this class from Debian's binaries
 * and stopped afterwards. Fails (does not skip) when the binaries are missing.
 */
class PostgresStoreIT {
  private static PostgresServer server;
  private static Database database;

  @BeforeAll
  static void start() {
    server = PostgresServer.start();
    database = Database.open(server.config());
  }

  @AfterAll
  static void stop() {
    try {
      if (database != null) {
        database.close();
      }
    } finally {
      if (server != null) {
        long pid = server.pid();
        server.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
            .as("PostgreSQL (PID %d) stopped", pid)
            .isFalse();
        assertThat(Files.exists(server.socketDir())).isFalse();
      }
    }
  }

  @Nested
  class Messages extends MessageStoreContract {
    @Override
    protected Database database() {
      return database;
    }
  }

  @Nested
  class Calls extends CallStoreContract {
    @Override
    protected Database database() {
      return database;
    }
  }

  @Nested
  class Recordings extends RecordingStoreContract {
    @Override
    protected Database database() {
      return database;
    }
  }

  @Nested
  class Audit extends AuditLogContract {
    @Override
    protected Database database() {
      return database;
    }
  }

  @Nested
  class Migrations extends DatabaseContract {
    @Override
    protected Database database() {
      return database;
    }

    @Override
    protected DatabaseConfig config() {
      return server.config();
    }
  }

  @Test
  void theServerIsARealPostgresqlOnLoopbackWithUtf8() throws Exception {
    assertThat(server.running()).isTrue();
    try (Connection connection = database.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT version(), current_setting('server_encoding'), inet_server_addr()")) {
      rows.next();
      assertThat(rows.getString(1)).startsWith("PostgreSQL");
      assertThat(rows.getString(2)).isEqualTo("UTF8");
      assertThat(rows.getString(3)).isEqualTo("127.0.0.1");
      assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
    }
  }

  @Test
  void aStatementStuckBehindALockFailsAtTheTimeoutInsteadOfHanging() throws Exception {
    try (Database quick = Database.open(server.config(), java.time.Duration.ofSeconds(1));
        Connection holder = database.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      try (Statement lock = holder.createStatement()) {
        lock.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
      }
      try {
        // Without a statement timeout this waits for the lock for ever; the guard turns that
        // into a failure rather than a hung build.
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(20),
            () ->
                assertThatThrownBy(
                        () ->
                            quick
                                .messages()
                                .append("a", "b", "stuck", "c1", java.time.Instant.now()))
                    .isInstanceOf(StoreException.class));
      } finally {
        holder.rollback();
      }
    }
  }

  @Test
  void credentialsMayComeFromTheUrl() {
    DatabaseConfig inUrl =
        new DatabaseConfig(
            server.jdbcUrl() + "?user=" + server.user() + "&password=" + server.password(),
            "",
            "",
            1);

    try (Database viaUrl = Database.open(inUrl)) {
      assertThat(viaUrl.healthy()).isTrue();
    }
  }

  @Test
  void aWrongPasswordIsRefused() {
    DatabaseConfig wrong =
        new DatabaseConfig(server.jdbcUrl(), server.user(), "not-the-password", 1);

    assertThatThrownBy(() -> Database.open(wrong))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("127.0.0.1")
        .hasMessageNotContaining("not-the-password");
  }
}
