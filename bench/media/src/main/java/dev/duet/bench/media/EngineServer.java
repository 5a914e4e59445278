package dev.duet.bench.media;

import dev.duet.media.engine.testing.BrowserPeer;
import dev.duet.media.engine.testing.EndpointEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.kurento.client.KurentoClient;
import org.kurento.client.MediaPipeline;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.WebRtcEndpoint;

/** Duet's engine as its own process (java -jar duet-media-engine.jar), driven by kurento-client. */
final class EngineServer implements MediaBench.Server {
  private final Process process;
  private final Path recordings;
  private final KurentoClient kurento;
  private MediaPipeline pipeline;
  private RecorderEndpoint aRec;
  private RecorderEndpoint bRec;

  EngineServer(Path jar, Path dir) throws Exception {
    recordings = dir.resolve("rec");
    Files.createDirectories(recordings);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar.toString());
    pb.environment().put("DUET_ENGINE_PORT", Integer.toString(port));
    pb.environment().put("DUET_ENGINE_HOST", "127.0.0.1");
    pb.environment().put("DUET_RECORDINGS_DIR", recordings.toString());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("engine.log").toFile());
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        break;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("engine did not start; see " + dir.resolve("engine.log"));
        }
        Thread.sleep(200);
      }
    }
    kurento = KurentoClient.create("ws://127.0.0.1:" + port + "/kurento");
  }

  @Override
  public String name() {
    return "engine";
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public void call(BrowserPeer alice, BrowserPeer bob, boolean record) throws Exception {
    pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint a = new WebRtcEndpoint.Builder(pipeline).build();
    WebRtcEndpoint b = new WebRtcEndpoint.Builder(pipeline).build();
    EndpointEvents aEvents = new EndpointEvents(a);
    EndpointEvents bEvents = new EndpointEvents(b);
    a.connect(b);
    b.connect(a);
    if (!record) {
      alice.negotiate(a, aEvents);
      bob.negotiate(b, bEvents);
      return;
    }
    aRec =
        new RecorderEndpoint.Builder(pipeline, recordings.resolve("alice.webm").toUri().toString())
            .build();
    bRec =
        new RecorderEndpoint.Builder(pipeline, recordings.resolve("bob.webm").toUri().toString())
            .build();
    CompletableFuture<Void> aRecording = new CompletableFuture<>();
    CompletableFuture<Void> bRecording = new CompletableFuture<>();
    aRec.addRecordingListener(e -> aRecording.complete(null));
    bRec.addRecordingListener(e -> bRecording.complete(null));
    a.connect(aRec);
    b.connect(bRec);
    alice.negotiate(a, aEvents);
    bob.negotiate(b, bEvents);
    aRec.record();
    bRec.record();
    aRecording.get(20, TimeUnit.SECONDS);
    bRecording.get(20, TimeUnit.SECONDS);
  }

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  @Override
  public double heapUsedMb() {
    try {
      String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
      Process p =
          new ProcessBuilder(jcmd, Long.toString(pid()), "GC.heap_info")
              .redirectErrorStream(true)
              .start();
      String text =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor(20, TimeUnit.SECONDS);
      Matcher m = USED.matcher(text);
      return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  @Override
  public void hangUp() {
    if (aRec != null) {
      aRec.stopAndWait();
      bRec.stopAndWait();
    }
    pipeline.release();
  }

  @Override
  public String recordingSummary() throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> files = Files.list(recordings)) {
      for (Path f : files.sorted().toList()) {
        sb.append(f.getFileName()).append(' ').append(Files.size(f) / 1024).append(" KiB ");
      }
    }
    return sb.toString().trim();
  }

  @Override
  public void close() throws Exception {
    try {
      kurento.destroy();
    } finally {
      process.destroy(); // SIGTERM to this PID only
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
