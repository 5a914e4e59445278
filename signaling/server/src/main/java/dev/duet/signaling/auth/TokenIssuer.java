package dev.duet.signaling.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import javax.crypto.SecretKey;

/** Issues HS256 development tokens. Exists only in demo mode (and in tests). */
public final class TokenIssuer {
  private final SecretKey key;
  private final Optional<String> issuer;
  private final Optional<String> audience;
  private final Clock clock;

  public TokenIssuer(
      byte[] secret, Optional<String> issuer, Optional<String> audience, Clock clock) {
    this.key = Keys.hmacShaKeyFor(secret);
    this.issuer = issuer;
    this.audience = audience;
    this.clock = clock;
  }

  public String issue(String user, Collection<String> roles, Duration ttl) {
    Instant now = clock.instant();
    var b =
        Jwts.builder()
            .subject(user)
            .issuedAt(Date.from(now))
            .expiration(Date.from(now.plus(ttl)))
            .claim("roles", List.copyOf(roles));
    issuer.ifPresent(b::issuer);
    audience.ifPresent(a -> b.audience().add(a));
    return b.signWith(key, Jwts.SIG.HS256).compact();
  }
}
