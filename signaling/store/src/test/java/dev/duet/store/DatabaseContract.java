package dev.duet.store;

import static dev.duet.store.StoreFixtures.at;
import static dev.duet.store.StoreFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** What every database must do when opened: migrate once, answer health checks. */
abstract class DatabaseContract {

  protected abstract Database database();

  /** The configuration {@link #database()} was opened with. */
  protected abstract DatabaseConfig config();

  @Test
  void openingTheSameDatabaseAgainAppliesNoMigrationAndSeesTheData() throws SQLException {
    String alice = unique("alice");
    long id = database().messages().append(alice, "bob", "kept", "c1", at(0)).message().msgId();
    int migrations = appliedMigrations(database());

    try (Database again = Database.open(config())) {
      assertThat(appliedMigrations(again)).isEqualTo(migrations);
      assertThat(again.schemaVersion()).isEqualTo(database().schemaVersion());
      assertThat(again.messages().find(id)).isPresent();
    }
    assertThat(database().healthy()).isTrue();
  }

  @Test
  void theSchemaIsAtTheLatestMigration() throws SQLException {
    assertThat(database().schemaVersion()).isEqualTo("1");
    assertThat(appliedMigrations(database())).isEqualTo(1);
  }

  @Test
  void aPoolOfOneConnectionIsEnough() {
    DatabaseConfig one =
        new DatabaseConfig(config().url(), config().user(), config().password(), 1);

    try (Database small = Database.open(one)) {
      String alice = unique("alice");
      small.messages().append(alice, "bob", "hi", "c1", at(0));
      assertThat(small.messages().correspondents(alice, 5)).containsExactly("bob");
      assertThat(small.healthy()).isTrue();
    }
  }

  @Test
  void aLiveDatabaseIsHealthy() {
    assertThat(database().healthy()).isTrue();
  }

  static int appliedMigrations(Database database) throws SQLException {
    try (Connection connection = database.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT COUNT(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL")) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
