package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {
  private static final Path DATA = Path.of("/var/lib/duet");

  @Test
  void theEmbeddedDefaultIsTheH2FileDuetUnderTheDataFolderInPostgresqlMode() {
    DatabaseConfig config = DatabaseConfig.h2(DATA);

    assertThat(config.url())
        .isEqualTo(
            "jdbc:h2:file:/var/lib/duet/duet;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE"
                + ";DEFAULT_NULL_ORDERING=HIGH");
    assertThat(config.user()).isEqualTo("sa");
    assertThat(config.password()).isEmpty();
    assertThat(config.maxPoolSize()).isEqualTo(DatabaseConfig.DEFAULT_POOL_SIZE);
    assertThat(config.embedded()).isTrue();
  }

  @Test
  void aRelativeDataFolderBecomesAbsolute() {
    assertThat(DatabaseConfig.h2(Path.of("data")).url())
        .startsWith("jdbc:h2:file:" + Path.of("data").toAbsolutePath() + "/duet;");
  }

  @Test
  void withoutDuetDbUrlTheEnvironmentGivesTheEmbeddedDefault() {
    assertThat(DatabaseConfig.fromEnvironment(Map.of(), DATA)).isEqualTo(DatabaseConfig.h2(DATA));
    assertThat(DatabaseConfig.fromEnvironment(Map.of("DUET_DB_URL", "  "), DATA))
        .isEqualTo(DatabaseConfig.h2(DATA));
  }

  @Test
  void duetDbUrlSelectsPostgresqlWithUserPasswordAndPoolSize() {
    DatabaseConfig config =
        DatabaseConfig.fromEnvironment(
            Map.of(
                "DUET_DB_URL", "jdbc:postgresql://db.example:5432/duet",
                "DUET_DB_USER", "duet",
                "DUET_DB_PASSWORD", "s3cret",
                "DUET_DB_POOL_SIZE", "25"),
            DATA);

    assertThat(config)
        .isEqualTo(
            new DatabaseConfig("jdbc:postgresql://db.example:5432/duet", "duet", "s3cret", 25));
    assertThat(config.embedded()).isFalse();
  }

  @Test
  void toStringNeverShowsThePasswordNorUrlParameters() {
    DatabaseConfig config =
        new DatabaseConfig("jdbc:postgresql://db/duet?password=inline", "duet", "s3cret", 5);

    assertThat(config.toString())
        .doesNotContain("s3cret")
        .doesNotContain("inline")
        .contains("jdbc:postgresql://db/duet")
        .contains("***");
  }

  @Test
  void aMissingUserOrPasswordIsEmpty() {
    DatabaseConfig config = new DatabaseConfig("jdbc:postgresql://db/duet", null, null, 5);

    assertThat(config.user()).isEmpty();
    assertThat(config.password()).isEmpty();
  }

  @Test
  void badValuesAreRefused() {
    assertThatThrownBy(() -> new DatabaseConfig("postgres://db", "", "", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DatabaseConfig("jdbc:h2:mem:x", "", "", 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> DatabaseConfig.fromEnvironment(Map.of("DUET_DB_POOL_SIZE", "many"), DATA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DUET_DB_POOL_SIZE");
  }
}
