package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.turn.TurnCredentials;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The relay's endpoints get the same STUN/TURN as the clients, in Kurento's forms. */
class RelayTurnTest {

  @Test
  void relayGetsFreshTurnRestCredentialsInKurentoForm() {
    Config c =
        Config.fromEnv(
            Map.of(
                "DUET_TURN_URLS", "stun:192.0.2.5:3479 turn:192.0.2.5:3478?transport=udp",
                "DUET_TURN_SECRET", "s3cret"));
    String url = DuetServer.Media.relayTurn(c).get().orElseThrow();
    assertThat(url)
        .matches("\\d+:duet-media-relay:[A-Za-z0-9+/=]+@192\\.0\\.2\\.5:3478\\?transport=udp");
    String user =
        url.substring(0, url.indexOf(":duet-media-relay:") + ":duet-media-relay".length());
    String password = url.substring(user.length() + 1, url.indexOf('@'));
    assertThat(password)
        .isEqualTo(TurnCredentials.password("s3cret".getBytes(StandardCharsets.UTF_8), user));
    assertThat(DuetServer.Media.relayStun(c))
        .hasValueSatisfying(
            a -> {
              assertThat(a.getHostString()).isEqualTo("192.0.2.5");
              assertThat(a.getPort()).isEqualTo(3479);
            });
  }

  @Test
  void withoutSecretOrIpNothingIsConfigured() {
    Config c =
        Config.fromEnv(Map.of("DUET_TURN_URLS", "stun:stun.example:3478 turn:t.example:3478"));
    assertThat(DuetServer.Media.relayTurn(c).get()).isEmpty();
    assertThat(DuetServer.Media.relayStun(c)).isEmpty();
  }
}
