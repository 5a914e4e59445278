package dev.duet.signaling.transport;

import dev.duet.signaling.Config;
import dev.duet.signaling.Metrics;
import dev.duet.signaling.Switchboard;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.http.Authenticator;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * {@code /ws}: the upgrade handler on Jetty's core WebSocket API. {@link Authenticator} has already
 * refused bad tokens and foreign origins with an HTTP error before this runs; the principal travels
 * as a request attribute.
 */
public final class WebSocketEndpoint {
  private WebSocketEndpoint() {}

  public static WebSocketUpgradeHandler create(
      Server server, Config config, Switchboard switchboard, Metrics metrics) {
    WebSocketUpgradeHandler upgrade = new WebSocketUpgradeHandler(new WebSocketComponents());
    Duration idle = config.heartbeat().multipliedBy(2);
    upgrade.addMapping(
        "/ws",
        WebSocketNegotiator.from(
            (req, resp, cb) -> {
              Principal p = (Principal) req.getAttribute(Authenticator.PRINCIPAL);
              if (p == null) {
                return null; // cannot happen behind Authenticator; refuse the upgrade
              }
              var params = org.eclipse.jetty.server.Request.extractQueryParameters(req);
              Optional<String> resume = Optional.ofNullable(params.getValue("resume"));
              long lastSeq = parseLong(params.getValue("lastSeq"));
              return new WebSocketLink(
                  switchboard, metrics, p, resume, lastSeq, config.maxMessageBytes());
            },
            (ws, req, resp) -> (org.eclipse.jetty.websocket.core.FrameHandler) ws,
            c -> {
              c.setIdleTimeout(idle);
              c.setMaxFrameSize(config.maxMessageBytes());
              c.setMaxTextMessageSize(config.maxMessageBytes());
              c.setMaxBinaryMessageSize(1024);
              c.setAutoFragment(false);
              c.setInputBufferSize(4096);
              c.setOutputBufferSize(4096);
            }));
    return upgrade;
  }

  static long parseLong(String v) {
    if (v == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(v));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
