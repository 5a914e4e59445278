package dev.duet.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * The JVM's floor: a bare relay on Jetty 12's core WebSocket API with Duet's thread pool and
 * connector (200/8 threads, 1 acceptor, 1 selector) and buffer sizes. {@code /ws?access_token=JWT}
 * is checked (HS256, exp, sub) before the upgrade, 401 otherwise; {@code {"dst", "payload"}} goes
 * to dst as {@code {"src", "payload"}} (Gson, like Duet's codec); {@code {"type":"ping"}} gets a
 * pong. Port from PORT, secret from DUET_JWT_SECRET.
 */
public final class JettyRelay {
  private static final Map<String, Link> LINKS = new ConcurrentHashMap<>();
  private static byte[] secret;

  private JettyRelay() {}

  public static void main(String[] args) throws Exception {
    secret = System.getenv("DUET_JWT_SECRET").getBytes(StandardCharsets.UTF_8);
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8091"));
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("relay");
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    connector.setAcceptQueueSize(4096);
    server.addConnector(connector);
    WebSocketUpgradeHandler upgrade = new WebSocketUpgradeHandler(new WebSocketComponents());
    upgrade.addMapping(
        "/ws",
        WebSocketNegotiator.from(
            (req, resp, cb) -> {
              String user = (String) req.getAttribute("user");
              return user == null ? null : new Link(user);
            },
            (ws, req, resp) -> (FrameHandler) ws,
            c -> {
              c.setIdleTimeout(java.time.Duration.ofMinutes(10));
              c.setMaxTextMessageSize(65536);
              c.setMaxFrameSize(65536);
              c.setAutoFragment(false);
              c.setInputBufferSize(4096);
              c.setOutputBufferSize(4096);
            }));
    upgrade.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            if (request.getHttpURI().getPath().equals("/healthz")) {
              response.setStatus(200);
              response.write(
                  true,
                  java.nio.ByteBuffer.wrap("ok".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                  callback);
              return true;
            }
            return false;
          }
        });
    server.setHandler(
        new Handler.Wrapper(upgrade) {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            if (request.getHttpURI().getPath().equals("/ws")) {
              String token = Request.extractQueryParameters(request).getValue("access_token");
              String user = verify(token);
              if (user == null) {
                Response.writeError(request, response, callback, HttpStatus.UNAUTHORIZED_401);
                return true;
              }
              request.setAttribute("user", user);
            }
            return super.handle(request, response, callback);
          }
        });
    server.start();
    System.out.println("jetty relay on " + port);
    server.join();
  }

  /** The token's {@code sub} when the HS256 signature, exp (30 s skew) and sub check out. */
  static String verify(String token) {
    if (token == null) {
      return null;
    }
    int a = token.indexOf('.');
    int b = token.indexOf('.', a + 1);
    if (a < 0 || b < 0) {
      return null;
    }
    try {
      byte[] sig = Base64.getUrlDecoder().decode(token.substring(b + 1));
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
      byte[] expected = mac.doFinal(token.substring(0, b).getBytes(StandardCharsets.US_ASCII));
      if (!MessageDigest.isEqual(sig, expected)) {
        return null;
      }
      JsonObject header =
          JsonParser.parseString(
                  new String(
                      Base64.getUrlDecoder().decode(token.substring(0, a)), StandardCharsets.UTF_8))
              .getAsJsonObject();
      JsonObject claims =
          JsonParser.parseString(
                  new String(
                      Base64.getUrlDecoder().decode(token.substring(a + 1, b)),
                      StandardCharsets.UTF_8))
              .getAsJsonObject();
      if (!"HS256".equals(header.get("alg").getAsString())) {
        return null;
      }
      long now = System.currentTimeMillis() / 1000;
      if (!claims.has("exp") || claims.get("exp").getAsLong() + 30 < now) {
        return null;
      }
      String sub = claims.has("sub") ? claims.get("sub").getAsString() : "";
      return sub.isEmpty() || sub.length() > 128 ? null : sub;
    } catch (Exception e) {
      return null;
    }
  }

  /** One connection: a user id and its core session, nothing else kept. */
  static final class Link implements FrameHandler {
    private final String user;
    private CoreSession core;
    private StringBuilder partial;

    Link(String user) {
      this.user = user;
    }

    void send(String text) {
      core.sendFrame(new Frame(OpCode.TEXT, text), Callback.NOOP, false);
    }

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
      core = coreSession;
      Link old = LINKS.put(user, this);
      if (old != null) {
        old.core.close(4003, "replaced", Callback.NOOP);
      }
      callback.succeeded();
      send("{\"type\":\"welcome\",\"user\":\"" + user + "\"}");
      coreSession.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
      switch (frame.getOpCode()) {
        case OpCode.TEXT, OpCode.CONTINUATION -> {
          String text = null;
          if (frame.isFin() && partial == null) {
            text = frame.getPayloadAsUTF8();
          } else {
            if (partial == null) {
              partial = new StringBuilder();
            }
            partial.append(frame.getPayloadAsUTF8());
            if (frame.isFin()) {
              text = partial.toString();
              partial = null;
            }
          }
          callback.succeeded();
          if (text != null) {
            onText(text);
          }
          core.demand();
        }
        case OpCode.PING -> {
          Frame pong = new Frame(OpCode.PONG);
          pong.setPayload(frame.getPayload());
          core.sendFrame(pong, Callback.NOOP, false);
          callback.succeeded();
          core.demand();
        }
        case OpCode.CLOSE -> callback.succeeded();
        default -> {
          callback.succeeded();
          core.demand();
        }
      }
    }

    private void onText(String text) {
      JsonObject m;
      try {
        m = JsonParser.parseString(text).getAsJsonObject();
      } catch (RuntimeException e) {
        return;
      }
      JsonElement type = m.get("type");
      if (type != null && "ping".equals(type.getAsString())) {
        send("{\"type\":\"pong\"}");
        return;
      }
      JsonElement dst = m.get("dst");
      Link peer = dst == null ? null : LINKS.get(dst.getAsString());
      if (peer != null) {
        JsonObject out = new JsonObject();
        out.addProperty("src", user);
        out.add("payload", m.get("payload"));
        peer.send(out.toString());
      }
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
      callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
      LINKS.remove(user, this);
      callback.succeeded();
    }
  }
}
