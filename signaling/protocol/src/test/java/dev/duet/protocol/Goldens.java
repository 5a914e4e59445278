package dev.duet.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The golden JSON examples under {@code src/test/resources/golden/{client,server}}: one file per
 * message type, {@code <wire-type>.json}, plus variants {@code <wire-type>.<variant>.json}. The
 * protocol documentation links the same files.
 */
final class Goldens {
  /** The JSON Schemas, relative to the module directory (Surefire's working directory). */
  static final Path SCHEMA_DIR = Path.of("../../docs/schema");

  /** The golden examples, relative to the module directory. */
  static final Path GOLDEN_DIR = Path.of("src/test/resources/golden");

  private Goldens() {}

  /** One golden file. */
  record Golden(String direction, Path path) {
    /** The file name without {@code .json}: the wire type, or the wire type and a variant. */
    String name() {
      String file = path.getFileName().toString();
      return file.substring(0, file.length() - ".json".length());
    }

    String text() {
      try {
        return Files.readString(path, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    JsonObject json() {
      return JsonParser.parseString(text()).getAsJsonObject();
    }

    /** The {@code type} field of the example. */
    String type() {
      JsonElement type = json().get("type");
      return type == null || !type.isJsonPrimitive() ? "" : type.getAsString();
    }

    Path schema() {
      return SCHEMA_DIR.resolve(direction).resolve(type() + ".schema.json");
    }

    @Override
    public String toString() {
      return direction + "/" + path.getFileName();
    }
  }

  static List<Golden> client() {
    return list("client");
  }

  static List<Golden> server() {
    return list("server");
  }

  static List<Golden> all() {
    return Stream.concat(client().stream(), server().stream()).toList();
  }

  /**
   * The golden directory in the source tree (not the copy on the test classpath, which keeps files
   * deleted from the source until {@code mvn clean}).
   */
  static Path dir(String direction) {
    return GOLDEN_DIR.resolve(direction);
  }

  static Path schema(String direction, String wireType) {
    return SCHEMA_DIR.resolve(direction).resolve(wireType + ".schema.json");
  }

  private static List<Golden> list(String direction) {
    try (Stream<Path> files = Files.list(dir(direction))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".json"))
          .sorted()
          .map(p -> new Golden(direction, p))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
