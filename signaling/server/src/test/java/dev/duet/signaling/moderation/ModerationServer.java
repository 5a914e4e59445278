package dev.duet.signaling.moderation;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.signaling.auth.TokenVerifier;
import dev.duet.signaling.http.Authenticator;
import dev.duet.signaling.http.Json;
import dev.duet.signaling.testing.TestServer;
import dev.duet.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * The real Duet server ({@link TestServer}, port 0, demo mode) with a recordings folder, serving
 * the moderators' API. While {@code DuetServer} does not wire {@link RecordingsHandler} in yet (its
 * {@code /api/recordings} answers 404), a second Jetty server on port 0 serves it instead, on the
 * same database and JWT secret, with the static web files and the development token endpoint:
 * {@link #base()} is whichever serves the API. Tests use {@link #base()} only, so they run
 * unchanged once the handler is wired.
 */
public final class ModerationServer implements AutoCloseable {
  private final TestServer duet;
  private final Path recordings;
  private final Optional<Server> front;
  private final URI base;
  private final RecordingCatalog catalog;

  private ModerationServer(
      TestServer duet,
      Path recordings,
      Optional<Server> front,
      URI base,
      RecordingCatalog catalog) {
    this.duet = duet;
    this.recordings = recordings;
    this.front = front;
    this.base = base;
    this.catalog = catalog;
  }

  /** Starts it; {@code envPairs} as for {@link TestServer#start(String...)}. */
  public static ModerationServer start(String... envPairs) {
    Path recordings;
    try {
      recordings = Files.createTempDirectory("duet-recordings");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> env = new ArrayList<>(Arrays.asList(envPairs));
    env.add("DUET_RECORDINGS_DIR");
    env.add(recordings.toString());
    TestServer duet = TestServer.start(env.toArray(String[]::new));
    try {
      Database db = duet.server().database();
      RecordingFiles files = new RecordingFiles(recordings);
      RecordingCatalog catalog =
          new RecordingCatalog(
              db.recordings(),
              db.audit(),
              files,
              Ffprobe.onPath().map(MediaProbe.class::cast),
              Clock.systemUTC());
      Optional<Server> front = Optional.empty();
      URI base = duet.server().uri();
      if (!servesRecordings(duet)) {
        Server server = frontServer(duet, files, webRoot(envPairs));
        front = Optional.of(server);
        base =
            URI.create(
                "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
      }
      return new ModerationServer(duet, recordings, front, base, catalog);
    } catch (RuntimeException e) {
      duet.close();
      throw e;
    }
  }

  private static Optional<Path> webRoot(String... envPairs) {
    for (int i = 0; i + 1 < envPairs.length; i += 2) {
      if (envPairs[i].equals("DUET_WEB_ROOT")) {
        return Optional.of(Path.of(envPairs[i + 1]));
      }
    }
    return Optional.empty();
  }

  /** Whether the real server already answers the moderators' API (once wired). */
  private static boolean servesRecordings(TestServer duet) {
    HttpClient client = HttpClient.newHttpClient();
    try {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(duet.http("/api/recordings?limit=1"))
                  .header("Authorization", "Bearer " + duet.token("probe", "moderator"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Server frontServer(TestServer duet, RecordingFiles files, Optional<Path> webRoot) {
    Database db = duet.server().database();
    TokenVerifier verifier =
        TokenVerifier.hs256(
            TestServer.SECRET.getBytes(StandardCharsets.UTF_8),
            Optional.empty(),
            Optional.empty(),
            Clock.systemUTC());
    Authenticator auth =
        new Authenticator(verifier, List.of(), Clock.systemUTC(), new dev.duet.signaling.Metrics());
    Moderation moderation = new Moderation(db.recordings(), db.audit(), files, Clock.systemUTC());
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    Handler.Sequence handlers =
        new Handler.Sequence(
            new RecordingsHandler(auth, moderation, new PlayTickets(Clock.systemUTC())),
            new DevTokens(duet));
    webRoot.ifPresent(
        root -> {
          ResourceHandler static_ = new ResourceHandler();
          static_.setBaseResource(ResourceFactory.of(static_).newResource(root));
          static_.setDirAllowed(false);
          static_.setWelcomeFiles("index.html");
          handlers.addHandler(static_);
        });
    server.setHandler(handlers);
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the front server", e);
    }
    return server;
  }

  /** {@code POST /api/dev/token {"user":..., "roles":[...]}}, as the real server's demo mode. */
  private static final class DevTokens extends Handler.Abstract {
    private final TestServer duet;

    DevTokens(TestServer duet) {
      this.duet = duet;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (!Request.getPathInContext(request).equals("/api/dev/token")
          || !"POST".equals(request.getMethod())) {
        return false;
      }
      JsonObject body =
          JsonParser.parseString(Content.Source.asString(request, StandardCharsets.UTF_8))
              .getAsJsonObject();
      List<String> roles = new ArrayList<>();
      if (body.has("roles")) {
        body.getAsJsonArray("roles").forEach(r -> roles.add(r.getAsString()));
      }
      String token =
          duet.server()
              .devTokens()
              .orElseThrow()
              .issue(body.get("user").getAsString(), roles, Duration.ofHours(1));
      Json.write(response, callback, 200, Map.of("token", token));
      return true;
    }
  }

  /** Where the API is served: {@code http://127.0.0.1:port}. */
  public URI base() {
    return base;
  }

  public URI http(String pathAndQuery) {
    return URI.create(base + pathAndQuery);
  }

  /** Whether the real server serves the API (true once the lead wires the handler in). */
  public boolean wired() {
    return front.isEmpty();
  }

  public String token(String user, String... roles) {
    return duet.token(user, roles);
  }

  public Path recordingsDir() {
    return recordings;
  }

  public RecordingCatalog catalog() {
    return catalog;
  }

  public Database database() {
    return duet.server().database();
  }

  @Override
  public void close() {
    try {
      if (front.isPresent()) {
        front.get().stop();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      duet.close();
      WebmFiles.deleteTree(recordings);
    }
  }
}
