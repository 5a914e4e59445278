package dev.duet.media.engine.rpc;

import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket adapter: one per connection, framing only. Text frames are handled one at a time,
 * in arrival order, on the Jetty thread that read them (auto-demand reads the next frame only after
 * this one returns), so a client's requests run in the order it sent them.
 */
public final class KurentoSocket implements Session.Listener.AutoDemanding {
  private static final Logger LOG = LoggerFactory.getLogger(KurentoSocket.class);

  private final KurentoService service;
  private volatile Connection connection;

  public KurentoSocket(KurentoService service) {
    this.service = service;
  }

  @Override
  public void onWebSocketOpen(Session session) {
    connection = new Connection(session);
  }

  @Override
  public void onWebSocketText(String message) {
    Connection c = connection;
    service.handle(c, message).ifPresent(c::send);
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    LOG.debug("socket error: {}", cause.toString());
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason) {
    Connection c = connection;
    if (c != null) {
      service.connectionClosed(c);
    }
  }
}
