package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordingTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/etc/passwd",
        "../x.webm",
        "a/../../x.webm",
        "a//b.webm",
        "./a.webm",
        "",
        "c:\\x"
      })
  void aFilePathMustStayInsideTheRecordingsFolder(String path) {
    assertThatThrownBy(() -> recording(path, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a.webm", "2025/03/01/call-1/alice.webm"})
  void plainRelativePathsAreAccepted(String path) {
    assertThat(recording(path, Optional.empty()).filePath()).isEqualTo(path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "AB", "zz"})
  void theChecksumMustBeLowerCaseHexSha256(String prefix) {
    String sha = (prefix + "0".repeat(64)).substring(0, 64);
    assertThatThrownBy(() -> recording("a.webm", Optional.of(sha.toUpperCase())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ok", "partial", "failed"})
  void statusesRoundTripTheirWireNames(String name) {
    assertThat(RecordingStatus.fromWireName(name).wireName()).isEqualTo(name);
  }

  private static Recording recording(String path, Optional<String> sha) {
    return Recording.catalogued(
        "r",
        "c",
        "alice",
        path,
        Instant.EPOCH,
        Duration.ofSeconds(1),
        1,
        List.of("vp8"),
        RecordingStatus.OK,
        sha);
  }
}
