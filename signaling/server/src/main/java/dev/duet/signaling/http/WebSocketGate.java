package dev.duet.signaling.http;

import dev.duet.protocol.ErrorCode;
import dev.duet.signaling.auth.AuthException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The outermost handler: counts every HTTP request, and in front of the WebSocket upgrade: a bad,
 * expired or missing token gets HTTP 401 and a foreign browser Origin HTTP 403, before any upgrade.
 * A verified principal is left as a request attribute for the endpoint.
 */
public final class WebSocketGate extends Handler.Wrapper {
  private final Authenticator auth;
  private final dev.duet.signaling.Metrics metrics;
  private final java.util.function.BooleanSupplier stopping;

  /**
   * @param stopping whether the server is stopping: upgrades then get HTTP 503 (a session could no
   *     longer be served)
   */
  public WebSocketGate(
      Authenticator auth,
      dev.duet.signaling.Metrics metrics,
      java.util.function.BooleanSupplier stopping,
      Handler next) {
    super(next);
    this.auth = auth;
    this.metrics = metrics;
    this.stopping = stopping;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    metrics.httpRequest();
    if (!"/ws".equals(Request.getPathInContext(request))) {
      return super.handle(request, response, callback);
    }
    if (!auth.originAllowed(request)) {
      Json.error(response, callback, 403, ErrorCode.FORBIDDEN, "origin not allowed");
      return true;
    }
    if (stopping.getAsBoolean()) {
      Json.unavailable(response, callback);
      return true;
    }
    try {
      request.setAttribute(Authenticator.PRINCIPAL, auth.authenticate(request));
    } catch (AuthException e) {
      response.getHeaders().put("WWW-Authenticate", "Bearer");
      Json.error(response, callback, 401, ErrorCode.UNAUTHORIZED, e.getMessage());
      return true;
    }
    try {
      dev.duet.signaling.transport.WebSocketEndpoint.count(
          "lastSeq", Request.extractQueryParameters(request).getValue("lastSeq"));
    } catch (IllegalArgumentException e) { // refused before the upgrade, like a bad token
      Json.error(response, callback, 400, ErrorCode.BAD_REQUEST, e.getMessage());
      return true;
    }
    return super.handle(request, response, callback);
  }
}
