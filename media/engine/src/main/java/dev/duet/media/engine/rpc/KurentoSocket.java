package dev.duet.media.engine.rpc;

import dev.duet.common.Lanes;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket adapter: one per connection, framing only. Each text frame is handed, in arrival
 * order, to the request lane of the pipeline it works on: a pipeline's requests run in the order
 * the client sent them, different pipelines' requests run side by side, so one call's slow request
 * (a {@code stopAndWait}) does not hold up another call's.
 */
public final class KurentoSocket implements Session.Listener.AutoDemanding {
  private static final Logger LOG = LoggerFactory.getLogger(KurentoSocket.class);

  private final KurentoService service;
  private final Lanes lanes;
  private volatile Connection connection;

  public KurentoSocket(KurentoService service) {
    this.service = service;
    this.lanes = service.newLanes();
  }

  @Override
  public void onWebSocketOpen(Session session) {
    connection = new Connection(session);
  }

  @Override
  public void onWebSocketText(String message) {
    Connection c = connection;
    service.submit(c, lanes, message);
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
