package dev.duet.protocol;

import java.util.Locale;
import java.util.Optional;

/** Why a call ended: both parties and the call record get the same reason. */
public enum EndReason {
  /** A party hung up an accepted call. */
  HANGUP,
  /** The caller hung up before the call was accepted. */
  CANCELLED,
  /** The callee declined. */
  REJECTED,
  /** The callee was already in a call. */
  BUSY,
  /** Nobody answered within the ring timeout. */
  TIMEOUT,
  /** Sent to the callee's other devices when one device accepted. */
  ANSWERED_ELSEWHERE,
  /** Sent to the callee's other devices when one device declined. */
  DECLINED_ELSEWHERE,
  /** Both parties called each other at once; this call lost (the lesser callId survives). */
  GLARE,
  /** Media could not be connected, even through the relay. */
  ICE_FAILED,
  /** The media relay failed. */
  MEDIA_FAILED,
  /** A party's connection was gone for longer than the resume grace period. */
  CONNECTION_LOST,
  /** The server shut down. */
  SERVER_SHUTDOWN;

  /**
   * The reason a client may give in {@code call.hangup}: {@code hangup} (also when absent) or
   * {@code media_failed} (its media failed even through the relay); empty for anything else.
   */
  public static Optional<EndReason> ofHangup(String wire) {
    if (wire == null || wire.equals(HANGUP.wire())) {
      return Optional.of(HANGUP);
    }
    return wire.equals(MEDIA_FAILED.wire()) ? Optional.of(MEDIA_FAILED) : Optional.empty();
  }

  /** The wire form, e.g. {@code answered_elsewhere}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
