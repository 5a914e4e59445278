package dev.duet.media.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineConfigTest {
  @Test
  void defaultsListLikeAKmsOnLoopback() {
    EngineConfig c = EngineConfig.fromEnvironment(Map.of());
    assertThat(c.bindHost()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8888);
    assertThat(c.minMediaPort()).isZero();
    assertThat(c.mediaAddresses()).isEmpty();
    assertThat(c.sessionGrace()).isEqualTo(Duration.ofSeconds(240));
  }

  @Test
  void readsEveryVariable() {
    EngineConfig c =
        EngineConfig.fromEnvironment(
            Map.of(
                "DUET_ENGINE_PORT", "0",
                "DUET_ENGINE_HOST", "0.0.0.0",
                "DUET_RECORDINGS_DIR", "/var/lib/duet/rec",
                "DUET_MEDIA_PORTS", "40000-40099",
                "DUET_MEDIA_ADDRESSES", "192.0.2.1, 198.51.100.2",
                "DUET_ENGINE_SESSION_GRACE_SECONDS", "5"));
    assertThat(c.port()).isZero();
    assertThat(c.bindHost()).isEqualTo("0.0.0.0");
    assertThat(c.recordingsRoot()).isEqualTo(Path.of("/var/lib/duet/rec"));
    assertThat(c.minMediaPort()).isEqualTo(40000);
    assertThat(c.maxMediaPort()).isEqualTo(40099);
    assertThat(c.mediaAddresses()).containsExactly("192.0.2.1", "198.51.100.2");
    assertThat(c.sessionGrace()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void rejectsABadPortRange() {
    assertThatThrownBy(() -> EngineConfig.fromEnvironment(Map.of("DUET_MEDIA_PORTS", "5000")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EngineConfig.defaults().withMediaPorts(5000, 4000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(EngineConfig.defaults().withMediaAddresses(List.of("::1")).mediaAddresses())
        .containsExactly("::1");
  }
}
