package dev.duet.signaling.moderation;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@link MediaProbe} running FFmpeg's {@code ffprobe}: {@code ffprobe -v error -show_entries
 * format=duration:stream=codec_name -of json FILE}. A file ffprobe cannot open, one it reports
 * errors for (a truncated file: "File ended prematurely"), or one without streams is unplayable.
 * When the container has no duration (a live-muxed WebM), the duration is the end of the last
 * packet.
 */
public final class Ffprobe implements MediaProbe {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_PROBLEM = 300;

  private final String executable;

  public Ffprobe(String executable) {
    this.executable = executable;
  }

  /** The {@code ffprobe} on the {@code PATH}, if there is one. */
  public static Optional<Ffprobe> onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "ffprobe");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(new Ffprobe(candidate.toString()));
      }
    }
    return Optional.empty();
  }

  @Override
  public ProbeReport probe(Path file) {
    Run run =
        run(
            List.of(
                executable,
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_name",
                "-of",
                "json",
                file.toString()));
    if (run.exitCode != 0) {
      // The last line is ffprobe's verdict ("FILE: Invalid data found when processing input").
      String verdict = lastLine(run.stderr, "exit " + run.exitCode);
      return ProbeReport.unplayable(
          "ffprobe: " + verdict.replace(file.toString(), file.getFileName().toString()));
    }
    JsonObject json;
    try {
      json = JsonParser.parseString(run.stdout).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      return ProbeReport.unplayable("ffprobe printed no JSON");
    }
    List<String> codecs = new ArrayList<>();
    if (json.has("streams") && json.get("streams").isJsonArray()) {
      for (JsonElement stream : json.getAsJsonArray("streams")) {
        JsonElement name = stream.getAsJsonObject().get("codec_name");
        if (name != null && name.isJsonPrimitive() && !name.getAsString().isBlank()) {
          codecs.add(name.getAsString().replace(",", "_"));
        }
      }
    }
    if (codecs.isEmpty()) {
      return ProbeReport.unplayable("no audio or video stream");
    }
    // The header's duration says what the muxer meant to write; reading every packet (demuxing
    // only, no decoding) finds a file cut short after its header.
    Packets packets = packets(file);
    Optional<String> problem =
        Optional.of(run.stderr + "\n" + packets.errors)
            .filter(e -> !e.isBlank())
            .map(e -> "damaged or truncated: " + firstLine(e, "errors"));
    Optional<Duration> duration = seconds(json.getAsJsonObject("format"), "duration");
    if (duration.isEmpty() || problem.isPresent()) {
      duration = packets.end;
    }
    return new ProbeReport(duration, codecs, problem);
  }

  private record Packets(Optional<Duration> end, String errors) {}

  /** The end of the last packet, and any errors reading the packets. */
  private Packets packets(Path file) {
    Run run =
        run(
            List.of(
                executable,
                "-v",
                "error",
                "-show_entries",
                "packet=pts_time,duration_time",
                "-of",
                "csv=p=0",
                file.toString()));
    double end = 0;
    for (String line : run.stdout.split("\n")) {
      String[] parts = line.trim().split(",");
      try {
        double pts = Double.parseDouble(parts[0]);
        double length = parts.length > 1 && !parts[1].isEmpty() ? Double.parseDouble(parts[1]) : 0;
        end = Math.max(end, pts + length);
      } catch (NumberFormatException e) {
        // N/A or an empty line
      }
    }
    String errors = run.exitCode != 0 && run.stderr.isBlank() ? "exit " + run.exitCode : run.stderr;
    return new Packets(
        end > 0 ? Optional.of(Duration.ofMillis(Math.round(end * 1000))) : Optional.empty(),
        errors);
  }

  private static Optional<Duration> seconds(JsonObject object, String field) {
    if (object == null || !object.has(field)) {
      return Optional.empty();
    }
    try {
      double s = Double.parseDouble(object.get(field).getAsString());
      return s > 0 && Double.isFinite(s)
          ? Optional.of(Duration.ofMillis(Math.round(s * 1000)))
          : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String firstLine(String text, String otherwise) {
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (!l.isEmpty()) {
        return l.length() > MAX_PROBLEM ? l.substring(0, MAX_PROBLEM) : l;
      }
    }
    return otherwise;
  }

  private static String lastLine(String text, String otherwise) {
    String[] lines = text.strip().split("\n");
    String l = lines[lines.length - 1].strip();
    if (l.isEmpty()) {
      return otherwise;
    }
    return l.length() > MAX_PROBLEM ? l.substring(0, MAX_PROBLEM) : l;
  }

  private record Run(int exitCode, String stdout, String stderr) {}

  /** Runs ffprobe with its output in temporary files (no pipe can fill up), with a timeout. */
  private static Run run(List<String> command) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("duet-ffprobe", ".out");
      err = Files.createTempFile("duet-ffprobe", ".err");
      Process process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new ModerationException(
            ModerationException.Kind.INTERNAL, "ffprobe took longer than " + TIMEOUT);
      }
      return new Run(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ModerationException(
          ModerationException.Kind.INTERNAL, "cannot run ffprobe: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModerationException(ModerationException.Kind.INTERNAL, "interrupted", e);
    } finally {
      delete(out);
      delete(err);
    }
  }

  private static void delete(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temp file left behind is harmless
      }
    }
  }
}
