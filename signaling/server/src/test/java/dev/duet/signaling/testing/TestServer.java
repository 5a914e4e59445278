package dev.duet.signaling.testing;

import dev.duet.signaling.Config;
import dev.duet.signaling.DuetServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real Duet server on 127.0.0.1, port 0, with its own data folder, in demo mode. */
public final class TestServer implements AutoCloseable {
  public static final String SECRET = "test-secret-test-secret-test-secret-0123456789";

  private final DuetServer server;
  private final Path dataDir;
  private final List<Recorder> clients = new ArrayList<>();

  private TestServer(DuetServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
  }

  public static TestServer start(String... envPairs) {
    try {
      Path data = Files.createTempDirectory("duet-test");
      Map<String, String> env = new HashMap<>();
      env.put("DUET_PORT", "0");
      env.put("DUET_DATA_DIR", data.toString());
      env.put("DUET_DEMO", "true");
      env.put("DUET_JWT_SECRET", SECRET);
      for (int i = 0; i < envPairs.length; i += 2) {
        env.put(envPairs[i], envPairs[i + 1]);
      }
      return new TestServer(DuetServer.newServer(Config.fromEnv(env)).start(), data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public DuetServer server() {
    return server;
  }

  public URI http(String pathAndQuery) {
    return URI.create(server.uri() + pathAndQuery);
  }

  public String token(String user, String... roles) {
    return server.devTokens().orElseThrow().issue(user, List.of(roles), Duration.ofHours(1));
  }

  public URI wsUri(String token, String extraQuery) {
    return URI.create(
        "ws://127.0.0.1:"
            + server.port()
            + "/ws?access_token="
            + URLEncoder.encode(token, StandardCharsets.UTF_8)
            + (extraQuery.isEmpty() ? "" : "&" + extraQuery));
  }

  /** A connected client for {@code user} (closed with the server). */
  public Recorder connect(String user) {
    return track(Recorder.connect(wsUri(token(user), ""), Map.of()));
  }

  /** Resumes a session on a new connection. */
  public Recorder resume(String user, String resumeToken, long lastSeq) {
    return track(
        Recorder.connect(
            wsUri(token(user), "resume=" + resumeToken + "&lastSeq=" + lastSeq),
            Map.of(),
            lastSeq));
  }

  public Recorder track(Recorder r) {
    clients.add(r);
    return r;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    for (Recorder r : clients) {
      r.close();
    }
    server.close();
  }
}
