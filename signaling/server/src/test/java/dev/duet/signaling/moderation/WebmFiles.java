package dev.duet.signaling.moderation;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real WebM recordings (VP8 + Opus) made by the real ffmpeg, as the media relay would leave. */
public final class WebmFiles {
  private WebmFiles() {}

  /**
   * Writes a {@code seconds}-long WebM of FFmpeg's test pattern and a sine tone to {@code file}.
   *
   * @param frequency the tone, so the two parties of a call sound different
   */
  public static Path write(Path file, int seconds, int frequency) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path log = Files.createTempFile("duet-ffmpeg", ".log");
      try {
        Process p =
            new ProcessBuilder(
                    List.of(
                        "ffmpeg",
                        "-nostdin",
                        "-hide_banner",
                        "-loglevel",
                        "error",
                        "-y",
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc=size=320x240:rate=15",
                        "-f",
                        "lavfi",
                        "-i",
                        "sine=frequency=" + frequency,
                        "-t",
                        Integer.toString(seconds),
                        "-c:v",
                        "libvpx",
                        "-b:v",
                        "300k",
                        "-c:a",
                        "libopus",
                        "-f",
                        "webm",
                        file.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("ffmpeg took over 60 s");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(
              "ffmpeg failed (" + p.exitValue() + "): " + Files.readString(log));
        }
      } finally {
        Files.deleteIfExists(log);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Deletes a folder tree, best effort (a temp folder). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temp folder left behind is harmless
    }
  }
}
