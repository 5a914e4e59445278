package dev.duet.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  final TokenVerifier hs = TokenVerifier.hs256(SECRET, Optional.empty(), Optional.empty(), CLOCK);

  static String hsToken(byte[] key, Instant exp) {
    return Jwts.builder()
        .subject("alice")
        .expiration(Date.from(exp))
        .claim("roles", List.of("moderator"))
        .signWith(Keys.hmacShaKeyFor(key), Jwts.SIG.HS256)
        .compact();
  }

  @Test
  void validTokenGivesSubjectRolesAndExpiry() {
    Principal p = hs.verify(hsToken(SECRET, NOW.plusSeconds(600)));
    assertThat(p.user()).isEqualTo("alice");
    assertThat(p.isModerator()).isTrue();
    assertThat(p.expiresAt()).isEqualTo(NOW.plusSeconds(600));
  }

  @Test
  void expiredTokenIsRefused() {
    assertThatThrownBy(() -> hs.verify(hsToken(SECRET, NOW.minusSeconds(120))))
        .isInstanceOf(AuthException.class)
        .hasMessage("token expired");
  }

  @Test
  void tokenWithoutExpiryIsRefused() {
    String t = Jwts.builder().subject("alice").signWith(Keys.hmacShaKeyFor(SECRET)).compact();
    assertThatThrownBy(() -> hs.verify(t)).isInstanceOf(AuthException.class);
  }

  @Test
  void notYetValidTokenIsRefused() {
    String t =
        Jwts.builder()
            .subject("alice")
            .notBefore(Date.from(NOW.plus(Duration.ofMinutes(5))))
            .expiration(Date.from(NOW.plus(Duration.ofHours(1))))
            .signWith(Keys.hmacShaKeyFor(SECRET), Jwts.SIG.HS256)
            .compact();
    assertThatThrownBy(() -> hs.verify(t)).hasMessage("token not yet valid");
  }

  @Test
  void wrongKeyIsRefused() {
    byte[] other = "ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> hs.verify(hsToken(other, NOW.plusSeconds(60))))
        .isInstanceOf(AuthException.class);
  }

  @Test
  void tamperedPayloadIsRefused() {
    String[] parts = hsToken(SECRET, NOW.plusSeconds(60)).split("\\.");
    String forged =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                ("{\"sub\":\"mallory\",\"exp\":" + NOW.plusSeconds(60).getEpochSecond() + "}")
                    .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> hs.verify(parts[0] + "." + forged + "." + parts[2]))
        .isInstanceOf(AuthException.class);
  }

  @Test
  void algorithmNoneIsRefused() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String body =
        b64.encodeToString(
            ("{\"sub\":\"alice\",\"exp\":" + NOW.plusSeconds(60).getEpochSecond() + "}")
                .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> hs.verify(header + "." + body + "."))
        .isInstanceOf(AuthException.class);
  }

  @Test
  void hs512TokenIsRefusedWhenHs256IsPinned() {
    byte[] longKey = new byte[64];
    System.arraycopy(SECRET, 0, longKey, 0, 32);
    System.arraycopy(SECRET, 0, longKey, 32, 32);
    TokenVerifier v = TokenVerifier.hs256(longKey, Optional.empty(), Optional.empty(), CLOCK);
    String t =
        Jwts.builder()
            .subject("alice")
            .expiration(Date.from(NOW.plusSeconds(60)))
            .signWith(Keys.hmacShaKeyFor(longKey), Jwts.SIG.HS512)
            .compact();
    assertThatThrownBy(() -> v.verify(t)).isInstanceOf(AuthException.class);
  }

  @Test
  void rs256TokenVerifiesWithThePublicKeyAndHsConfusionIsRefused() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair kp = gen.generateKeyPair();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(kp.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    TokenVerifier rs = TokenVerifier.publicKey(pem, Optional.empty(), Optional.empty(), CLOCK);
    assertThat(rs.algorithm()).isEqualTo("RS256");
    String good =
        Jwts.builder()
            .subject("bob")
            .expiration(Date.from(NOW.plusSeconds(60)))
            .signWith(kp.getPrivate(), Jwts.SIG.RS256)
            .compact();
    assertThat(rs.verify(good).user()).isEqualTo("bob");

    // HS/RS confusion: an HS256 token keyed with the public key's bytes must not pass.
    byte[] pubBytes = pem.getBytes(StandardCharsets.UTF_8);
    String confused =
        Jwts.builder()
            .subject("mallory")
            .expiration(Date.from(NOW.plusSeconds(60)))
            .signWith(Keys.hmacShaKeyFor(pubBytes), Jwts.SIG.HS256)
            .compact();
    assertThatThrownBy(() -> rs.verify(confused)).isInstanceOf(AuthException.class);
    // And an RS256 token is refused by an HS256-pinned verifier.
    assertThatThrownBy(() -> hs.verify(good)).isInstanceOf(AuthException.class);
  }

  @Test
  void es256TokenVerifiesWithAnEcKey() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    KeyPair kp = gen.generateKeyPair();
    String der = Base64.getEncoder().encodeToString(kp.getPublic().getEncoded());
    TokenVerifier es = TokenVerifier.publicKey(der, Optional.empty(), Optional.empty(), CLOCK);
    assertThat(es.algorithm()).isEqualTo("ES256");
    String t =
        Jwts.builder()
            .subject("carol")
            .expiration(Date.from(NOW.plusSeconds(60)))
            .signWith(kp.getPrivate(), Jwts.SIG.ES256)
            .compact();
    assertThat(es.verify(t).user()).isEqualTo("carol");
  }

  @Test
  void issuerAndAudienceAreCheckedWhenConfigured() {
    TokenVerifier strict =
        TokenVerifier.hs256(SECRET, Optional.of("duet-idp"), Optional.of("duet"), CLOCK);
    TokenIssuer good = new TokenIssuer(SECRET, Optional.of("duet-idp"), Optional.of("duet"), CLOCK);
    assertThat(strict.verify(good.issue("alice", List.of(), Duration.ofMinutes(5))).user())
        .isEqualTo("alice");
    TokenIssuer wrongIss = new TokenIssuer(SECRET, Optional.of("evil"), Optional.of("duet"), CLOCK);
    assertThatThrownBy(
            () -> strict.verify(wrongIss.issue("alice", List.of(), Duration.ofMinutes(5))))
        .isInstanceOf(AuthException.class);
    TokenIssuer wrongAud =
        new TokenIssuer(SECRET, Optional.of("duet-idp"), Optional.of("x"), CLOCK);
    assertThatThrownBy(
            () -> strict.verify(wrongAud.issue("alice", List.of(), Duration.ofMinutes(5))))
        .isInstanceOf(AuthException.class);
  }

  @Test
  void shortSecretIsRejectedAtStartUp() {
    assertThatThrownBy(
            () -> TokenVerifier.hs256(new byte[16], Optional.empty(), Optional.empty(), CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("256 bits");
  }

  @Test
  void missingOrGarbageTokenIsRefused() {
    assertThatThrownBy(() -> hs.verify(null)).hasMessage("missing token");
    assertThatThrownBy(() -> hs.verify("not.a.jwt")).hasMessage("invalid token");
  }
}
