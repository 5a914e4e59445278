package dev.duet.signaling.auth;

import java.time.Instant;
import java.util.Set;

/**
 * An authenticated user: the JWT's {@code sub}, its roles, and when the token expires.
 *
 * @param user the user id ({@code sub})
 * @param roles roles from the {@code roles} claim (e.g. {@code moderator})
 * @param expiresAt the token's {@code exp}
 */
public record Principal(String user, Set<String> roles, Instant expiresAt) {
  public static final String MODERATOR = "moderator";

  public boolean isModerator() {
    return roles.contains(MODERATOR);
  }
}
