package dev.duet.signaling.turn;

import dev.duet.protocol.IceServer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived TURN credentials by the TURN REST API scheme that coturn's {@code use-auth-secret}
 * accepts: username {@code <expiry unix seconds>:<userId>}, password base64(HMAC-SHA1(secret,
 * username)).
 */
public final class TurnCredentials {
  private final List<String> stunUrls;
  private final List<String> turnUrls;
  private final Optional<byte[]> secret;
  private final Duration ttl;
  private final Clock clock;

  /**
   * @param urls STUN and TURN URLs ({@code stun:}, {@code turn:}, {@code turns:})
   * @param secret coturn's static-auth-secret; without one TURN URLs are left out
   */
  public TurnCredentials(List<String> urls, Optional<String> secret, Duration ttl, Clock clock) {
    this.stunUrls = urls.stream().filter(u -> u.startsWith("stun")).toList();
    this.turnUrls = urls.stream().filter(u -> u.startsWith("turn")).toList();
    this.secret = secret.map(s -> s.getBytes(StandardCharsets.UTF_8));
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The ICE servers for {@code user}, with fresh TURN credentials. */
  public List<IceServer> iceServers(String user) {
    List<IceServer> servers = new ArrayList<>();
    if (!stunUrls.isEmpty()) {
      servers.add(new IceServer(stunUrls, null, null));
    }
    if (!turnUrls.isEmpty() && secret.isPresent()) {
      long expiry = clock.instant().plus(ttl).getEpochSecond();
      String username = expiry + ":" + user;
      servers.add(new IceServer(turnUrls, username, password(secret.get(), username)));
    }
    return servers;
  }

  public Duration ttl() {
    return ttl;
  }

  /** base64(HMAC-SHA1(secret, username)), as coturn computes it. */
  public static String password(byte[] secret, String username) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret, "HmacSHA1"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 unavailable", e);
    }
  }
}
