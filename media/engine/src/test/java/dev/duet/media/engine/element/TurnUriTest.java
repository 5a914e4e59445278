package dev.duet.media.engine.element;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TurnUriTest {
  @Test
  void turnRestUserNamesKeepTheirColon() {
    assertThat(
            WebRtcEndpointObject.turnUri("1700000000:alice:s3cr/t=@192.0.2.1:3478?transport=udp"))
        .isEqualTo("turn://1700000000%3Aalice:s3cr%2Ft%3D@192.0.2.1:3478");
  }

  @Test
  void tcpTransportIsKept() {
    assertThat(WebRtcEndpointObject.turnUri("u:p@turn.example:443?transport=tcp"))
        .isEqualTo("turn://u:p@turn.example:443?transport=tcp");
  }

  @Test
  void schemePrefixesAreAccepted() {
    assertThat(WebRtcEndpointObject.turnUri("turns:u:p@turn.example:5349"))
        .isEqualTo("turns://u:p@turn.example:5349");
  }
}
