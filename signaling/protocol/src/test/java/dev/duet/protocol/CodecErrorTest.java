package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.protocol.Goldens.Golden;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the codec answers to messages it cannot accept, and what it tolerates. */
class CodecErrorTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"ping\"",
        "{\"type\":\"ping\",}",
        "{\"type\" \"ping\"}",
        "{\"type\":\"ping\"} {\"type\":\"ping\"}",
        "}",
        "not json at all"
      })
  void malformedJsonIsABadRequest(String json) {
    ProtocolException e = decodeFails(json);

    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.re()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "true", "null", ""})
  void nonObjectIsABadRequest(String json) {
    assertThat(decodeFails(json).code()).isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void nonObjectElementIsABadRequest() {
    assertThatThrownBy(() -> Codec.decodeClient(JsonParser.parseString("[1]")))
        .isInstanceOfSatisfying(
            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
  }

  @Test
  void missingTypeIsABadRequestAnsweringTheId() {
    ProtocolException e = decodeFails("{\"id\":\"q-1\",\"callId\":\"c1\"}");

    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.getMessage()).contains("type");
    assertThat(e.re()).isEqualTo("q-1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":null}",
        "{\"type\":7}",
        "{\"type\":{\"name\":\"ping\"}}",
        "{\"type\":[]}"
      })
  void typeThatIsNotAStringIsABadRequest(String json) {
    assertThat(decodeFails(json).code()).isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void unknownTypeIsUnknownTypeAnsweringTheId() {
    ProtocolException e = decodeFails("{\"type\":\"call.teleport\",\"id\":\"q-7\"}");

    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(e.re()).isEqualTo("q-7");
    assertThat(e.getMessage()).contains("call.teleport");
  }

  @Test
  void unknownTypeWithoutIdAnswersNothing() {
    ProtocolException e = decodeFails("{\"type\":\"call.teleport\"}");

    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(e.re()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"welcome", "pong", "call.incoming", "chat.message", "CALL.INVITE", ""})
  void serverOnlyOrMisspelledTypeFromAClientIsUnknown(String type) {
    assertThat(decodeFails("{\"type\":\"" + type + "\"}").code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
  }

  @Test
  void unknownServerTypeIsUnknownType() {
    assertThatThrownBy(() -> Codec.decodeServer("{\"type\":\"call.teleport\",\"seq\":3}"))
        .isInstanceOfSatisfying(
            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE));
  }

  /** Every required field of every client golden, removed in turn. */
  static Stream<Arguments> requiredClientFields() {
    List<Arguments> out = new ArrayList<>();
    for (Golden g : Goldens.client()) {
      ClientType type = ClientType.ofWire(g.type()).orElseThrow();
      for (RecordComponent c : type.type().getRecordComponents()) {
        if (!c.isAnnotationPresent(Opt.class)) {
          out.add(Arguments.of(g, c.getName()));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} without {1}")
  @MethodSource("requiredClientFields")
  void missingRequiredFieldIsABadRequestNamingTheField(Golden golden, String field) {
    JsonObject json = golden.json();
    json.remove(field);
    json.addProperty("id", "r-1");

    ProtocolException e = decodeFails(json.toString());

    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.getMessage()).contains("'" + field + "'");
    assertThat(e.re()).isEqualTo("r-1");
  }

  @Test
  void requiredFieldSetToNullCountsAsMissing() {
    ProtocolException e = decodeFails("{\"type\":\"call.accept\",\"callId\":null}");

    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.getMessage()).contains("'callId'");
  }

  @Test
  void candidateWithoutItsCandidateLineIsABadRequest() {
    ProtocolException e =
        decodeFails(
            "{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":{\"sdpMid\":\"0\"}}");

    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.getMessage()).contains("'candidate'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"ack\",\"seq\":\"twelve\"}",
        "{\"type\":\"ack\",\"seq\":true}",
        "{\"type\":\"ack\",\"seq\":[1]}",
        "{\"type\":\"call.accept\",\"callId\":{\"id\":\"c1\"}}",
        "{\"type\":\"call.accept\",\"callId\":[\"c1\"]}",
        "{\"type\":\"call.invite\",\"callId\":\"c1\",\"to\":\"bob\",\"record\":{}}",
        "{\"type\":\"call.invite\",\"callId\":\"c1\",\"to\":\"bob\",\"record\":7}",
        "{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":\"candidate:1 1 udp\"}",
        "{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":"
            + "{\"candidate\":\"candidate:1\",\"sdpMLineIndex\":\"first\"}}",
        "{\"type\":\"chat.read\",\"msgId\":\"latest\"}",
        "{\"type\":\"chat.send\",\"to\":\"bob\",\"text\":{\"body\":\"hi\"},\"clientMsgId\":\"m1\"}"
      })
  void wrongFieldTypeIsABadRequest(String json) {
    assertThat(decodeFails(json).code()).isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void wrongFieldTypeAnswersTheId() {
    ProtocolException e = decodeFails("{\"type\":\"ack\",\"id\":\"a-9\",\"seq\":\"twelve\"}");

    assertThat(e.re()).isEqualTo("a-9");
  }

  @Test
  void idThatIsNotAScalarIsABadRequest() {
    assertThat(decodeFails("{\"type\":\"ping\",\"id\":{\"n\":1}}").code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void unknownFieldsAreIgnored() {
    ClientMessage message =
        Codec.decodeClient(
            "{\"type\":\"call.invite\",\"id\":\"c-1\",\"callId\":\"c1\",\"to\":\"bob\","
                + "\"video\":{\"width\":1280},\"codecs\":[\"vp8\"],\"priority\":null}");

    assertThat(message).isEqualTo(new ClientMessage.CallInvite("c-1", "c1", "bob", null));
  }

  @Test
  void unknownFieldsOfServerMessagesAreIgnored() {
    Sequenced s =
        Codec.decodeServer(
            "{\"type\":\"presence\",\"user\":\"bob\",\"online\":true,\"seq\":4,\"device\":\"ios\"}");

    assertThat(s).isEqualTo(new Sequenced(4, new ServerMessage.Presence("bob", true)));
  }

  @Test
  void nullCandidateIsAcceptedAsEndOfCandidates() {
    ClientMessage message =
        Codec.decodeClient("{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":null}");

    assertThat(message).isEqualTo(new ClientMessage.IceCandidate(null, "c1", null));
  }

  @Test
  void absentCandidateIsAcceptedAsEndOfCandidates() {
    ClientMessage message = Codec.decodeClient("{\"type\":\"ice.candidate\",\"callId\":\"c1\"}");

    assertThat(message).isEqualTo(new ClientMessage.IceCandidate(null, "c1", null));
  }

  @Test
  void candidateWithOnlyItsLineIsAccepted() {
    ClientMessage message =
        Codec.decodeClient(
            "{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":{\"candidate\":\"\"}}");

    assertThat(message)
        .isEqualTo(new ClientMessage.IceCandidate(null, "c1", new Candidate("", null, null)));
  }

  @Test
  void numericIdIsEchoedAsText() {
    ProtocolException e = decodeFails("{\"type\":\"nope\",\"id\":12}");

    assertThat(e.re()).isEqualTo("12");
  }

  @Test
  void protocolExceptionBecomesAnErrorReply() {
    ProtocolException e = decodeFails("{\"type\":\"call.teleport\",\"id\":\"q-7\"}");

    ServerMessage.Error error = e.toError();

    assertThat(error.code()).isEqualTo("unknown_type");
    assertThat(error.re()).isEqualTo("q-7");
    assertThat(error.message()).isEqualTo(e.getMessage());
  }

  // --- Known leniency of Gson, kept as disabled tests until Codec is fixed (see the report). ---

  @Test
  void stringForABooleanFieldIsABadRequest() {
    assertThat(
            decodeFails(
                    "{\"type\":\"call.invite\",\"callId\":\"c1\",\"to\":\"bob\",\"record\":\"yes\"}")
                .code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void numberForAStringFieldIsABadRequest() {
    assertThat(decodeFails("{\"type\":\"call.accept\",\"callId\":42}").code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void fractionalNumberForAnIntegerFieldIsABadRequest() {
    assertThat(decodeFails("{\"type\":\"ack\",\"seq\":1.5}").code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void nonStandardJsonIsABadRequest() {
    assertThat(decodeFails("{type:'ping'}").code()).isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  void aWrongTypeNamesTheField() {
    assertThat(decodeFails("{\"type\":\"ack\",\"seq\":\"abc\"}").getMessage()).contains("'seq'");
    assertThat(
            decodeFails(
                    "{\"type\":\"ice.candidate\",\"callId\":\"c\",\"candidate\":{\"candidate\":5}}")
                .getMessage())
        .contains("'candidate.candidate'");
  }

  @Test
  void peekIdReadsOnlyTheIdAndNeverThrows() {
    assertThat(Codec.peekId("{\"type\":\"chat.send\",\"id\":\"m-7\",\"to\":5}")).hasValue("m-7");
    assertThat(Codec.peekId("{\"type\":\"ping\"}")).isEmpty();
    assertThat(Codec.peekId("{\"id\":{\"nested\":1}}")).isEmpty();
    assertThat(Codec.peekId("{not json")).isEmpty();
    assertThat(Codec.peekId("[1,2]")).isEmpty();
  }

  private static ProtocolException decodeFails(String json) {
    ProtocolException e =
        catchThrowableOfType(ProtocolException.class, () -> Codec.decodeClient(json));
    assertThat(e).as("decoding %s must fail with a ProtocolException", json).isNotNull();
    return e;
  }
}
