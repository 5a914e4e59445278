package dev.duet.signaling.http;

import dev.duet.signaling.auth.AuthException;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.auth.TokenVerifier;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Reads and verifies the token of a request ({@code Authorization: Bearer} or the {@code
 * access_token} query parameter) and checks a browser's {@code Origin} against the allow-list
 * (same-origin when the list is empty). Requests without {@code Origin} (apps, servers) pass the
 * origin check.
 */
public final class Authenticator {
  /** Request attribute holding the verified {@link Principal}. */
  public static final String PRINCIPAL = "duet.principal";

  private final TokenVerifier verifier;
  private final List<String> allowedOrigins;

  public Authenticator(TokenVerifier verifier, List<String> allowedOrigins) {
    this.verifier = verifier;
    this.allowedOrigins = allowedOrigins;
  }

  /** The verified principal; throws {@link AuthException} (never echoing the token). */
  public Principal authenticate(Request request) {
    return verifier.verify(token(request).orElseThrow(() -> new AuthException("missing token")));
  }

  /**
   * The verified principal from the {@code Authorization: Bearer} header only, for APIs whose
   * tokens must not travel in URLs (the moderators' API); throws {@link AuthException}.
   */
  public Principal authenticateHeader(Request request) {
    return verifier.verify(
        bearer(request)
            .orElseThrow(
                () -> new AuthException("missing token (send it as Authorization: Bearer)")));
  }

  private static Optional<String> bearer(Request request) {
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(auth.substring(7).trim());
    }
    return Optional.empty();
  }

  public static Optional<String> token(Request request) {
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(auth.substring(7).trim());
    }
    String q = Request.extractQueryParameters(request).getValue("access_token");
    return Optional.ofNullable(q);
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
