package dev.duet.signaling;

import dev.duet.media.KurentoMediaRelay;
import dev.duet.media.MediaRelay;
import dev.duet.media.RelaySettings;
import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.MediaEngine;
import dev.duet.signaling.auth.TokenIssuer;
import dev.duet.signaling.auth.TokenVerifier;
import dev.duet.signaling.call.CallBook;
import dev.duet.signaling.call.CallPolicy;
import dev.duet.signaling.http.ApiHandler;
import dev.duet.signaling.http.Authenticator;
import dev.duet.signaling.http.WebSocketGate;
import dev.duet.signaling.moderation.CatalogueSink;
import dev.duet.signaling.moderation.Ffprobe;
import dev.duet.signaling.moderation.MediaProbe;
import dev.duet.signaling.moderation.Moderation;
import dev.duet.signaling.moderation.PlayTickets;
import dev.duet.signaling.moderation.RecordingCatalog;
import dev.duet.signaling.moderation.RecordingFiles;
import dev.duet.signaling.moderation.RecordingsHandler;
import dev.duet.signaling.moderation.RetentionSweeper;
import dev.duet.signaling.session.LocalRouter;
import dev.duet.signaling.session.LocalSessions;
import dev.duet.signaling.transport.HttpTransports;
import dev.duet.signaling.transport.WebSocketEndpoint;
import dev.duet.signaling.turn.TurnCredentials;
import dev.duet.store.Database;
import dev.duet.store.DatabaseConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Duet's signaling server: one factory used by {@code main} (fixed port) and by tests (port 0). */
public final class DuetServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DuetServer.class);

  private final Config config;
  private final Server server;
  private final ServerConnector connector;
  private final Switchboard switchboard;
  private final HttpTransports http;
  private final Database db;
  private final Optional<TokenIssuer> devTokens;
  private final Media media;
  private final Optional<RetentionSweeper> retention;
  private boolean closed; // guarded by this

  private DuetServer(
      Config config,
      Server server,
      ServerConnector connector,
      Switchboard switchboard,
      HttpTransports http,
      Database db,
      Optional<TokenIssuer> devTokens,
      Media media,
      Optional<RetentionSweeper> retention) {
    this.media = media;
    this.retention = retention;
    this.config = config;
    this.http = http;
    this.server = server;
    this.connector = connector;
    this.switchboard = switchboard;
    this.db = db;
    this.devTokens = devTokens;
  }

  /**
   * The media side: a relay on the Kurento media server at DUET_KURENTO_URL, or on the embedded
   * engine started in-process; none when neither can be had (calls then stay peer to peer).
   */
  record Media(Optional<MediaEngine> engine, Optional<MediaRelay> relay) implements AutoCloseable {
    static Media start(Config config) {
      try {
        Files.createDirectories(config.recordingsDir());
      } catch (IOException e) {
        throw new IllegalStateException("cannot create " + config.recordingsDir(), e);
      }
      Optional<MediaEngine> engine = Optional.empty();
      String url;
      if (config.kurentoUrl().isPresent()) {
        url = config.kurentoUrl().get();
      } else if (config.mediaEngine()) {
        try {
          java.util.Map<String, String> env = new java.util.HashMap<>();
          config.mediaPorts().ifPresent(v -> env.put("DUET_MEDIA_PORTS", v));
          config.mediaAddresses().ifPresent(v -> env.put("DUET_MEDIA_ADDRESSES", v));
          engine =
              Optional.of(
                  MediaEngine.start(
                      EngineConfig.fromEnvironment(env)
                          .withPort(0)
                          .withRecordingsRoot(config.recordingsDir())));
        } catch (RuntimeException | LinkageError e) {
          LOG.warn(
              "the embedded media engine could not start ({}): no media relay, calls stay peer to"
                  + " peer (install gstreamer1.0-plugins-bad gstreamer1.0-nice)",
              e.toString());
          return new Media(Optional.empty(), Optional.empty());
        }
        url = engine.get().uri().toString();
      } else {
        return new Media(Optional.empty(), Optional.empty());
      }
      Optional<java.net.InetSocketAddress> stun = relayStun(config);
      try {
        MediaRelay relay =
            KurentoMediaRelay.connect(
                new RelaySettings(
                    url,
                    new RecordingFiles(config.recordingsDir())::newFile,
                    stun.map(a -> a.getHostString()),
                    stun.map(a -> a.getPort()).orElse(3478),
                    relayTurn(config),
                    java.time.Duration.ofSeconds(5)));
        LOG.info("media relay on {}", engine.isPresent() ? "the embedded engine" : url);
        return new Media(engine, Optional.of(relay));
      } catch (RuntimeException e) {
        LOG.warn("media server at {} unreachable: no media relay ({})", url, e.toString());
        engine.ifPresent(MediaEngine::close);
        return new Media(Optional.empty(), Optional.empty());
      }
    }

    @Override
    public void close() {
      relay.ifPresent(MediaRelay::close);
      engine.ifPresent(MediaEngine::close);
    }

    /** The first {@code stun:} URL with an IP address (Kurento takes addresses, not names). */
    static Optional<java.net.InetSocketAddress> relayStun(Config config) {
      return config.turnUrls().stream()
          .filter(u -> u.startsWith("stun:"))
          .map(u -> u.substring(5).replaceAll("\\?.*$", ""))
          .filter(hp -> hp.matches("\\d+\\.\\d+\\.\\d+\\.\\d+(:\\d+)?"))
          .map(
              hp -> {
                String[] parts = hp.split(":");
                int port = parts.length > 1 ? Integer.parseInt(parts[1]) : 3478;
                return java.net.InetSocketAddress.createUnresolved(parts[0], port);
              })
          .findFirst();
    }

    /**
     * TURN for the relay's endpoints, on the same coturn as the clients, with fresh TURN REST
     * credentials per call (user {@code duet-media-relay}).
     */
    static java.util.function.Supplier<Optional<String>> relayTurn(Config config) {
      Optional<String> turn =
          config.turnUrls().stream().filter(u -> u.startsWith("turn:")).findFirst();
      if (turn.isEmpty() || config.turnSecret().isEmpty()) {
        return Optional::empty;
      }
      String hostPort = turn.get().substring(5).replaceAll("\\?.*$", "");
      String transport = turn.get().contains("transport=tcp") ? "tcp" : "udp";
      TurnCredentials creds =
          new TurnCredentials(
              List.of(turn.get()), config.turnSecret(), config.turnTtl(), Clock.systemUTC());
      return () -> {
        var server = creds.iceServers("duet-media-relay").get(0);
        return Optional.of(
            server.username()
                + ":"
                + server.credential()
                + "@"
                + hostPort
                + "?transport="
                + transport);
      };
    }
  }

  /** Builds (does not start) a server from configuration. */
  public static DuetServer newServer(Config config) {
    return newServer(config, Clock.systemUTC());
  }

  public static DuetServer newServer(Config config, Clock clock) {
    byte[] secret = null;
    TokenVerifier verifier;
    if (config.jwtPublicKey().isPresent()) {
      verifier =
          TokenVerifier.publicKey(
              config.jwtPublicKey().get(), config.jwtIssuer(), config.jwtAudience(), clock);
    } else {
      secret = jwtSecret(config);
      verifier = TokenVerifier.hs256(secret, config.jwtIssuer(), config.jwtAudience(), clock);
    }
    Optional<TokenIssuer> devTokens =
        config.demo() && secret != null
            ? Optional.of(new TokenIssuer(secret, config.jwtIssuer(), config.jwtAudience(), clock))
            : Optional.empty();

    Database db =
        Database.open(
            config.dbUrl().isPresent()
                ? new DatabaseConfig(
                    config.dbUrl().get(),
                    config.dbUser().orElse(null),
                    config.dbPassword().orElse(null),
                    config.dbPoolSize())
                : DatabaseConfig.h2(config.dataDir()));
    TurnCredentials turn =
        new TurnCredentials(config.turnUrls(), config.turnSecret(), config.turnTtl(), clock);
    Metrics metrics = new Metrics();
    RecordingFiles recordingFiles = new RecordingFiles(config.recordingsDir());
    Moderation moderation = new Moderation(db.recordings(), db.audit(), recordingFiles, clock);
    RecordingCatalog catalog =
        new RecordingCatalog(
            db.recordings(),
            db.audit(),
            recordingFiles,
            Ffprobe.onPath().map(MediaProbe.class::cast),
            clock);
    Optional<RetentionSweeper> retention =
        config.recordingRetentionDays() > 0
            ? Optional.of(
                new RetentionSweeper(
                        db.recordings(),
                        moderation,
                        java.time.Duration.ofDays(config.recordingRetentionDays()),
                        clock)
                    .start(java.time.Duration.ofHours(1)))
            : Optional.empty();
    // The token a resume was made with outlives a lost welcome: as long as a half-dead link can
    // stay attached (two heartbeats) plus the grace after it.
    LocalSessions sessions =
        new LocalSessions(
            clock,
            config.outboxSize(),
            config.outboxBytes(),
            config.heartbeat().multipliedBy(2).plus(config.resumeGrace()),
            metrics::messageDelay);
    Media mediaParts = Media.start(config);
    boolean relay = mediaParts.relay().isPresent();
    if (!relay && (config.recordAll() || config.forceRelay())) {
      LOG.warn(
          "DUET_RECORD_ALL / DUET_MEDIA_MODE=relay need the media relay, which is not available:"
              + " calls stay peer to peer and are not recorded");
    }
    CallBook calls =
        new CallBook(
            clock,
            new CallPolicy(
                config.ringTimeout(),
                relay,
                relay && config.recordAll(),
                relay && config.forceRelay()));
    Switchboard switchboard =
        new Switchboard(
            config,
            clock,
            calls,
            sessions,
            overflow -> new LocalRouter(sessions, overflow),
            db.messages(),
            db.calls(),
            turn,
            metrics,
            mediaParts.relay(),
            new CatalogueSink(catalog, db.calls(), metrics));

    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("duet-http");
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(45_000); // longer than the longest long poll (30 s)
    server.addConnector(connector);
    server.setStopTimeout(5000);
    server.setErrorHandler(new dev.duet.signaling.http.JsonErrorHandler());

    Authenticator auth = new Authenticator(verifier, config.allowedOrigins(), clock, metrics);
    var upgrade = WebSocketEndpoint.create(server, config, switchboard, metrics);
    ApiHandler api = new ApiHandler(config, auth, switchboard, turn, db, devTokens);
    HttpTransports http = new HttpTransports(config, auth, switchboard, metrics);
    // The recordings handler comes first: ApiHandler answers 404 to every other /api/ path.
    Handler.Sequence rest =
        new Handler.Sequence(
            new RecordingsHandler(auth, moderation, new PlayTickets(clock)), api, http);
    webRoot(config).ifPresent(root -> rest.addHandler(staticFiles(root)));
    upgrade.setHandler(rest);
    server.setHandler(new WebSocketGate(auth, metrics, switchboard::stopping, upgrade));
    return new DuetServer(
        config, server, connector, switchboard, http, db, devTokens, mediaParts, retention);
  }

  private static Handler staticFiles(Path root) {
    ResourceHandler files = new ResourceHandler();
    files.setBaseResource(ResourceFactory.of(files).newResource(root));
    files.setDirAllowed(false);
    files.setWelcomeFiles("index.html");
    return files;
  }

  private static Optional<Path> webRoot(Config config) {
    if (config.webRoot().isPresent()) {
      return config.webRoot();
    }
    Path dev = Path.of("web-demo", "src", "main", "webapp");
    return Files.isDirectory(dev) ? Optional.of(dev.toAbsolutePath()) : Optional.empty();
  }

  /**
   * The HS256 secret: DUET_JWT_SECRET, or in demo mode one generated once and kept in the data
   * folder. Outside demo mode a missing secret is a start-up error.
   */
  private static byte[] jwtSecret(Config config) {
    if (config.jwtSecret().isPresent()) {
      String s = config.jwtSecret().get();
      return s.startsWith("base64:")
          ? Base64.getDecoder().decode(s.substring(7))
          : s.getBytes(StandardCharsets.UTF_8);
    }
    if (!config.demo()) {
      throw new IllegalStateException(
          "set DUET_JWT_SECRET (>= 32 bytes) or DUET_JWT_PUBLIC_KEY, or DUET_DEMO=true for a demo");
    }
    Path file = config.dataDir().resolve("jwt-secret");
    try {
      Files.createDirectories(config.dataDir());
      if (!Files.exists(file)) {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        Files.writeString(file, Base64.getEncoder().encodeToString(b));
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system
        }
      }
      LOG.warn(
          "DEMO MODE: development tokens are enabled at POST /api/dev/token and the JWT secret is"
              + " a random one kept in {}. Do not use demo mode in production.",
          file.toAbsolutePath());
      return Base64.getDecoder().decode(Files.readString(file).trim());
    } catch (IOException e) {
      throw new IllegalStateException("cannot keep the demo JWT secret in " + file, e);
    }
  }

  public DuetServer start() {
    try {
      server.start();
    } catch (Exception e) {
      close();
      throw new IllegalStateException(
          "could not start on " + config.host() + ":" + config.port(), e);
    }
    LOG.info("Duet listening on {} ({})", uri(), config);
    return this;
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port} */
  public URI uri() {
    return URI.create("http://" + config.host() + ":" + port());
  }

  public Config config() {
    return config;
  }

  /** The development token issuer (demo mode only). */
  public Optional<TokenIssuer> devTokens() {
    return devTokens;
  }

  public Switchboard switchboard() {
    return switchboard;
  }

  public Database database() {
    return db;
  }

  /**
   * Ends calls with server_shutdown, stops Jetty, closes the database. Once; later calls wait. A
   * step that fails is logged and the next still runs.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    boolean interrupted = false;
    interrupted |= step("the switchboard", switchboard::close);
    interrupted |= step("the HTTP transports", http::close);
    interrupted |= step("the media relay", media::close);
    if (retention.isPresent()) {
      interrupted |= step("the retention sweep", retention.get()::close);
    }
    interrupted |= step("the HTTP server", server::stop);
    interrupted |= step("the database", db::close);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  /**
   * Runs one stop step; a failure is logged, not thrown. The interrupt status is cleared after it
   * (a step cut short by an interrupt must not cut the next ones short too) and returned.
   */
  private static boolean step(String what, Step step) {
    try {
      step.run();
    } catch (InterruptedException e) {
      LOG.warn("interrupted while stopping {}", what);
      Thread.interrupted(); // cleared for the next step, reported to close()
      return true;
    } catch (Exception e) {
      LOG.warn("error stopping {}", what, e);
    }
    return Thread.interrupted();
  }
}
