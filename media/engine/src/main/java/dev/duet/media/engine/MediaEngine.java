package dev.duet.media.engine;

import dev.duet.media.engine.element.MediaObject;
import dev.duet.media.engine.rpc.KurentoService;
import dev.duet.media.engine.rpc.KurentoSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A running Duet media engine: a WebSocket server at {@code ws://host:port/kurento} that speaks the
 * Kurento protocol kurento-client uses. Start one with {@link #start(EngineConfig)}; {@link
 * #close()} releases every pipeline and stops the server.
 *
 * <pre>{@code
 * try (MediaEngine engine = MediaEngine.start(EngineConfig.defaults().withPort(0))) {
 *   KurentoClient kurento = KurentoClient.create(engine.uri().toString());
 * }
 * }</pre>
 */
public final class MediaEngine implements AutoCloseable {
  /** The WebSocket path, as on a Kurento Media Server. */
  public static final String PATH = "/kurento";

  /** Largest accepted text frame: SDPs are 5-20 KB, kurento-client allows 1 MB. */
  static final long MAX_MESSAGE = 4L * 1024 * 1024;

  private final Server server;
  private final KurentoService service;
  private final URI uri;

  private MediaEngine(Server server, KurentoService service, URI uri) {
    this.server = server;
    this.service = service;
    this.uri = uri;
  }

  /** Starts an engine; port 0 picks a free port (see {@link #uri()}). */
  public static MediaEngine start(EngineConfig config) {
    KurentoService service = new KurentoService(config);
    QueuedThreadPool threads = new QueuedThreadPool(32, 4);
    threads.setName("duet-engine-http");
    threads.setDaemon(true);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost(config.bindHost());
    connector.setPort(config.port());
    server.addConnector(connector);
    ContextHandler context = new ContextHandler("/");
    WebSocketUpgradeHandler ws =
        WebSocketUpgradeHandler.from(
            server,
            context,
            container -> {
              container.setMaxTextMessageSize(MAX_MESSAGE);
              container.setIdleTimeout(Duration.ofMinutes(10));
              container.addMapping(
                  PATH, (request, response, callback) -> new KurentoSocket(service));
            });
    context.setHandler(ws);
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      service.close();
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new EngineException(
          KmsError.UNEXPECTED_ERROR,
          "cannot listen on " + config.bindHost() + ":" + config.port() + ": " + e,
          e);
    }
    String host =
        config.bindHost().contains(":") ? "[" + config.bindHost() + "]" : config.bindHost();
    URI uri = URI.create("ws://" + host + ":" + connector.getLocalPort() + PATH);
    return new MediaEngine(server, service, uri);
  }

  /** {@code ws://host:port/kurento}: give this to {@code KurentoClient.create}. */
  public URI uri() {
    return uri;
  }

  /** The TCP port the engine listens on. */
  public int port() {
    return uri.getPort();
  }

  /** Number of live media objects; 0 once every pipeline is released. */
  public int objectCount() {
    return service.objectCount();
  }

  /**
   * The live media object {@code id}, if any. For tests that look inside an element of an
   * in-process engine; not an API for applications, which speak the Kurento protocol.
   */
  public Optional<MediaObject> object(String id) {
    return service.find(id);
  }

  /** Number of sessions the engine knows. */
  public int sessionCount() {
    return service.sessionCount();
  }

  /** Stops accepting connections, closes sockets and releases every pipeline. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new EngineException(KmsError.UNEXPECTED_ERROR, "stopping the server failed", e);
    } finally {
      service.close();
    }
  }
}
