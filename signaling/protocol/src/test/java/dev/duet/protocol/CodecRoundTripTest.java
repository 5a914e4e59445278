package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.duet.protocol.Goldens.Golden;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every golden example decodes to its record and encodes back to the same JSON tree. */
class CodecRoundTripTest {

  static Stream<Golden> clientGoldens() {
    return Goldens.client().stream();
  }

  static Stream<Golden> serverGoldens() {
    return Goldens.server().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clientGoldens")
  void clientGoldenSurvivesDecodeAndEncode(Golden golden) {
    ClientMessage message = Codec.decodeClient(golden.text());

    assertThat(ClientType.of(message).wire()).isEqualTo(golden.type());
    assertThat(JsonParser.parseString(Codec.encode(message))).isEqualTo(golden.json());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serverGoldens")
  void serverGoldenSurvivesDecodeAndEncode(Golden golden) {
    Sequenced decoded = Codec.decodeServer(golden.text());

    assertThat(ServerType.of(decoded.message()).wire()).isEqualTo(golden.type());
    assertThat(JsonParser.parseString(Codec.encode(decoded.seq(), decoded.message())))
        .isEqualTo(golden.json());
  }

  @Test
  void clientGoldensDecodeToTheExpectedRecords() {
    assertThat(decode("ack")).isEqualTo(new ClientMessage.Ack(null, 17L));
    assertThat(decode("ping")).isEqualTo(new ClientMessage.Ping("p-42"));
    assertThat(decode("call.invite"))
        .isEqualTo(
            new ClientMessage.CallInvite(
                "c-1", "6f1c2a9e-3b4d-4c8e-9a51-2d7f0b3e8c41", "bob", false));
    assertThat(decode("chat.read")).isEqualTo(new ClientMessage.ChatRead("m-2", 1042L));
    assertThat(decode("ice.candidate.end"))
        .isEqualTo(
            new ClientMessage.IceCandidate(null, "6f1c2a9e-3b4d-4c8e-9a51-2d7f0b3e8c41", null));
    ClientMessage.IceCandidate candidate = (ClientMessage.IceCandidate) decode("ice.candidate");
    assertThat(candidate.candidate().sdpMid()).isEqualTo("0");
    assertThat(candidate.candidate().sdpMLineIndex()).isZero();
    assertThat(candidate.candidate().candidate()).startsWith("candidate:842163049 1 udp");
  }

  @Test
  void welcomeIsDecodedWithoutSeqAndEncodedWithoutSeq() {
    Golden welcome = server("welcome");
    Sequenced decoded = Codec.decodeServer(welcome.text());

    assertThat(decoded.seq()).isZero();
    ServerMessage.Welcome w = (ServerMessage.Welcome) decoded.message();
    assertThat(w.protocol()).isEqualTo(Codec.PROTOCOL_VERSION);
    assertThat(w.resumed()).isFalse();
    assertThat(w.iceServers()).hasSize(2);
    assertThat(w.iceServers().get(0).username()).isNull();
    assertThat(w.limits().maxMessageBytes()).isEqualTo(65536);
    assertThat(JsonParser.parseString(Codec.encode(0, w)).getAsJsonObject().has("seq")).isFalse();
  }

  @Test
  void serverMessagesAreEncodedWithTheirSeq() {
    String json = Codec.encode(7, new ServerMessage.CallRinging("c1"));

    assertThat(JsonParser.parseString(json))
        .isEqualTo(
            JsonParser.parseString("{\"type\":\"call.ringing\",\"callId\":\"c1\",\"seq\":7}"));
  }

  @Test
  void absentOptionalFieldsAreLeftOutNotWrittenAsNull() {
    String pong = Codec.encode(3, new ServerMessage.Pong(null));
    String invite = Codec.encode(new ClientMessage.CallInvite(null, "c1", "bob", null));

    assertThat(JsonParser.parseString(pong))
        .isEqualTo(JsonParser.parseString("{\"type\":\"pong\",\"seq\":3}"));
    assertThat(JsonParser.parseString(invite))
        .isEqualTo(
            JsonParser.parseString("{\"type\":\"call.invite\",\"callId\":\"c1\",\"to\":\"bob\"}"));
  }

  @Test
  void endOfCandidatesIsEncodedAsExplicitNull() {
    String server = Codec.encode(8, new ServerMessage.IceCandidate("c1", null, "alice"));
    String client = Codec.encode(new ClientMessage.IceCandidate(null, "c1", null));

    assertThat(JsonParser.parseString(server).getAsJsonObject().get("candidate").isJsonNull())
        .isTrue();
    assertThat(JsonParser.parseString(client).getAsJsonObject().get("candidate").isJsonNull())
        .isTrue();
  }

  @Test
  void textIsNotHtmlEscaped() {
    String json =
        Codec.encode(4, new ServerMessage.ChatMessage(1L, "alice", "bob", "<b>&'=</b> \u263a", 5L));

    assertThat(json).contains("<b>&'=</b> \u263a");
  }

  private static ClientMessage decode(String name) {
    return Codec.decodeClient(
        Goldens.client().stream()
            .filter(g -> g.name().equals(name))
            .findFirst()
            .orElseThrow()
            .text());
  }

  private static Golden server(String name) {
    return Goldens.server().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
  }
}
