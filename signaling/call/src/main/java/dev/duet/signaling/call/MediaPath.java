package dev.duet.signaling.call;

import java.util.Locale;

/** How a call's media travels. */
public enum MediaPath {
  /** Browser to browser (directly or through TURN). */
  P2P,
  /** Through the media relay (a Kurento media server). */
  RELAY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
