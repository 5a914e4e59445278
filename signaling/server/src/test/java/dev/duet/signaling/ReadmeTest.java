package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Keeps the README honest: the two commands, and every setting Config reads. */
class ReadmeTest {
  static final Path ROOT = Path.of("../..");

  @Test
  void readmeStartsWithTheTwoCommands() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int run = readme.indexOf("./duet run");
    int test = readme.indexOf("./duet test");
    assertThat(run).isBetween(0, 2500);
    assertThat(test).isBetween(0, 2500);
    assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("./duet test");
  }

  @Test
  void everyEnvironmentVariableConfigReadsIsDocumented() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String config = Files.readString(Path.of("src/main/java/dev/duet/signaling/Config.java"));
    Matcher m = Pattern.compile("\"(DUET_[A-Z_]+)\"").matcher(config);
    int found = 0;
    while (m.find()) {
      found++;
      assertThat(readme).as("README documents %s", m.group(1)).contains(m.group(1));
    }
    assertThat(found).isGreaterThan(20);
  }
}
