package dev.duet.signaling.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.JwtParserBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.security.Keys;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;

/**
 * Verifies JWTs: the algorithm is pinned to the configured one (HS256 with a shared secret, or
 * RS256/ES256 with a public key), {@code exp} is required, {@code nbf} honoured, {@code iss} and
 * {@code aud} checked when configured, {@code sub} required. A token using any other algorithm,
 * {@code none} included, is refused.
 */
public final class TokenVerifier {
  /** Allowed clock skew for exp/nbf. */
  private static final Duration SKEW = Duration.ofSeconds(30);

  private final JwtParser parser;
  private final String algorithm;

  private TokenVerifier(JwtParser parser, String algorithm) {
    this.parser = parser;
    this.algorithm = algorithm;
  }

  /** HS256 with a shared secret of at least 256 bits. */
  public static TokenVerifier hs256(
      byte[] secret, Optional<String> issuer, Optional<String> audience, Clock clock) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("DUET_JWT_SECRET must be at least 256 bits (32 bytes)");
    }
    SecretKey key = Keys.hmacShaKeyFor(secret);
    return new TokenVerifier(build(key, issuer, audience, clock), "HS256");
  }

  /** RS256 or ES256 with a PEM (or base64 DER) X.509 public key; the algorithm follows the key. */
  public static TokenVerifier publicKey(
      String pem, Optional<String> issuer, Optional<String> audience, Clock clock) {
    byte[] der = decodePem(pem);
    PublicKey key;
    String alg;
    try {
      key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
      alg = "RS256";
    } catch (java.security.GeneralSecurityException notRsa) {
      try {
        key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        alg = "ES256";
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalArgumentException("DUET_JWT_PUBLIC_KEY is neither an RSA nor an EC key");
      }
    }
    return new TokenVerifier(build(key, issuer, audience, clock), alg);
  }

  private static JwtParser build(
      Key key, Optional<String> issuer, Optional<String> audience, Clock clock) {
    JwtParserBuilder b =
        Jwts.parser().clock(() -> Date.from(clock.instant())).clockSkewSeconds(SKEW.toSeconds());
    if (key instanceof SecretKey sk) {
      b.verifyWith(sk);
    } else {
      b.verifyWith((PublicKey) key);
    }
    issuer.ifPresent(b::requireIssuer);
    audience.ifPresent(a -> b.requireAudience(a));
    return b.build();
  }

  /** The algorithm tokens must use. */
  public String algorithm() {
    return algorithm;
  }

  /**
   * Verifies a compact JWS.
   *
   * @throws AuthException when the token is missing, malformed, forged, expired, not yet valid,
   *     uses another algorithm, or lacks {@code sub} or {@code exp}
   */
  public Principal verify(String token) {
    if (token == null || token.isBlank()) {
      throw new AuthException("missing token");
    }
    Claims claims;
    try {
      var jws = parser.parseSignedClaims(token);
      String alg = jws.getHeader().getAlgorithm();
      if (!algorithm.equals(alg)) {
        throw new AuthException("token algorithm not accepted");
      }
      claims = jws.getPayload();
    } catch (ExpiredJwtException e) {
      throw new AuthException("token expired");
    } catch (PrematureJwtException e) {
      throw new AuthException("token not yet valid");
    } catch (JwtException | IllegalArgumentException e) {
      throw new AuthException("invalid token");
    }
    if (claims.getExpiration() == null) {
      throw new AuthException("token has no expiry");
    }
    String sub = claims.getSubject();
    if (sub == null || sub.isBlank() || sub.length() > dev.duet.protocol.UserIds.MAX_CHARS) {
      throw new AuthException("token has no valid subject");
    }
    return new Principal(sub, roles(claims.get("roles")), claims.getExpiration().toInstant());
  }

  private static Set<String> roles(Object claim) {
    Set<String> roles = new LinkedHashSet<>();
    if (claim instanceof Collection<?> c) {
      for (Object o : c) {
        if (o instanceof String s) {
          roles.add(s);
        }
      }
    } else if (claim instanceof String s) {
      for (String r : s.split("[ ,]+")) {
        if (!r.isBlank()) {
          roles.add(r);
        }
      }
    }
    return Set.copyOf(roles);
  }

  private static byte[] decodePem(String pem) {
    String body =
        pem.replaceAll("-----BEGIN [A-Z ]+-----", "")
            .replaceAll("-----END [A-Z ]+-----", "")
            .replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(body.getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DUET_JWT_PUBLIC_KEY is not PEM or base64");
    }
  }
}
