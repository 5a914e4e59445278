package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Keeps docs/protocol.md and docs/asyncapi.yaml in step with the protocol code. */
class ProtocolDocsTest {
  private static final Path DOCS = Path.of("../../docs");
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

  private static String protocolMd() throws IOException {
    return Files.readString(DOCS.resolve("protocol.md"), StandardCharsets.UTF_8);
  }

  @Test
  void protocolPageHasASectionForEveryClientType() throws IOException {
    String md = protocolMd();
    String client = between(md, "### Client to server", "### Server to client");
    for (ClientType t : ClientType.values()) {
      assertThat(client).as("section for client %s", t.wire()).contains("#### `" + t.wire() + "`");
    }
  }

  @Test
  void protocolPageHasASectionForEveryServerType() throws IOException {
    String md = protocolMd();
    String server = between(md, "### Server to client", "## The call flow");
    for (ServerType t : ServerType.values()) {
      assertThat(server).as("section for server %s", t.wire()).contains("#### `" + t.wire() + "`");
    }
  }

  @Test
  void protocolPageExplainsEveryEndReasonErrorCodeAndCloseCode()
      throws IOException, IllegalAccessException {
    String md = protocolMd();
    for (EndReason r : EndReason.values()) {
      assertThat(md).contains("| `" + r.wire() + "` |");
    }
    for (ErrorCode c : ErrorCode.values()) {
      assertThat(md).contains("| `" + c.wire() + "` |");
    }
    for (Field f : CloseCode.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
        assertThat(md).contains("| " + f.getInt(null) + " |");
      }
    }
    for (int standard : new int[] {1000, 1001, 1003, 1007, 1009}) {
      assertThat(md).contains("| " + standard + " |");
    }
  }

  @Test
  void protocolPageLinksOnlyFilesThatExist() throws IOException {
    Matcher m = LINK.matcher(protocolMd());
    List<String> broken = new ArrayList<>();
    int links = 0;
    while (m.find()) {
      String target = m.group(1);
      if (target.startsWith("http://") || target.startsWith("https://")) {
        continue;
      }
      links++;
      if (!Files.exists(DOCS.resolve(target))) {
        broken.add(target);
      }
    }
    assertThat(links).isGreaterThan(ClientType.values().length + ServerType.values().length);
    assertThat(broken).isEmpty();
  }

  @Test
  void protocolPageLinksEveryGoldenExample() throws IOException {
    String md = protocolMd();
    Goldens.all()
        .forEach(
            g ->
                assertThat(md)
                    .as("link to %s", g)
                    .contains("golden/" + g.direction() + "/" + g.path().getFileName() + ")"));
  }

  @Test
  void asyncApiListsEveryMessageWithItsSchema() throws IOException {
    JsonNode api =
        new ObjectMapper(new YAMLFactory()).readTree(DOCS.resolve("asyncapi.yaml").toFile());
    assertThat(api.path("asyncapi").asText()).isEqualTo("2.6.0");
    JsonNode channel = api.path("channels").path("/ws");
    List<String> published = refs(channel.path("publish").path("message").path("oneOf"));
    List<String> subscribed = refs(channel.path("subscribe").path("message").path("oneOf"));
    assertThat(published)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ClientType.values()).map(t -> "client." + t.wire()).toList());
    assertThat(subscribed)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ServerType.values()).map(t -> "server." + t.wire()).toList());
    JsonNode messages = api.path("components").path("messages");
    for (String key : concat(published, subscribed)) {
      JsonNode message = messages.path(key);
      assertThat(message.isMissingNode()).as("components.messages.%s", key).isFalse();
      String ref = message.path("payload").path("$ref").asText();
      String direction = key.substring(0, key.indexOf('.'));
      String wire = key.substring(key.indexOf('.') + 1);
      assertThat(ref).isEqualTo("./schema/" + direction + "/" + wire + ".schema.json");
      assertThat(DOCS.resolve(ref)).isRegularFile();
      assertThat(message.path("examples").get(0).path("payload").path("type").asText())
          .isEqualTo(wire);
    }
  }

  private static List<String> refs(JsonNode oneOf) {
    List<String> out = new ArrayList<>();
    oneOf.forEach(n -> out.add(n.path("$ref").asText().replace("#/components/messages/", "")));
    return out;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static String between(String text, String from, String to) {
    int start = text.indexOf(from);
    int end = text.indexOf(to, start + 1);
    assertThat(start).as("'%s' in protocol.md", from).isNotNegative();
    assertThat(end).as("'%s' in protocol.md", to).isGreaterThan(start);
    return text.substring(start, end);
  }
}
