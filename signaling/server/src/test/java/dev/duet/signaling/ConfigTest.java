package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
  @Test
  void defaultsAreSafeAndLocal() {
    Config c = Config.fromEnv(Map.of());
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.demo()).isFalse();
    assertThat(c.ringTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.resumeGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.turnTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.maxMessageBytes()).isEqualTo(65536);
  }

  @Test
  void sizesAndCapsComeFromTheEnvironment() {
    assertThat(Config.fromEnv(Map.of()).dbPoolSize()).isEqualTo(10);
    assertThat(Config.fromEnv(Map.of()).maxSessionsPerUser()).isEqualTo(16);
    Config c = Config.fromEnv(Map.of("DUET_DB_POOL_SIZE", "3", "DUET_MAX_SESSIONS_PER_USER", "2"));
    assertThat(c.dbPoolSize()).isEqualTo(3);
    assertThat(c.maxSessionsPerUser()).isEqualTo(2);
  }

  @Test
  void anOutboxThatCannotHoldFourOfTheLargestMessagesIsRefused() {
    assertThat(Config.fromEnv(Map.of()).outboxBytes()).isEqualTo(8L << 20);
    assertThat(Config.fromEnv(Map.of()).invitesPerMinute()).isEqualTo(10);
    assertThatThrownBy(() -> Config.fromEnv(Map.of("DUET_OUTBOX_BYTES", "100000")))
        .hasMessageContaining("DUET_OUTBOX_BYTES")
        .hasMessageContaining("262144");
  }

  @Test
  void anOutboxOfFewerThanSixteenMessagesIsRefused() {
    assertThatThrownBy(() -> Config.fromEnv(Map.of("DUET_OUTBOX_SIZE", "0")))
        .hasMessageContaining("DUET_OUTBOX_SIZE");
    assertThat(Config.fromEnv(Map.of("DUET_OUTBOX_SIZE", "16")).outboxSize()).isEqualTo(16);
  }

  @Test
  void durationsAcceptUnits() {
    assertThat(Config.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Config.duration("45")).isEqualTo(Duration.ofSeconds(45));
    assertThat(Config.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Config.duration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Config.duration("3d")).isEqualTo(Duration.ofDays(3));
    assertThatThrownBy(() -> Config.duration("soon")).hasMessageContaining("not a duration");
  }

  @Test
  void secretsNeverAppearInToString() {
    Config c =
        Config.fromEnv(
            Map.of(
                "DUET_JWT_SECRET", "super-secret-value-super-secret-value",
                "DUET_TURN_SECRET", "turn-secret-value",
                "DUET_DB_URL", "jdbc:postgresql://db/duet?password=hunter2",
                "DUET_DB_PASSWORD", "hunter3"));
    assertThat(c.toString())
        .doesNotContain("super-secret-value")
        .doesNotContain("turn-secret-value")
        .doesNotContain("hunter2")
        .doesNotContain("hunter3");
  }

  @Test
  void mediaModeRelayForcesTheRelay() {
    assertThat(Config.fromEnv(Map.of("DUET_MEDIA_MODE", "relay")).forceRelay()).isTrue();
    assertThat(
            Config.fromEnv(Map.of("DUET_ALLOWED_ORIGINS", "https://a.example, https://b.example"))
                .allowedOrigins())
        .containsExactly("https://a.example", "https://b.example");
  }
}
