package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.duet.protocol.Goldens.Golden;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas in {@code docs/schema} are valid draft 2020-12, say what the records say, and
 * accept every golden example.
 */
class SchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  static Stream<Golden> goldens() {
    return Goldens.all().stream();
  }

  static Stream<Arguments> schemas() {
    return Stream.concat(
        Arrays.stream(ClientType.values())
            .map(t -> Arguments.of("client", t.wire(), t.type(), false)),
        Arrays.stream(ServerType.values())
            .map(t -> Arguments.of("server", t.wire(), t.type(), t != ServerType.WELCOME)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldens")
  void goldenExampleValidatesAgainstItsSchema(Golden golden) throws IOException {
    JsonSchema schema = FACTORY.getSchema(read(golden.schema()));
    Set<ValidationMessage> errors = schema.validate(JSON.readTree(golden.text()));
    assertThat(errors).as("%s against %s", golden, golden.schema()).isEmpty();
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("schemas")
  void schemaIsValidDraft202012(String direction, String wire, Class<?> type, boolean seq)
      throws IOException {
    JsonNode node = read(Goldens.schema(direction, wire));
    assertThat(node.path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    JsonSchema meta = FACTORY.getSchema(SchemaLocation.of(SchemaId.V202012));
    assertThat(meta.validate(node)).isEmpty();
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("schemas")
  void schemaRequiresExactlyTheRecordsRequiredComponents(
      String direction, String wire, Class<?> type, boolean seq) throws IOException {
    JsonNode schema = read(Goldens.schema(direction, wire));
    Set<String> expected = new HashSet<>(requiredComponents(type));
    expected.add("type");
    if (seq) {
      expected.add("seq");
    }
    assertThat(strings(schema.path("required"))).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(schema.path("properties").path("type").path("const").asText()).isEqualTo(wire);
    assertThat(schema.path("additionalProperties").isMissingNode())
        .as("unknown fields are ignored, so the schema must allow them")
        .isTrue();
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("schemas")
  void schemaDescribesEveryComponentWithItsJsonType(
      String direction, String wire, Class<?> type, boolean seq) throws IOException {
    JsonNode properties = read(Goldens.schema(direction, wire)).path("properties");
    Set<String> expected = new HashSet<>();
    expected.add("type");
    if (seq) {
      expected.add("seq");
    }
    for (RecordComponent c : type.getRecordComponents()) {
      expected.add(c.getName());
      String jsonType = jsonType(c.getType());
      if (jsonType != null && properties.path(c.getName()).has("type")) {
        assertThat(properties.path(c.getName()).path("type").asText())
            .as("%s.%s", wire, c.getName())
            .isEqualTo(jsonType);
      }
    }
    List<String> names = new ArrayList<>();
    properties.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyInAnyOrderElementsOf(expected);
    if (seq) {
      assertThat(properties.path("seq").path("type").asText()).isEqualTo("integer");
      assertThat(properties.path("seq").path("minimum").asInt()).isEqualTo(1);
    }
  }

  @Test
  void nestedObjectsRequireTheirRecordsRequiredComponents() throws IOException {
    JsonNode candidate = read(Goldens.schema("client", "ice.candidate")).path("$defs");
    assertThat(strings(candidate.path("candidate").path("required")))
        .containsExactlyInAnyOrderElementsOf(requiredComponents(Candidate.class));
    JsonNode serverCandidate = read(Goldens.schema("server", "ice.candidate")).path("$defs");
    assertThat(strings(serverCandidate.path("candidate").path("required")))
        .containsExactlyInAnyOrderElementsOf(requiredComponents(Candidate.class));
    JsonNode welcome = read(Goldens.schema("server", "welcome")).path("$defs");
    assertThat(strings(welcome.path("iceServer").path("required")))
        .containsExactlyInAnyOrderElementsOf(requiredComponents(IceServer.class));
    assertThat(strings(welcome.path("limits").path("required")))
        .containsExactlyInAnyOrderElementsOf(requiredComponents(Limits.class));
  }

  @Test
  void endReasonEnumListsEveryEndReason() throws IOException {
    JsonNode reason =
        read(Goldens.schema("server", "call.ended")).path("properties").path("reason");
    assertThat(strings(reason.path("enum")))
        .containsExactlyElementsOf(Arrays.stream(EndReason.values()).map(EndReason::wire).toList());
  }

  @Test
  void errorCodeEnumListsEveryErrorCode() throws IOException {
    JsonNode code = read(Goldens.schema("server", "error")).path("properties").path("code");
    assertThat(strings(code.path("enum")))
        .containsExactlyElementsOf(Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).toList());
  }

  @Test
  void schemaRefusesAMessageLackingARequiredField() throws IOException {
    JsonSchema schema = FACTORY.getSchema(read(Goldens.schema("client", "call.invite")));
    assertThat(schema.validate(JSON.readTree("{\"type\":\"call.invite\",\"to\":\"bob\"}")))
        .isNotEmpty();
    JsonSchema ended = FACTORY.getSchema(read(Goldens.schema("server", "call.ended")));
    assertThat(
            ended.validate(
                JSON.readTree("{\"type\":\"call.ended\",\"callId\":\"c1\",\"reason\":\"hangup\"}")))
        .as("a server message without seq")
        .isNotEmpty();
    assertThat(
            ended.validate(
                JSON.readTree(
                    "{\"type\":\"call.ended\",\"callId\":\"c1\",\"reason\":\"bored\",\"seq\":1}")))
        .as("an unknown end reason")
        .isNotEmpty();
  }

  @Test
  void schemaAllowsUnknownFields() throws IOException {
    JsonSchema schema = FACTORY.getSchema(read(Goldens.schema("client", "ping")));
    assertThat(schema.validate(JSON.readTree("{\"type\":\"ping\",\"client\":\"ios/2.3\"}")))
        .isEmpty();
  }

  @Test
  void endOfCandidatesMayBeNullOrAbsent() throws IOException {
    JsonSchema schema = FACTORY.getSchema(read(Goldens.schema("client", "ice.candidate")));
    assertThat(schema.validate(JSON.readTree("{\"type\":\"ice.candidate\",\"callId\":\"c1\"}")))
        .isEmpty();
    assertThat(
            schema.validate(
                JSON.readTree("{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":null}")))
        .isEmpty();
    assertThat(
            schema.validate(
                JSON.readTree(
                    "{\"type\":\"ice.candidate\",\"callId\":\"c1\",\"candidate\":{\"sdpMid\":\"0\"}}")))
        .as("a candidate object without its candidate line")
        .isNotEmpty();
  }

  static Set<String> requiredComponents(Class<?> record) {
    Set<String> names = new HashSet<>();
    for (RecordComponent c : record.getRecordComponents()) {
      if (!c.isAnnotationPresent(Opt.class)) {
        names.add(c.getName());
      }
    }
    return names;
  }

  private static String jsonType(Class<?> type) {
    Map<Class<?>, String> types =
        Map.of(
            String.class, "string",
            Long.class, "integer",
            Integer.class, "integer",
            Boolean.class, "boolean");
    return types.get(type);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static JsonNode read(Path path) throws IOException {
    return JSON.readTree(path.toFile());
  }
}
