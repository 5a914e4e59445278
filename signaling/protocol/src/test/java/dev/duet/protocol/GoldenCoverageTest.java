package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Goldens.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every message type has a golden example and a schema; every golden names a known type. */
class GoldenCoverageTest {

  @Test
  void everyClientTypeHasAGoldenExample() {
    Set<String> names = names(Goldens.client());
    List<String> missing =
        Arrays.stream(ClientType.values())
            .map(ClientType::wire)
            .filter(wire -> !names.contains(wire))
            .toList();
    assertThat(missing).as("client types without golden/client/<type>.json").isEmpty();
  }

  @Test
  void everyServerTypeHasAGoldenExample() {
    Set<String> names = names(Goldens.server());
    List<String> missing =
        Arrays.stream(ServerType.values())
            .map(ServerType::wire)
            .filter(wire -> !names.contains(wire))
            .toList();
    assertThat(missing).as("server types without golden/server/<type>.json").isEmpty();
  }

  @Test
  void everyClientTypeHasASchema() {
    List<String> missing =
        Arrays.stream(ClientType.values())
            .map(ClientType::wire)
            .filter(wire -> !Files.isRegularFile(Goldens.schema("client", wire)))
            .toList();
    assertThat(missing).as("client types without docs/schema/client/<type>.schema.json").isEmpty();
  }

  @Test
  void everyServerTypeHasASchema() {
    List<String> missing =
        Arrays.stream(ServerType.values())
            .map(ServerType::wire)
            .filter(wire -> !Files.isRegularFile(Goldens.schema("server", wire)))
            .toList();
    assertThat(missing).as("server types without docs/schema/server/<type>.schema.json").isEmpty();
  }

  @Test
  void everyClientGoldenNamesAKnownClientType() {
    for (Golden g : Goldens.client()) {
      assertThat(ClientType.ofWire(g.type())).as("type of %s", g).isPresent();
      assertThat(g.name()).as("file name of %s", g).satisfies(n -> namesItsType(n, g.type()));
    }
  }

  @Test
  void everyServerGoldenNamesAKnownServerType() {
    for (Golden g : Goldens.server()) {
      assertThat(ServerType.ofWire(g.type())).as("type of %s", g).isPresent();
      assertThat(g.name()).as("file name of %s", g).satisfies(n -> namesItsType(n, g.type()));
    }
  }

  @Test
  void everySchemaFileNamesAKnownType() {
    Set<String> client =
        Arrays.stream(ClientType.values()).map(ClientType::wire).collect(Collectors.toSet());
    Set<String> server =
        Arrays.stream(ServerType.values()).map(ServerType::wire).collect(Collectors.toSet());
    assertThat(schemaNames("client")).isSubsetOf(client);
    assertThat(schemaNames("server")).isSubsetOf(server);
  }

  @Test
  void endOfCandidatesHasItsOwnExample() {
    assertThat(names(Goldens.client())).contains("ice.candidate.end");
    Golden end =
        Goldens.client().stream()
            .filter(g -> g.name().equals("ice.candidate.end"))
            .findFirst()
            .orElseThrow();
    assertThat(end.json().has("candidate")).isTrue();
    assertThat(end.json().get("candidate").isJsonNull()).isTrue();
  }

  @Test
  void serverGoldensCarrySeqExceptWelcome() {
    for (Golden g : Goldens.server()) {
      if (g.type().equals("welcome")) {
        assertThat(g.json().has("seq")).as("%s must not carry seq", g).isFalse();
      } else {
        assertThat(g.json().has("seq")).as("%s must carry seq", g).isTrue();
        assertThat(g.json().get("seq").getAsLong()).as("seq of %s", g).isPositive();
      }
    }
  }

  private static void namesItsType(String fileName, String type) {
    assertThat(fileName.equals(type) || fileName.startsWith(type + "."))
        .as(
            "'%s.json' must be named <type>.json or <type>.<variant>.json for type '%s'",
            fileName, type)
        .isTrue();
  }

  private static Set<String> names(List<Golden> goldens) {
    return goldens.stream().map(Golden::name).collect(Collectors.toSet());
  }

  private static Set<String> schemaNames(String direction) {
    try (Stream<Path> files = Files.list(Goldens.SCHEMA_DIR.resolve(direction))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".schema.json"))
          .map(n -> n.substring(0, n.length() - ".schema.json".length()))
          .collect(Collectors.toSet());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
