package dev.duet.signaling.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.IceServer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TurnCredentialsTest {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

  @Test
  void usernameIsExpiryColonUserAndPasswordIsBase64HmacSha1() {
    TurnCredentials t =
        new TurnCredentials(
            List.of("stun:turn.example:3478", "turn:turn.example:3478?transport=udp"),
            Optional.of("north"),
            Duration.ofHours(1),
            CLOCK);
    List<IceServer> servers = t.iceServers("alice");
    assertThat(servers).hasSize(2);
    assertThat(servers.get(0).urls()).containsExactly("stun:turn.example:3478");
    assertThat(servers.get(0).username()).isNull();
    IceServer turn = servers.get(1);
    assertThat(turn.username()).isEqualTo("1700003600:alice");
    // Reference value: printf '1700003600:alice' | openssl dgst -sha1 -hmac north -binary | base64
    assertThat(turn.credential())
        .isEqualTo(
            TurnCredentials.password("north".getBytes(StandardCharsets.UTF_8), "1700003600:alice"));
    assertThat(turn.credential()).isEqualTo("wjwSXO2ch1B6VaLTLMy2Avn5O9o=");
  }

  @Test
  void withoutASecretNoTurnServerIsOffered() {
    TurnCredentials t =
        new TurnCredentials(
            List.of("turn:turn.example:3478"), Optional.empty(), Duration.ofHours(1), CLOCK);
    assertThat(t.iceServers("alice")).isEmpty();
  }
}
