package dev.duet.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One server under test, started as its own process on a free port: Duet (its jar), the bare Jetty
 * relay (a main of this module), or a Node reference (bench/node). It reads the process's CPU
 * seconds, RSS, threads and file descriptors from /proc and its heap after a full GC: {@code jcmd
 * GC.class_histogram} for a JVM (the histogram forces a full GC and totals the live objects), the
 * relay's {@code /stats} (after {@code global.gc()}) for Node.
 */
final class Target implements AutoCloseable {
  /** Duet's jar: DUET_BENCH_JAR, or the work tree's build. */
  static final Path DUET_JAR =
      Path.of(
          System.getenv()
              .getOrDefault("DUET_BENCH_JAR", "signaling/server/target/duet-signaling.jar"));

  /** This module's jar, the one running (agents and the Jetty relay start from it). */
  static final Path BENCH_JAR = ownJar();

  static final Path NODE_DIR = Path.of("bench/node");
  static final String JVM_HEAP = "-Xmx1g";

  final Kind kind;
  final int port;
  private final Process process;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Target(Kind kind, int port, Process process, Path log) {
    this.kind = kind;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  private static Path ownJar() {
    try {
      return Path.of(Target.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      return Path.of("bench/target/duet-bench.jar");
    }
  }

  /** The JVM flags (for the results file). */
  static String jvmFlags() {
    return JVM_HEAP + " (JDK default G1)";
  }

  static Target start(Kind kind, Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dir = Files.createTempDirectory("duet-bench-" + kind.name().toLowerCase());
    List<String> cmd = new ArrayList<>();
    switch (kind) {
      case DUET -> cmd.addAll(List.of("java", JVM_HEAP, "-jar", DUET_JAR.toString()));
      case JETTY ->
          cmd.addAll(
              List.of("java", JVM_HEAP, "-cp", BENCH_JAR.toString(), "dev.duet.bench.JettyRelay"));
      case NODE_WS -> cmd.addAll(List.of("node", "--expose-gc", "bench/node/ws-relay.js"));
      case PEERJS -> cmd.addAll(List.of("node", "--expose-gc", "bench/node/peerjs-server.js"));
    }
    if (kind == Kind.NODE_WS || kind == Kind.PEERJS) {
      npmInstall();
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("PORT", Integer.toString(port));
    env.put("DUET_PORT", Integer.toString(port));
    env.put("DUET_JWT_SECRET", Jwt.SECRET);
    env.put("DUET_DATA_DIR", dir.toString());
    env.put("DUET_LOG_LEVEL", "WARN");
    env.put("DUET_HEARTBEAT", "300s");
    env.put("DUET_RATE_LIMIT", "100000");
    env.put("DUET_CHAT_RATE_LIMIT", "100000");
    env.put("DUET_INVITE_RATE_LIMIT", "100000");
    env.put("DUET_OUTBOX_SIZE", "8192");
    env.putAll(extraEnv);
    Path log = dir.resolve("server.log");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Target t = new Target(kind, port, pb.start(), log);
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (t.get("/healthz").statusCode() == 200) {
          return t;
        }
      } catch (IOException notYet) {
        // starting
      }
      if (!t.process.isAlive()) {
        break;
      }
      Thread.sleep(200); // polling a starting process: there is no event to await
    }
    t.close();
    throw new IllegalStateException(kind + " did not start; see " + log);
  }

  private static synchronized void npmInstall() throws IOException, InterruptedException {
    if (Files.isDirectory(NODE_DIR.resolve("node_modules/peer"))
        && Files.isDirectory(NODE_DIR.resolve("node_modules/ws"))) {
      return;
    }
    Process p =
        new ProcessBuilder("npm", "install", "--no-audit", "--no-fund")
            .directory(NODE_DIR.toFile())
            .inheritIO()
            .start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("npm install in bench/node failed");
    }
  }

  String url(String user) {
    return "ws://127.0.0.1:" + port + kind.path(user);
  }

  long pid() {
    return process.pid();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** User + system CPU seconds, from /proc/PID/stat. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ = 100
  }

  long rssBytes() throws IOException {
    return status("VmRSS") * 1024;
  }

  long threads() throws IOException {
    return status("Threads");
  }

  long fds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
      return s.count();
    }
  }

  private long status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no " + field);
  }

  /** The text of {@code jcmd PID GC.class_histogram} (a full GC first), for JVM targets. */
  String histogram() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("jcmd", Long.toString(pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  /** Live heap bytes after a full GC. */
  long heapAfterGc() throws IOException, InterruptedException {
    if (kind == Kind.DUET || kind == Kind.JETTY) {
      Process p =
          new ProcessBuilder("jcmd", Long.toString(pid()), "GC.class_histogram")
              .redirectErrorStream(true)
              .start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor();
      String dir = System.getProperty("duet.bench.histograms");
      if (dir != null) { // where the heap goes: one histogram per reading
        Path f =
            Path.of(
                dir,
                kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + System.nanoTime() + ".txt");
        Files.createDirectories(f.getParent());
        Files.writeString(f, out);
      }
      Matcher m = Pattern.compile("Total\\s+(\\d+)\\s+(\\d+)").matcher(out);
      if (!m.find()) {
        throw new IllegalStateException("jcmd: " + out.substring(0, Math.min(500, out.length())));
      }
      return Long.parseLong(m.group(2));
    }
    String body = get("/stats").body();
    Matcher m = Pattern.compile("\"heapUsed\":(\\d+)").matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("stats: " + body);
    }
    return Long.parseLong(m.group(1));
  }

  /** For Node: bytes outside the JS heap (Buffers), after the same GC; 0 for a JVM. */
  long external() throws IOException, InterruptedException {
    if (kind == Kind.DUET || kind == Kind.JETTY) {
      return 0;
    }
    Matcher m = Pattern.compile("\"external\":(\\d+)").matcher(get("/stats").body());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  Path log() {
    return log;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
