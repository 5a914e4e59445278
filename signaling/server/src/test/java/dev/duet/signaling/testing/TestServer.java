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
  private final List<Client> clients = new ArrayList<>();

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
      env.put("DUET_MEDIA_ENGINE", "false"); // tests about media turn it on
      // Tests place calls back to back from one user (retries, loops); the test of the limit
      // sets its own.
      env.put("DUET_INVITE_RATE_LIMIT", "1000");
      for (int i = 0; i < envPairs.length; i += 2) {
        env.put(envPairs[i], envPairs[i + 1]);
      }
      return new TestServer(DuetServer.newServer(Config.fromEnv(env)).start(), data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A server whose sessions hold at most 50 000 bytes of unacknowledged messages (4 KB chat
   * messages: a backlog round, half the outbox, takes 6), with 8 KiB messages and the message and
   * chat rate limits out of the way.
   */
  public static TestServer withSmallOutbox() {
    return start(
        "DUET_OUTBOX_BYTES",
        "50000",
        "DUET_MAX_MESSAGE_BYTES",
        "8192",
        "DUET_RATE_LIMIT",
        "1000",
        "DUET_CHAT_RATE_LIMIT",
        "1000");
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

  /** The transports a client can use. */
  public enum Transport {
    WS,
    SSE,
    LONGPOLL,
    SHORTPOLL
  }

  /**
   * Connects {@code user} over a transport to {@code port} (the server's, or a proxy's), resuming
   * when {@code resumeToken} is not null.
   */
  public Client connect(String user, Transport t, int port, String resumeToken, long lastSeq) {
    String token = token(user);
    String query = resumeToken == null ? "" : "resume=" + resumeToken + "&lastSeq=" + lastSeq;
    long from = resumeToken == null ? 0 : lastSeq;
    URI base = URI.create("http://127.0.0.1:" + port);
    Client c =
        switch (t) {
          case WS ->
              Recorder.connect(
                  URI.create(
                      "ws://127.0.0.1:"
                          + port
                          + "/ws?access_token="
                          + URLEncoder.encode(token, StandardCharsets.UTF_8)
                          + (query.isEmpty() ? "" : "&" + query)),
                  Map.of(),
                  from);
          case SSE -> SseClient.connect(base, token, query, from);
          case LONGPOLL -> PollClient.connect(base, token, 25, query, from);
          case SHORTPOLL -> PollClient.connect(base, token, 0, query, from);
        };
    return track(c);
  }

  public <C extends Client> C track(C r) {
    clients.add(r);
    return r;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    for (Client r : clients) {
      r.close();
    }
    server.close();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp folder left behind is harmless
    }
  }
}
