package dev.duet.media.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kurento.client.KurentoClient;
import org.kurento.client.MediaPipeline;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.WebRtcEndpoint;

/** Releasing pipelines gives back threads, file descriptors and UDP ports. */
class ResourceHygieneIT {
  @TempDir Path recordings;
  private MediaEngine engine;
  private KurentoClient kurento;

  @BeforeEach
  void start() throws IOException {
    engine = MediaEngine.start(EngineConfig.defaults().withPort(0).withRecordingsRoot(recordings));
    kurento = KurentoClient.create(engine.uri().toString());
  }

  @AfterEach
  void stop() {
    kurento.destroy();
    engine.close();
  }

  /** Pipeline, two negotiated endpoints connected both ways, a recorder that records and stops. */
  private Usage cycle(int i) throws IOException {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint a = new WebRtcEndpoint.Builder(pipeline).build();
    WebRtcEndpoint b = new WebRtcEndpoint.Builder(pipeline).build();
    a.addIceCandidateFoundListener(e -> b.addIceCandidate(e.getCandidate()));
    b.addIceCandidateFoundListener(e -> a.addIceCandidate(e.getCandidate()));
    String offer = a.generateOffer();
    String answer = b.processOffer(offer);
    a.processAnswer(answer);
    a.gatherCandidates();
    b.gatherCandidates();
    a.connect(b);
    b.connect(a);
    RecorderEndpoint rec =
        new RecorderEndpoint.Builder(
                pipeline, recordings.resolve("r" + i + ".webm").toUri().toString())
            .build();
    a.connect(rec);
    rec.record();
    rec.stopAndWait();
    Usage inUse = usage();
    pipeline.release();
    return inUse;
  }

  @Test
  void fiftyCreateConnectReleaseCyclesLeaveNothingBehind() throws Exception {
    for (int i = 0; i < 3; i++) {
      cycle(i); // warm-up: GStreamer's and the libraries' one-time threads
    }
    Usage baseline = settledUsage(null);
    Usage inUse = cycle(3);
    assertThat(inUse.udpSockets())
        .as("a live pipeline holds UDP sockets")
        .isGreaterThan(baseline.udpSockets());
    for (int i = 4; i < 50; i++) {
      cycle(i);
    }
    assertThat(engine.objectCount()).isZero();
    Usage after = settledUsage(baseline);
    System.out.printf(
        "hygiene: baseline %s, in use %s, after 50 cycles %s%n", baseline, inUse, after);
    assertThat(after.threads()).as("threads").isLessThanOrEqualTo(baseline.threads());
    // Against the settled end, not the baseline: idle pool threads (GLib keeps them 15 s) can
    // still be counted in a baseline taken soon after the warm-up cycles.
    assertThat(inUse.threads()).as("a live pipeline holds threads").isGreaterThan(after.threads());
    assertThat(after.fds()).as("file descriptors").isLessThanOrEqualTo(baseline.fds());
    assertThat(after.udpSockets()).as("UDP sockets").isLessThanOrEqualTo(baseline.udpSockets());
  }

  @Test
  void iceListensOnlyInsideTheConfiguredPortRange() throws Exception {
    kurento.destroy();
    engine.close();
    engine =
        MediaEngine.start(
            EngineConfig.defaults()
                .withPort(0)
                .withRecordingsRoot(recordings)
                .withMediaPorts(41000, 41099));
    kurento = KurentoClient.create(engine.uri().toString());
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint a = new WebRtcEndpoint.Builder(pipeline).build();
    WebRtcEndpoint b = new WebRtcEndpoint.Builder(pipeline).build();
    a.processAnswer(b.processOffer(a.generateOffer()));
    a.gatherCandidates();
    b.gatherCandidates();
    List<Integer> udp = localPorts(List.of("/proc/net/udp", "/proc/net/udp6"), false);
    assertThat(udp)
        .as("UDP ports of this process")
        .isNotEmpty()
        .allMatch(p -> p >= 41000 && p <= 41099);
    List<Integer> listening = localPorts(List.of("/proc/net/tcp", "/proc/net/tcp6"), true);
    assertThat(listening).as("TCP listeners of this process").containsOnly(engine.port());
    pipeline.release();
  }

  /** Local ports of this process's sockets in the given tables (TCP: listening ones only). */
  private static List<Integer> localPorts(List<String> tables, boolean listenOnly)
      throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : s.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    List<Integer> ports = new java.util.ArrayList<>();
    for (String table : tables) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && inodes.contains(f[9]) && (!listenOnly || f[3].equals("0A"))) {
          ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }

  record Usage(int threads, int fds, int udpSockets) {
    boolean within(Usage limit) {
      return threads <= limit.threads && fds <= limit.fds && udpSockets <= limit.udpSockets;
    }
  }

  /**
   * Usage once native references are collected; waits (bounded) until it is within {@code limit},
   * or, with no limit (a baseline), until it has stopped falling.
   */
  private static Usage settledUsage(Usage limit) throws Exception {
    // Up to a minute: idle pool threads of the JDK and GLib end after their keep-alive (2 s for
    // the recorder's pools), later on a busy machine; the loop ends as soon as usage is back
    // within the limit. A baseline is the same three readings in a row, half a second apart,
    // past those keep-alives: the released pipelines' threads and the pools' idle ones are gone.
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(60);
    Usage u = null;
    int same = 0;
    while (true) {
      System.gc();
      Thread.sleep(limit == null ? 500 : 200); // cleaners and idle threads; bounded by deadline
      Usage previous = u;
      u = usage();
      same = u.equals(previous) ? same + 1 : 0;
      boolean settled =
          limit != null
              ? u.within(limit)
              : same >= 2 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(3);
      if (settled || System.nanoTime() > deadline) {
        return u;
      }
    }
  }

  private static Usage usage() throws IOException {
    int threads;
    try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
      threads = (int) s.count();
    }
    Set<String> socketInodes = new HashSet<>();
    int fds = 0;
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : s.toList()) {
        fds++;
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            socketInodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    int udp = 0;
    for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p); // read once: the table changes meanwhile
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && socketInodes.contains(f[9])) {
          udp++;
        }
      }
    }
    return new Usage(threads, fds, udp);
  }
}
