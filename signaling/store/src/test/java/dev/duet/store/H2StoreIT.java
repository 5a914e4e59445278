package dev.duet.store;

import static dev.duet.store.StoreFixtures.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contracts on the embedded default: an H2 file database in a temporary folder. */
class H2StoreIT {
  @TempDir static Path dataDir;

  private static DatabaseConfig config;
  private static Database database;

  @BeforeAll
  static void open() {
    config = DatabaseConfig.h2(dataDir);
    database = Database.open(config);
  }

  @AfterAll
  static void close() {
    database.close();
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
      return config;
    }
  }

  @Test
  void theDatabaseIsTheFileDuetUnderTheDataFolder() {
    assertThat(Files.exists(dataDir.resolve("duet.mv.db"))).isTrue();
  }

  @Test
  void reopeningTheClosedFileKeepsTheDataAndMigratesNothing(@TempDir Path otherDir)
      throws SQLException {
    long id;
    try (Database first = Database.open(DatabaseConfig.h2(otherDir))) {
      id = first.messages().append("alice", "bob", "kept", "c1", at(0)).message().msgId();
    }
    try (Database second = Database.open(DatabaseConfig.h2(otherDir))) {
      assertThat(DatabaseContract.appliedMigrations(second)).isEqualTo(1);
      assertThat(second.messages().find(id).orElseThrow().text()).isEqualTo("kept");
      assertThat(second.messages().append("alice", "bob", "x", "c1", at(1)).created()).isFalse();
    }
  }

  @Test
  void aClosedDatabaseIsNotHealthy(@TempDir Path otherDir) {
    Database closed = Database.open(DatabaseConfig.h2(otherDir));
    closed.close();

    assertThat(closed.healthy()).isFalse();
  }
}
