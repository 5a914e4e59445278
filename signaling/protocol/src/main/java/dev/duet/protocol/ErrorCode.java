package dev.duet.protocol;

import java.util.Locale;

/** Stable error codes of {@code error} messages and of HTTP error bodies. */
public enum ErrorCode {
  /** Malformed JSON, a missing or mistyped field, an invalid value. */
  BAD_REQUEST,
  /** The {@code type} is not one of protocol v1's client message types. */
  UNKNOWN_TYPE,
  /** No valid token. */
  UNAUTHORIZED,
  /** Authenticated, but not allowed to do this. */
  FORBIDDEN,
  /** The thing named does not exist (or is not visible to the caller). */
  NOT_FOUND,
  /** The call id names no live call of which the sender is a party. */
  NOT_IN_CALL,
  /** The message does not fit the call's current state (accepting an ended call, say). */
  INVALID_STATE,
  /** The message or one of its fields is over its size limit. */
  TOO_LARGE,
  /** The sender is over its rate limit; the message was dropped. */
  RATE_LIMITED,
  /** The server failed; the message may be retried. */
  INTERNAL;

  /** The wire form, e.g. {@code not_in_call}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
