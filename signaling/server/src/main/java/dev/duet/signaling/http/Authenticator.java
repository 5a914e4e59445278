package dev.duet.signaling.http;

import dev.duet.signaling.Metrics;
import dev.duet.signaling.auth.AuthException;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.auth.Tickets;
import dev.duet.signaling.auth.TokenVerifier;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Reads and verifies the credential of a request and checks a browser's {@code Origin} against the
 * allow-list (same-origin when the list is empty). Requests without {@code Origin} (apps, servers)
 * pass the origin check.
 *
 * <p>The credential is, in this order: {@code Authorization: Bearer <token>}; a {@code ticket}
 * query parameter, a single-use connect ticket from {@code POST /api/connect-ticket} (how browsers
 * open a WebSocket or an EventSource, which cannot send headers, without a token in the URL); or
 * the {@code access_token} query parameter (accepted for clients that cannot do either; its token
 * ends up in request URIs).
 */
public final class Authenticator {
  /** Request attribute holding the verified {@link Principal}. */
  public static final String PRINCIPAL = "duet.principal";

  /** How long a connect ticket may wait to be used. */
  public static final Duration CONNECT_TICKET_TTL = Duration.ofSeconds(30);

  private final TokenVerifier verifier;
  private final List<String> allowedOrigins;
  private final Clock clock;
  private final Tickets<Principal> connectTickets;
  private final Metrics metrics;

  public Authenticator(
      TokenVerifier verifier, List<String> allowedOrigins, Clock clock, Metrics metrics) {
    this.verifier = verifier;
    this.allowedOrigins = allowedOrigins;
    this.clock = clock;
    this.metrics = metrics;
    this.connectTickets = new Tickets<>(clock, CONNECT_TICKET_TTL, 100_000);
  }

  /** The verified principal; throws {@link AuthException} (never echoing the credential). */
  public Principal authenticate(Request request) {
    Optional<String> bearer = bearer(request);
    if (bearer.isPresent()) {
      Principal p = verifier.verify(bearer.get());
      metrics.authenticated("header");
      return p;
    }
    var query = Request.extractQueryParameters(request);
    String ticket = query.getValue("ticket");
    if (ticket != null) {
      Principal p =
          connectTickets
              .redeem(ticket)
              .orElseThrow(() -> new AuthException("unknown, used or expired ticket"));
      if (!p.expiresAt().isAfter(clock.instant())) {
        throw new AuthException("token expired");
      }
      metrics.authenticated("ticket");
      return p;
    }
    String token = query.getValue("access_token");
    if (token == null) {
      throw new AuthException("missing token");
    }
    Principal p = verifier.verify(token);
    metrics.authenticated("query");
    return p;
  }

  /**
   * A single-use ticket, valid {@link #CONNECT_TICKET_TTL}, that authenticates one request as
   * {@code principal} (see {@link #authenticate}).
   */
  public Tickets.Issued connectTicket(Principal principal) {
    return connectTickets.issue(principal);
  }

  /**
   * The verified principal from the {@code Authorization: Bearer} header only, for APIs whose
   * tokens must not travel in URLs (the moderators' API); throws {@link AuthException}.
   */
  public Principal authenticateHeader(Request request) {
    Principal p =
        verifier.verify(
            bearer(request)
                .orElseThrow(
                    () -> new AuthException("missing token (send it as Authorization: Bearer)")));
    metrics.authenticated("header");
    return p;
  }

  private static Optional<String> bearer(Request request) {
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(auth.substring(7).trim());
    }
    return Optional.empty();
  }

  /** True when the request has no Origin, or an allowed one. */
  public boolean originAllowed(Request request) {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin == null) {
      return true;
    }
    if (!allowedOrigins.isEmpty()) {
      return allowedOrigins.contains("*") || allowedOrigins.contains(origin);
    }
    try {
      URI o = URI.create(origin);
      String host = request.getHeaders().get(HttpHeader.HOST);
      String authority = o.getPort() == -1 ? o.getHost() : o.getHost() + ":" + o.getPort();
      return host != null && host.equalsIgnoreCase(authority);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
