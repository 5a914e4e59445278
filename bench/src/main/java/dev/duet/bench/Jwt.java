package dev.duet.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Mints the HS256 tokens every server under test verifies (Duet and the references alike). */
final class Jwt {
  /** The shared secret handed to every server as DUET_JWT_SECRET (raw UTF-8, 36 bytes). */
  static final String SECRET = "duet-bench-secret-0123456789abcdefgh";

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER =
      B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

  private Jwt() {}

  /** A token for {@code user}, valid for two hours. */
  static String mint(String user) {
    long now = System.currentTimeMillis() / 1000;
    String claims = "{\"sub\":\"" + user + "\",\"iat\":" + now + ",\"exp\":" + (now + 7200) + "}";
    String signingInput =
        HEADER + "." + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    return signingInput + "." + B64.encodeToString(hmac(signingInput));
  }

  static byte[] hmac(String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
