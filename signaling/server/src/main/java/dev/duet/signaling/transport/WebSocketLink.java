package dev.duet.signaling.transport;

import dev.duet.signaling.Metrics;
import dev.duet.signaling.Switchboard;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.session.Link;
import dev.duet.signaling.session.Session;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * The WebSocket transport: one connection on Jetty's core WebSocket API (lighter than the
 * Session.Listener API: it keeps no upgrade request alive).
 *
 * <p>Threading: Jetty calls the FrameHandler methods one at a time. Outgoing frames are pulled from
 * the session's outbox by an {@link IteratingCallback}, which keeps exactly one send in flight
 * (Jetty requires it) and never recurses, whichever thread calls {@link #wake()}.
 */
final class WebSocketLink implements FrameHandler, Link {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(WebSocketLink.class);

  private final Switchboard switchboard;
  private final Metrics metrics;
  private final Principal principal;
  private final Optional<String> resumeToken;
  private final long lastSeq;
  private final int maxMessageBytes;
  private final Flusher flusher = new Flusher();
  private CoreSession core;
  private volatile Session session;
  private volatile String welcome;
  private ByteBuffer partial;

  WebSocketLink(
      Switchboard switchboard,
      Metrics metrics,
      Principal principal,
      Optional<String> resumeToken,
      long lastSeq,
      int maxMessageBytes) {
    this.switchboard = switchboard;
    this.metrics = metrics;
    this.principal = principal;
    this.resumeToken = resumeToken;
    this.lastSeq = lastSeq;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public String transport() {
    return "ws";
  }

  @Override
  public void onOpen(CoreSession coreSession, Callback callback) {
    this.core = coreSession;
    metrics.connectionOpened(transport());
    coreSession.addIdleTimeoutListener(
        timeout -> {
          if (!coreSession.isOutputOpen()) {
            return true; // our close got no answer: let Jetty close the connection
          }
          // A stopping server shortens every connection's idle timeout so links close once their
          // last frames are out: those are going away (1001), not idle.
          if (switchboard.stopping()) {
            coreSession.close(CloseStatus.SHUTDOWN, "server shutting down", Callback.NOOP);
          } else {
            coreSession.close(
                dev.duet.protocol.CloseCode.IDLE_TIMEOUT, "idle timeout", Callback.NOOP);
          }
          return false;
        });
    // A server that stops after the gate let this upgrade through closes it with 1001 later.
    Switchboard.Connected c = switchboard.connect(principal, resumeToken, lastSeq, this);
    this.welcome = c.welcomeJson(); // first, so no frame can overtake the welcome
    this.session = c.session();
    callback.succeeded();
    flusher.iterate();
    coreSession.demand();
  }

  @Override
  public void onFrame(Frame frame, Callback callback) {
    switch (frame.getOpCode()) {
      case OpCode.TEXT, OpCode.CONTINUATION -> {
        if (frame.getOpCode() == OpCode.TEXT) {
          partial = null;
        }
        ByteBuffer payload = frame.getPayload();
        int have = partial == null ? 0 : partial.position();
        int add = payload == null ? 0 : payload.remaining();
        if (have + add > maxMessageBytes) {
          partial = null;
          callback.succeeded();
          core.close(
              CloseStatus.MESSAGE_TOO_LARGE,
              "message over " + maxMessageBytes + " bytes",
              Callback.NOOP);
          return;
        }
        if (!frame.isFin() || partial != null) {
          if (partial == null) {
            partial = ByteBuffer.allocate(Math.min(maxMessageBytes, Math.max(1024, add * 2)));
          }
          partial = ensure(partial, add);
          if (payload != null) {
            partial.put(payload.slice());
          }
        }
        if (frame.isFin()) {
          ByteBuffer whole;
          if (partial != null) {
            whole = partial.flip();
            partial = null;
          } else {
            whole = payload == null ? ByteBuffer.allocate(0) : payload.slice();
          }
          String text;
          try {
            text =
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(whole)
                    .toString();
          } catch (CharacterCodingException e) {
            callback.succeeded();
            core.close(CloseStatus.BAD_PAYLOAD, "invalid UTF-8", Callback.NOOP);
            return;
          }
          switchboard.onText(session, this, text);
        }
        callback.succeeded();
        core.demand();
      }
      case OpCode.BINARY -> {
        callback.succeeded();
        core.close(CloseStatus.BAD_DATA, "binary messages are not supported", Callback.NOOP);
      }
      case OpCode.PING -> {
        Frame pong = new Frame(OpCode.PONG);
        if (frame.getPayload() != null) {
          pong.setPayload(frame.getPayload().slice());
        }
        core.sendFrame(pong, Callback.NOOP, false);
        callback.succeeded();
        core.demand();
      }
      case OpCode.PONG -> {
        callback.succeeded();
        core.demand();
      }
      default -> callback.succeeded(); // CLOSE: the core session completes the handshake
    }
  }

  private static ByteBuffer ensure(ByteBuffer buf, int more) {
    if (buf.remaining() >= more) {
      return buf;
    }
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more));
    buf.flip();
    bigger.put(buf);
    return bigger;
  }

  @Override
  public void onError(Throwable cause, Callback callback) {
    callback.succeeded();
  }

  @Override
  public void onClosed(CloseStatus closeStatus, Callback callback) {
    Session s = session;
    if (closeStatus != null) {
      int code = closeStatus.getCode();
      // The code only: the reason may be the client's own text.
      if (code == CloseStatus.NO_CODE || code == CloseStatus.NO_CLOSE) {
        LOG.debug("session {} ws closed: {}", s == null ? "-" : s.id(), code);
      } else if (code != CloseStatus.NORMAL && code != CloseStatus.SHUTDOWN) {
        LOG.info("session {} ws closed: {}", s == null ? "-" : s.id(), code);
      }
    }
    metrics.connectionClosed(transport());
    if (session != null) {
      switchboard.disconnected(session, this);
    }
    callback.succeeded();
  }

  @Override
  public void wake() {
    flusher.iterate();
  }

  @Override
  public void close(int code, String reason) {
    CoreSession c = core;
    if (c != null) {
      c.close(code, reason, Callback.NOOP);
    }
  }

  /** Sends the welcome, then outbox frames, one at a time. */
  private final class Flusher extends IteratingCallback {
    @Override
    protected Action process() {
      CoreSession c = core;
      if (c == null || !c.isOutputOpen()) {
        return Action.IDLE;
      }
      String text = welcome;
      if (text != null) {
        welcome = null;
      } else {
        Optional<dev.duet.signaling.session.Frame> next =
            session == null ? Optional.empty() : session.nextFrame(WebSocketLink.this);
        if (next.isEmpty()) {
          return Action.IDLE;
        }
        text = next.get().json();
      }
      metrics.messageOut();
      c.sendFrame(new Frame(OpCode.TEXT, text), this, false);
      return Action.SCHEDULED;
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      Session s = session;
      String id = s == null ? "-" : s.id();
      if (cause instanceof java.nio.channels.ClosedChannelException
          || cause instanceof java.io.EOFException) {
        LOG.debug("session {} ws send failed, closing: {}", id, cause.toString());
      } else {
        LOG.info("session {} ws send failed, closing: {}", id, cause.toString());
      }
      CoreSession c = core;
      if (c != null) {
        c.abort();
      }
    }
  }
}
