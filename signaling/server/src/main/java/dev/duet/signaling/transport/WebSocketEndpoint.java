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
              long lastSeq = count("lastSeq", params.getValue("lastSeq"));
              return new WebSocketLink(
                  switchboard, metrics, p, resume, lastSeq, config.maxMessageBytes());
            },
            (ws, req, resp) -> (org.eclipse.jetty.websocket.core.FrameHandler) ws,
            c -> {
              c.setIdleTimeout(idle);
              c.setMaxFrameSize(config.maxMessageBytes());
              c.setMaxTextMessageSize(config.maxMessageBytes());
              c.setMaxBinaryMessageSize(1024);
              // What the server sends can be larger than what it accepts (a relayed message gains
              // "from" and "seq"): frames over the size go out in fragments, not refused by Jetty
              // (which would cut the connection, again at every resume). Incoming fragments are
              // reassembled under the message cap by WebSocketLink.
              c.setAutoFragment(true);
              c.setInputBufferSize(4096);
              c.setOutputBufferSize(4096);
            }));
    return upgrade;
  }

  /**
   * A count from the query ({@code lastSeq}, {@code after}, {@code wait}): absent is 0; anything
   * but a whole number >= 0 is the client's mistake, refused with 400 (a {@code lastSeq=abc} taken
   * as 0 would replay the whole outbox).
   */
  public static long count(String name, String v) {
    if (v == null) {
      return 0;
    }
    try {
      long n = Long.parseLong(v.strip());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException("'" + name + "' must be a whole number >= 0");
  }
}
