package dev.duet.media.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What {@code ffprobe} and {@code ffmpeg} say about a recording.
 *
 * @param codecs the streams' codec names
 * @param duration the container duration in seconds, if present
 * @param startTime the container start time in seconds, if present
 * @param decodeExit exit code of {@code ffmpeg -v error -i f -f null -}
 * @param decodeErrors what that printed
 */
public record WebmProbe(
    List<String> codecs,
    Optional<Double> duration,
    Optional<Double> startTime,
    int decodeExit,
    String decodeErrors) {

  public static WebmProbe of(Path file) throws IOException, InterruptedException {
    String json =
        run(
            List.of(
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                file.toString()));
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    List<String> codecs = new ArrayList<>();
    if (o.has("streams")) {
      for (JsonElement s : o.getAsJsonArray("streams")) {
        codecs.add(s.getAsJsonObject().get("codec_name").getAsString());
      }
    }
    Optional<Double> duration = Optional.empty();
    if (o.has("format") && o.getAsJsonObject("format").has("duration")) {
      duration = Optional.of(o.getAsJsonObject("format").get("duration").getAsDouble());
    }
    Optional<Double> start = Optional.empty();
    if (o.has("format") && o.getAsJsonObject("format").has("start_time")) {
      start = Optional.of(o.getAsJsonObject("format").get("start_time").getAsDouble());
    }
    Process p =
        new ProcessBuilder(
                "ffmpeg", "-nostdin", "-v", "error", "-i", file.toString(), "-f", "null", "-")
            .redirectErrorStream(true)
            .start();
    String errors = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("ffmpeg timed out on " + file);
    }
    return new WebmProbe(List.copyOf(codecs), duration, start, p.exitValue(), errors);
  }

  /** {@code ffprobe}'s values of {@code entries} for the first video stream, one per line. */
  private static String videoEntries(Path file, String entries, String... extra)
      throws IOException, InterruptedException {
    return streamEntries(file, "v:0", entries, extra);
  }

  private static String streamEntries(Path file, String stream, String entries, String... extra)
      throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("ffprobe", "-v", "error"));
    cmd.addAll(List.of(extra));
    cmd.addAll(
        List.of(
            "-select_streams",
            stream,
            "-show_entries",
            entries,
            "-of",
            "csv=p=0",
            file.toString()));
    return run(cmd);
  }

  /** The presentation times of the audio packets of {@code file}, in file order. */
  public static List<Double> audioPacketTimes(Path file) throws IOException, InterruptedException {
    List<Double> times = new ArrayList<>();
    for (String line : streamEntries(file, "a:0", "packet=pts_time").lines().toList()) {
      String t = line.strip().replace(",", "");
      if (!t.isEmpty() && !t.equals("N/A")) {
        times.add(Double.parseDouble(t));
      }
    }
    return times;
  }

  /** Video frames ffprobe can read from {@code file} (which may be cut short). */
  static long videoFramesIn(Path file) throws IOException, InterruptedException {
    String out = videoEntries(file, "stream=nb_read_frames", "-count_frames");
    return out.strip().matches("\\d+") ? Long.parseLong(out.strip()) : 0; // N/A: no frame yet
  }

  /**
   * One video packet as the container has it.
   *
   * @param seconds its presentation time
   * @param keyframe whether the container marks it a keyframe
   */
  public record Packet(double seconds, boolean keyframe) {}

  /** The video packets of {@code file} in file order, read without decoding them. */
  public static List<Packet> videoPackets(Path file) throws IOException, InterruptedException {
    String out = videoEntries(file, "packet=pts_time,flags");
    List<Packet> packets = new ArrayList<>();
    for (String line : out.lines().toList()) {
      String[] f = line.strip().split(",", -1);
      if (f.length == 2 && !f[0].equals("N/A")) {
        packets.add(new Packet(Double.parseDouble(f[0]), f[1].startsWith("K")));
      }
    }
    return packets;
  }

  /**
   * What a failed frame count needs to be understood: the file's size, its video packets (were
   * frames written at all?) and decoded frames (were they decodable?).
   */
  static String describe(Path file) throws IOException, InterruptedException {
    long size = java.nio.file.Files.exists(file) ? java.nio.file.Files.size(file) : -1;
    return file.getFileName()
        + ": "
        + size
        + " bytes, "
        + videoPackets(file).size()
        + " video packets, "
        + videoFramesIn(file)
        + " decoded video frames";
  }

  /** The widths of the decoded video frames of {@code file}, each once. */
  static java.util.Set<Integer> frameWidths(Path file) throws IOException, InterruptedException {
    String out = videoEntries(file, "frame=width");
    java.util.Set<Integer> widths = new java.util.TreeSet<>();
    for (String line : out.split("\\R")) {
      if (line.strip().matches("\\d+")) {
        widths.add(Integer.parseInt(line.strip()));
      }
    }
    return widths;
  }

  /** The README's repair step for a recording cut by a crash: remux it. */
  static void repair(Path cut, Path repaired) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-i",
                cut.toString(),
                "-c",
                "copy",
                repaired.toString())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("ffmpeg timed out");
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " timed out");
    }
    return out;
  }
}
