package dev.duet.signaling.auth;

/** A token was refused. The message says why, without echoing the token. */
public final class AuthException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AuthException(String message) {
    super(message);
  }
}
