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
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Duet started as its own process (so its CPU time can be read from /proc), on a free port. */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private ServerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static ServerProcess start(Path jar, Map<String, String> env)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = Files.createTempDirectory("duet-bench");
    ProcessBuilder pb = new ProcessBuilder("java", "-Xms256m", "-Xmx512m", "-jar", jar.toString());
    pb.environment().putAll(env);
    pb.environment().put("DUET_PORT", Integer.toString(port));
    pb.environment().put("DUET_DATA_DIR", data.toString());
    pb.environment().put("DUET_DEMO", "true");
    pb.environment().put("DUET_LOG_LEVEL", "WARN");
    pb.redirectErrorStream(true);
    pb.redirectOutput(data.resolve("server.log").toFile());
    ServerProcess sp = new ServerProcess(pb.start(), port);
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (sp.get("/healthz").statusCode() == 200) {
          return sp;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200); // polling a starting process: there is no event to await
    }
    sp.close();
    throw new IllegalStateException("server did not start; see " + data.resolve("server.log"));
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String token(String user) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/dev/token"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"" + user + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(r.body());
    if (!m.find()) {
      throw new IllegalStateException("no token: " + r.body());
    }
    return m.group(1);
  }

  /** A counter from /metrics. */
  long metric(String name) throws IOException, InterruptedException {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Long.parseLong(line.substring(name.length() + 1).trim());
      }
    }
    throw new IllegalStateException("no metric " + name);
  }

  /** User + system CPU seconds of the server process, from /proc/PID/stat. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
    return ticks / 100.0; // USER_HZ is 100 on Linux
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
